// Traffic `aws-ecs`: two ECS services, stable and canary, each registered in its own target group
// behind one ALB listener; the split is the aws-alb router's, on the target groups the services name
// (DescribeServices → loadBalancers[].targetGroupArn). Before the canary gets any traffic its service
// must be steady — every desired task running, one deployment — and Rollgate waits for that up to
// `readyTimeout`. The way back to the stable service is never refused. (Why two services rather than
// ECS's own blue/green deployments: docs/cloud.md.)
import type { ECSClient, Service } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { defineTrafficProvider } from '../provider.js';
import type { TrafficRouter } from '../../ports.js';
import { duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { awsCall, awsClientConfig, awsFields } from '../../util/aws.js';
import { albListenerFields, createAlbRouter, refineAlbListener } from './aws-alb.js';

// ECS names: up to 255 letters, digits, "-" and "_" (clusters and services alike); a cluster may be an ARN.
const serviceName = z.string().regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'an ECS service name is up to 255 letters, digits, "-" and "_"' });
const clusterName = z.string().regex(/^([A-Za-z0-9_-]{1,255}|arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255})$/, {
  error: 'expected an ECS cluster name or ARN',
});

const ecsSchema = z
  .strictObject({
    provider: z.literal('aws-ecs'),
    ...awsFields,
    cluster: clusterName.describe('The cluster of both services.'),
    stable: serviceName.describe('The ECS service running the stable version.'),
    canary: serviceName.describe('The ECS service running the canary version (deployed before the rollout).'),
    ...albListenerFields,
    readyTimeout: duration.default('5m').describe('How long to wait for the canary service to be steady before it gets traffic.'),
  })
  .superRefine((spec, ctx) => {
    refineAlbListener(spec, ctx);
    if (spec.stable === spec.canary) ctx.addIssue({ code: 'custom', path: ['canary'], message: 'is the same service as stable' });
  });

export type EcsSpec = z.output<typeof ecsSchema>;

/** Why a service is not ready to take traffic, or undefined when it is. */
export function notSteady(service: Service): string | undefined {
  if (service.status !== 'ACTIVE') return `is ${service.status}`;
  const desired = service.desiredCount ?? 0;
  if (desired === 0) return 'has a desired count of 0';
  if ((service.runningCount ?? 0) < desired) return `runs ${service.runningCount ?? 0} of ${desired} tasks`;
  const deployments = service.deployments ?? [];
  if (deployments.length > 1) return `has ${deployments.length} deployments in progress`;
  if (deployments[0]?.rolloutState === 'FAILED') return `deployment failed: ${deployments[0].rolloutStateReason ?? ''}`;
  return undefined;
}

export const awsEcsTraffic = defineTrafficProvider({
  schema: ecsSchema,
  create(spec, env): TrafficRouter {
    const where = `ECS cluster ${spec.cluster}`;
    const config = awsClientConfig(spec, env, where);
    let sdk: Promise<{ client: ECSClient; m: typeof import('@aws-sdk/client-ecs') }> | undefined;
    const load = () => (sdk ??= import('@aws-sdk/client-ecs').then((m) => ({ client: new m.ECSClient(config), m })));
    const readyMs = parseDuration(spec.readyTimeout) ?? 300_000;

    const services = async () => {
      const { client, m } = await load();
      const answer = await awsCall(where, 'ecs:DescribeServices', () =>
        client.send(new m.DescribeServicesCommand({ cluster: spec.cluster, services: [spec.stable, spec.canary] })),
      );
      const find = (name: string) => {
        const service = answer.services?.find((s) => s.serviceName === name);
        if (!service)
          throw new Error(
            `${where} has no service ${name} (${answer.failures?.find((f) => f.arn?.endsWith(`/${name}`))?.reason ?? 'MISSING'})`,
          );
        const groups = [...new Set((service.loadBalancers ?? []).map((lb) => lb.targetGroupArn).filter((arn): arn is string => !!arn))];
        if (groups.length !== 1)
          throw new Error(`${where}: service ${name} must be registered in exactly one target group (it has ${groups.length})`);
        return { service, targetGroup: groups[0]! };
      };
      const [stable, canary] = [find(spec.stable), find(spec.canary)];
      if (stable.targetGroup === canary.targetGroup)
        throw new Error(`${where}: services ${spec.stable} and ${spec.canary} share the target group ${stable.targetGroup}`);
      return { stable, canary };
    };

    // The ALB router on the services' target groups; built again if a service moves to another group.
    let alb: { key: string; router: TrafficRouter } | undefined;
    const router = async () => {
      const { stable, canary } = await services();
      const key = `${stable.targetGroup} ${canary.targetGroup}`;
      if (alb?.key !== key) {
        await alb?.router.close?.();
        alb = {
          key,
          router: createAlbRouter({ ...spec, stable: stable.targetGroup, canary: canary.targetGroup }, env, 'aws-ecs'),
        };
      }
      return { router: alb.router, canary: canary.service };
    };

    return {
      type: 'aws-ecs',
      async setWeight(weight, context) {
        let { router: alb, canary } = await router();
        const deadline = Date.now() + readyMs;
        for (let why = weight > 0 ? notSteady(canary) : undefined; why; why = notSteady(canary)) {
          if (Date.now() >= deadline)
            throw new Error(
              `${where}: canary service ${spec.canary} ${why} after ${spec.readyTimeout}: not sending it ${weight}% of the traffic`,
            );
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, Math.max(250, readyMs / 20))));
          ({ router: alb, canary } = await router());
        }
        await alb.setWeight(weight, context);
      },
      async getWeight() {
        return (await router()).router.getWeight();
      },
      async verify(weight) {
        return (await router()).router.verify(weight);
      },
      async close() {
        await alb?.router.close?.();
        await sdk?.then(
          ({ client }) => client.destroy(),
          () => undefined,
        );
      },
    };
  },
});
