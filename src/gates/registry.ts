// Gate providers by the spec's `provider:` name. Adding one: a file in this folder and a line here.
// Each file loads only when a spec names it (src/util/lazy-providers.ts).
import type { z } from 'zod';
import type { Gate, ProviderEnv } from '../ports.js';
import type { GateProvider } from './provider.js';
import { lazyProviders } from '../util/lazy-providers.js';

const loaders = {
  prometheus: async () => (await import('./prometheus.js')).prometheusGate,
  datadog: async () => (await import('./datadog.js')).datadogGate,
  newrelic: async () => (await import('./newrelic.js')).newrelicGate,
  cloudwatch: async () => (await import('./cloudwatch.js')).cloudwatchGate,
  http: async () => (await import('./http.js')).httpGate,
  command: async () => (await import('./command.js')).commandGate,
  embedded: async () => (await import('./embedded.js')).embeddedGate,
};

type AnyGateProvider = Awaited<ReturnType<(typeof loaders)[keyof typeof loaders]>>;
export type GateSpec = z.output<AnyGateProvider['schema']>;

export const gateProviders = lazyProviders<AnyGateProvider>('gate', loaders);

/** Builds the gate a spec names; its provider is loaded (gateProviders.load) by whoever read the spec. */
export function createGate(name: string, spec: GateSpec, env: ProviderEnv): Gate {
  return (gateProviders.get(spec.provider) as GateProvider).create(name, spec, env);
}
