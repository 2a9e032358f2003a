// The aws-ecs router against moto: two ECS services registered in the two target groups of an ALB
// listener. moto keeps a service's running count at 0 until its desired count is updated, which is
// what a canary service still starting looks like.
import { describe, expect, it } from 'vitest';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  ListClustersCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeListenersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { awsEcsTraffic } from '../../../src/traffic/aws/aws-ecs.js';
import { ROLLOUT_TIMEOUT, canaryStages, clientConfig, createAlb, drive, iamUser, providerEnv, useMoto, type Alb } from './fixtures.js';
import { MOTO_REGION } from '../../harness/moto.js';

const { moto } = useMoto(async (m) => {
  await createAlb(m);
  await new ECSClient(clientConfig(m)).send(new ListClustersCommand({}));
});
const context = { stage: 0, stageName: 's', environment: 'it', rollback: false };

/** An ALB and services web-v1 (2 tasks running) and web-v2 (2 desired, none running until `start`). */
async function createServices() {
  const alb = await createAlb(moto());
  const ecs = new ECSClient(clientConfig(moto()));
  await ecs.send(new CreateClusterCommand({ clusterName: 'web' }));
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'web', memory: 128 }] }));
  const service = (name: string, targetGroupArn: string) =>
    ecs.send(
      new CreateServiceCommand({
        cluster: 'web',
        serviceName: name,
        taskDefinition: 'web',
        desiredCount: 2,
        loadBalancers: [{ targetGroupArn, containerName: 'web', containerPort: 80 }],
      }),
    );
  await service('web-v1', alb.stable);
  await service('web-v2', alb.canary);
  const start = (name: string) => ecs.send(new UpdateServiceCommand({ cluster: 'web', service: name, desiredCount: 2 }));
  await start('web-v1');
  return { alb, ecs, start };
}

const fields = (alb: Alb) => ({
  provider: 'aws-ecs',
  endpoint: moto().endpoint,
  cluster: 'web',
  stable: 'web-v1',
  canary: 'web-v2',
  listener: alb.listener,
});
const yaml = (alb: Alb) => `
version: 1
environment: it
traffic:
${Object.entries(fields(alb))
  .map(([k, v]) => `  ${k}: ${v}`)
  .join('\n')}
`;

async function weights(alb: Alb) {
  const elb = new ElasticLoadBalancingV2Client(clientConfig(moto()));
  const groups = (await elb.send(new DescribeListenersCommand({ ListenerArns: [alb.listener] }))).Listeners![0]!.DefaultActions![0]!
    .ForwardConfig!.TargetGroups!;
  return [alb.stable, alb.canary].map((arn) => groups.find((g) => g.TargetGroupArn === arn)?.Weight);
}

describe('aws-ecs router on moto', { timeout: ROLLOUT_TIMEOUT }, () => {
  it('promotes the canary service through the target groups its services name', async () => {
    const { alb, start } = await createServices();
    await start('web-v2');
    const run = await drive(yaml(alb) + canaryStages());
    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 100]);
    expect(await weights(alb)).toEqual([0, 100]);
  });

  it('rolls a failing canary back to 0 %', async () => {
    const { alb, start } = await createServices();
    await start('web-v2');
    const run = await drive(yaml(alb) + canaryStages(25));
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 0]);
    expect(await weights(alb)).toEqual([100, 0]);
  });

  it('waits for the canary service to run its tasks before it gets traffic, and gives up after readyTimeout', async () => {
    const { alb, start } = await createServices();
    const spec = awsEcsTraffic.schema.parse({ ...fields(alb), readyTimeout: '1s' });
    await expect(awsEcsTraffic.create(spec, providerEnv()).setWeight(5, context)).rejects.toThrow(
      'ECS cluster web: canary service web-v2 runs 0 of 2 tasks after 1s: not sending it 5% of the traffic',
    );
    expect(await weights(alb)).toEqual([100, 0]);
    const router = awsEcsTraffic.create(awsEcsTraffic.schema.parse({ ...fields(alb), readyTimeout: '20s' }), providerEnv());
    const setting = router.setWeight(5, context);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await weights(alb)).toEqual([100, 0]);
    await start('web-v2');
    await setting;
    expect(await weights(alb)).toEqual([95, 5]);
    // The way back is never refused.
    await awsEcsTraffic.create(spec, providerEnv()).setWeight(0, { ...context, rollback: true });
    expect(await weights(alb)).toEqual([100, 0]);
  });

  it('reads a weight changed by someone else, retries throttling, and names a missing IAM action', async () => {
    const { alb, start } = await createServices();
    await start('web-v2');
    const router = awsEcsTraffic.create(awsEcsTraffic.schema.parse(fields(alb)), providerEnv());
    moto().throttle('DescribeServices', 2, 'json');
    await router.setWeight(10, context);
    expect(moto().actions.filter((a) => a === 'DescribeServices').length).toBeGreaterThanOrEqual(3);
    expect(await router.verify(10)).toBe(true);

    const other = awsEcsTraffic.create(awsEcsTraffic.schema.parse(fields(alb)), providerEnv());
    await other.setWeight(30, context);
    expect(await router.getWeight()).toBe(30);
    expect(await router.verify(10)).toBe(false);

    const keys = await iamUser(moto(), 'alb-only', ['elasticloadbalancing:DescribeListeners', 'elasticloadbalancing:ModifyListener']);
    await moto().enforceIam(true);
    const denied = awsEcsTraffic.create(
      awsEcsTraffic.schema.parse(fields(alb)),
      providerEnv({ AWS_REGION: MOTO_REGION, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }),
    );
    await expect(denied.getWeight()).rejects.toThrow(
      'access denied to ecs:DescribeServices; allow the IAM action "ecs:DescribeServices" to the role',
    );
  });
});
