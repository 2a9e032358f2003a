// Traffic providers by the spec's `provider:` name. Adding one: a file in this folder and a line here.
import { z } from 'zod';
import type { ProviderEnv, TrafficRouter } from '../ports.js';
import type { TrafficProvider } from './provider.js';
import { commandTraffic } from './command.js';
import { embeddedTraffic } from './embedded.js';
import { haproxyTraffic } from './haproxy.js';
import { nginxTraffic } from './nginx.js';
import { flagdTraffic } from './flags/flagd.js';
import { unleashTraffic } from './flags/unleash.js';
import { launchdarklyTraffic } from './flags/launchdarkly.js';
import { awsAlbTraffic } from './aws/aws-alb.js';
import { awsEcsTraffic } from './aws/aws-ecs.js';
import { awsLambdaTraffic } from './aws/aws-lambda.js';
import { cloudRunTraffic } from './gcp/cloud-run.js';
import { gatewayApiTraffic } from './kubernetes/gateway-api.js';
import { istioTraffic } from './kubernetes/istio.js';
import { serviceSelectorTraffic } from './kubernetes/service-selector.js';

const providers = [
  commandTraffic,
  embeddedTraffic,
  haproxyTraffic,
  nginxTraffic,
  flagdTraffic,
  unleashTraffic,
  launchdarklyTraffic,
  awsAlbTraffic,
  awsLambdaTraffic,
  awsEcsTraffic,
  cloudRunTraffic,
  gatewayApiTraffic,
  istioTraffic,
  serviceSelectorTraffic,
] as const;

export const trafficSchema = z.discriminatedUnion(
  'provider',
  providers.map((p) => p.schema) as unknown as [(typeof providers)[number]['schema'], ...(typeof providers)[number]['schema'][]],
);
export type TrafficSpec = z.output<typeof trafficSchema>;

export function createRouter(spec: TrafficSpec, env: ProviderEnv): TrafficRouter {
  const provider = providers.find((p) => (p.schema.shape.provider as z.ZodLiteral<string>).value === spec.provider) as
    TrafficProvider | undefined;
  if (!provider) throw new Error(`no traffic provider "${spec.provider}"`);
  return provider.create(spec, env);
}
