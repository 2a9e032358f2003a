// What the AWS router tests share: one moto per test file (emptied before each test), the clients a
// test uses as "someone else" to build and change resources, IAM users with exactly the actions given,
// and a rollout driven from a spec the way the CLI drives it.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto, type Moto } from '../../harness/moto.js';
import { runRollout, type RolloutRun } from '../../harness/rollout.js';
import { emptyCounts, type Load } from '../../harness/load.js';
import type { Logger, ProviderEnv } from '../../../src/ports.js';

/**
 * Starts moto for the file and points the default credential chain at its test keys. `warm` runs
 * once first (moto loads each service's code on its first request: seconds on a busy machine, which
 * would otherwise land in the first test's time), then moto is emptied before each test.
 */
export function useMoto(warm?: (moto: Moto) => Promise<unknown>): { moto: () => Moto } {
  let moto: Moto | undefined;
  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      AWS_REGION: MOTO_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    moto = await startMoto();
    await warm?.(moto);
  });
  beforeEach(async () => moto?.reset());
  afterAll(async () => moto?.close());
  return { moto: () => moto! };
}

/** A rollout's time limit in these tests: moto answers in tens of milliseconds, slower on a busy machine. */
export const ROLLOUT_TIMEOUT = 120_000;

export const clientConfig = (moto: Moto, credentials = MOTO_CREDENTIALS) => ({ region: MOTO_REGION, endpoint: moto.direct, credentials });

export interface Alb {
  listener: string;
  stable: string;
  canary: string;
  loadBalancer: string;
  vpc: string;
}

/** A VPC, an internet-facing ALB, two target groups and a listener forwarding 100/0 to them. */
export async function createAlb(moto: Moto): Promise<Alb> {
  const ec2 = new EC2Client(clientConfig(moto));
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnets = await Promise.all(
    ['a', 'b'].map(
      async (zone, i) =>
        (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `${MOTO_REGION}${zone}` })))
          .Subnet!.SubnetId!,
    ),
  );
  const elb = new ElasticLoadBalancingV2Client(clientConfig(moto));
  const loadBalancer = (await elb.send(new CreateLoadBalancerCommand({ Name: 'web', Subnets: subnets }))).LoadBalancers![0]!
    .LoadBalancerArn!;
  const group = async (name: string) =>
    (await elb.send(new CreateTargetGroupCommand({ Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpc }))).TargetGroups![0]!
      .TargetGroupArn!;
  const [stable, canary] = [await group('web-v1'), await group('web-v2')];
  const listener = (
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancer,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: stable, Weight: 100 },
                { TargetGroupArn: canary, Weight: 0 },
              ],
            },
          },
        ],
      }),
    )
  ).Listeners![0]!.ListenerArn!;
  return { listener, stable, canary, loadBalancer, vpc };
}

/** An IAM user allowed exactly `actions` (on every resource), and its access keys. */
export async function iamUser(moto: Moto, name: string, actions: string[]): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = new IAMClient(clientConfig(moto));
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'rollgate',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  return { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
}

export const quietLog = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), debug: () => undefined, mask: () => undefined };
};

export const providerEnv = (env: Record<string, string | undefined> = process.env): ProviderEnv => ({
  env,
  log: quietLog(),
  cwd: process.cwd(),
});

const noLoad: Load = {
  counts: emptyCounts,
  countFromNow: () => emptyCounts,
  stop: async () => emptyCounts(),
  finished: Promise.resolve(emptyCounts()),
};

/** Drives the spec's rollout against the emulator; `segments` are the weights the router confirmed. */
export const drive = (spec: string): Promise<RolloutRun> => runRollout(spec, noLoad);

/** Stages 5 → 25 → 100 and a gate that fails from `failAt` % on (or never). */
export function canaryStages(failAt?: number): string {
  const stages = `stages:\n${[5, 25, 100].map((w) => `  - weight: ${w}\n    bake: 200ms`).join('\n')}\n`;
  const gate =
    failAt === undefined
      ? ''
      : `gates:\n  errors:\n    provider: command\n    command: test "$ROLLGATE_WEIGHT" -lt ${failAt}\n    interval: 1s\n`;
  return stages + gate;
}
