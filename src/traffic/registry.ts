// Traffic providers by the spec's `provider:` name. Adding one: a file in this folder and a line here.
// Each file loads only when a spec names it (src/util/lazy-providers.ts).
import type { z } from 'zod';
import type { ProviderEnv, TrafficRouter } from '../ports.js';
import type { TrafficProvider } from './provider.js';
import { lazyProviders } from '../util/lazy-providers.js';

const loaders = {
  command: async () => (await import('./command.js')).commandTraffic,
  embedded: async () => (await import('./embedded.js')).embeddedTraffic,
  haproxy: async () => (await import('./haproxy.js')).haproxyTraffic,
  nginx: async () => (await import('./nginx.js')).nginxTraffic,
  flagd: async () => (await import('./flags/flagd.js')).flagdTraffic,
  unleash: async () => (await import('./flags/unleash.js')).unleashTraffic,
  launchdarkly: async () => (await import('./flags/launchdarkly.js')).launchdarklyTraffic,
  'aws-alb': async () => (await import('./aws/aws-alb.js')).awsAlbTraffic,
  'aws-lambda': async () => (await import('./aws/aws-lambda.js')).awsLambdaTraffic,
  'aws-ecs': async () => (await import('./aws/aws-ecs.js')).awsEcsTraffic,
  'cloud-run': async () => (await import('./gcp/cloud-run.js')).cloudRunTraffic,
  'gateway-api': async () => (await import('./kubernetes/gateway-api.js')).gatewayApiTraffic,
  istio: async () => (await import('./kubernetes/istio.js')).istioTraffic,
  'kubernetes-service': async () => (await import('./kubernetes/service-selector.js')).serviceSelectorTraffic,
};

type AnyTrafficProvider = Awaited<ReturnType<(typeof loaders)[keyof typeof loaders]>>;
export type TrafficSpec = z.output<AnyTrafficProvider['schema']>;

export const trafficProviders = lazyProviders<AnyTrafficProvider>('traffic', loaders);

/** Builds the router a spec names; its provider is loaded (trafficProviders.load) by whoever read the spec. */
export function createRouter(spec: TrafficSpec, env: ProviderEnv): TrafficRouter {
  return (trafficProviders.get(spec.provider) as TrafficProvider).create(spec, env);
}
