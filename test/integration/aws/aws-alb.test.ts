// The aws-alb router against moto: the real ELBv2 client signs and serialises every call, moto keeps
// the listener, and a second client plays "someone else" reading and changing it.
import { describe, expect, it } from 'vitest';
import {
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsAlbTraffic, createAlbRouter } from '../../../src/traffic/aws/aws-alb.js';
import { ROLLOUT_TIMEOUT, canaryStages, clientConfig, createAlb, drive, iamUser, providerEnv, useMoto, type Alb } from './fixtures.js';
import type { Moto } from '../../harness/moto.js';

const { moto } = useMoto(createAlb);
const context = { stage: 0, stageName: 's', environment: 'it', rollback: false };

const trafficYaml = (m: Moto, alb: Alb, extra = '') => `
version: 1
environment: it
traffic:
  provider: aws-alb
  endpoint: ${m.endpoint}
  listener: ${alb.listener}
  stable: ${alb.stable}
  canary: ${alb.canary}
${extra}`;

/** The listener's forward weights as another client reads them: [stable, canary]. */
async function listenerWeights(m: Moto, alb: Alb) {
  const elb = new ElasticLoadBalancingV2Client(clientConfig(m));
  const listener = (await elb.send(new DescribeListenersCommand({ ListenerArns: [alb.listener] }))).Listeners![0]!;
  const groups = listener.DefaultActions![0]!.ForwardConfig!.TargetGroups!;
  return [alb.stable, alb.canary].map((arn) => groups.find((g) => g.TargetGroupArn === arn)?.Weight);
}

describe('aws-alb router on moto', { timeout: ROLLOUT_TIMEOUT }, () => {
  it('promotes 5 → 100 %, one ModifyListener per stage, each weight read back', async () => {
    const alb = await createAlb(moto());
    const run = await drive(trafficYaml(moto(), alb) + canaryStages());
    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 100]);
    expect(await listenerWeights(moto(), alb)).toEqual([0, 100]);
    expect(moto().actions.filter((a) => a === 'ModifyListener')).toHaveLength(3);
  });

  it('returns a canary that fails its gate at 25 % to 0 %', async () => {
    const alb = await createAlb(moto());
    const run = await drive(trafficYaml(moto(), alb) + canaryStages(25));
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [5, false],
      [25, false],
      [0, true],
    ]);
    expect(await listenerWeights(moto(), alb)).toEqual([100, 0]);
  });

  it('switches blue-green 0 ↔ 100 in one call, with stickiness, on a listener rule, keeping its conditions', async () => {
    const alb = await createAlb(moto());
    const elb = new ElasticLoadBalancingV2Client(clientConfig(moto()));
    const rule = (
      await elb.send(
        new CreateRuleCommand({
          ListenerArn: alb.listener,
          Priority: 10,
          Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }],
          Actions: [{ Type: 'forward', TargetGroupArn: alb.stable }],
        }),
      )
    ).Rules![0]!.RuleArn!;
    const spec = awsAlbTraffic.schema.parse({
      provider: 'aws-alb',
      endpoint: moto().endpoint,
      listener: alb.listener,
      rule,
      stable: alb.stable,
      canary: alb.canary,
      stickiness: '10m',
    });
    const router = awsAlbTraffic.create(spec, providerEnv());
    expect(await router.getWeight()).toBe(0);
    await router.setWeight(100, context);
    expect(await router.verify(100)).toBe(true);
    const read = (await elb.send(new DescribeRulesCommand({ RuleArns: [rule] }))).Rules![0]!;
    expect(read.Conditions).toEqual([{ Field: 'path-pattern', Values: ['/api/*'] }]);
    expect(read.Actions![0]!.ForwardConfig).toEqual({
      TargetGroups: [
        { TargetGroupArn: alb.stable, Weight: 0 },
        { TargetGroupArn: alb.canary, Weight: 100 },
      ],
      TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
    });
    await router.setWeight(0, { ...context, rollback: true });
    expect(await router.getWeight()).toBe(0);
    // The default action was never touched.
    expect(await listenerWeights(moto(), alb)).toEqual([100, 0]);
    expect(moto().actions).not.toContain('ModifyListener');
  });

  it('reads a weight someone else set (drift), and refuses a listener that also forwards elsewhere', async () => {
    const alb = await createAlb(moto());
    const router = createAlbRouter(
      { listener: alb.listener, stable: alb.stable, canary: alb.canary, endpoint: moto().endpoint },
      providerEnv(),
    );
    await router.setWeight(25, context);
    expect(await router.verify(25)).toBe(true);
    const elb = new ElasticLoadBalancingV2Client(clientConfig(moto()));
    const forward = (groups: Array<[string, number]>) =>
      elb.send(
        new ModifyListenerCommand({
          ListenerArn: alb.listener,
          DefaultActions: [
            { Type: 'forward', ForwardConfig: { TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })) } },
          ],
        }),
      );
    await forward([
      [alb.stable, 300],
      [alb.canary, 200],
    ]);
    expect(await router.getWeight()).toBe(40);
    expect(await router.verify(25)).toBe(false);
    await router.setWeight(25, context); // the next change puts the planned weight back
    expect(await listenerWeights(moto(), alb)).toEqual([75, 25]);

    const intruder = (await elb.send(new CreateTargetGroupCommand({ Name: 'web-v3', Protocol: 'HTTP', Port: 80, VpcId: alb.vpc })))
      .TargetGroups![0]!.TargetGroupArn!;
    await forward([
      [alb.stable, 1],
      [intruder, 1],
    ]);
    await expect(router.getWeight()).rejects.toThrow(`also forwards to ${intruder}: Rollgate shifts only between stable and canary`);
    await expect(router.setWeight(0, { ...context, rollback: true })).rejects.toThrow('also forwards to');
  });

  it('retries a throttled ModifyListener and succeeds', async () => {
    const alb = await createAlb(moto());
    const router = createAlbRouter(
      { listener: alb.listener, stable: alb.stable, canary: alb.canary, endpoint: moto().endpoint },
      providerEnv(),
    );
    moto().throttle('ModifyListener', 2, 'query');
    await router.setWeight(5, context);
    expect(moto().actions.filter((a) => a === 'ModifyListener')).toHaveLength(3);
    expect(await router.getWeight()).toBe(5);
  });

  it('names the IAM action a role lacks, and changes nothing', async () => {
    const alb = await createAlb(moto());
    const keys = await iamUser(moto(), 'reader', ['elasticloadbalancing:DescribeListeners']);
    await moto().enforceIam(true);
    const router = createAlbRouter(
      { listener: alb.listener, stable: alb.stable, canary: alb.canary, endpoint: moto().endpoint },
      providerEnv({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }),
    );
    expect(await router.getWeight()).toBe(0);
    await expect(router.setWeight(5, context)).rejects.toThrow(
      /access denied to elasticloadbalancing:ModifyListener; allow the IAM action "elasticloadbalancing:ModifyListener" to the role/,
    );
    await moto().enforceIam(false);
    expect(await listenerWeights(moto(), alb)).toEqual([100, 0]);
  });
});
