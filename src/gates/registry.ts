// Gate providers by the spec's `provider:` name. Adding one: a file in this folder and a line here.
import { z } from 'zod';
import type { Gate, ProviderEnv } from '../ports.js';
import type { GateProvider } from './provider.js';
import { commandGate } from './command.js';
import { httpGate } from './http.js';
import { prometheusGate } from './prometheus.js';
import { datadogGate } from './datadog.js';
import { newrelicGate } from './newrelic.js';
import { cloudwatchGate } from './cloudwatch.js';
import { embeddedGate } from './embedded.js';

const providers = [prometheusGate, datadogGate, newrelicGate, cloudwatchGate, httpGate, commandGate, embeddedGate] as const;

export const gateSchema = z.discriminatedUnion(
  'provider',
  providers.map((p) => p.schema) as unknown as [(typeof providers)[number]['schema'], ...(typeof providers)[number]['schema'][]],
);
export type GateSpec = z.output<typeof gateSchema>;

export function createGate(name: string, spec: GateSpec, env: ProviderEnv): Gate {
  const provider = providers.find((p) => (p.schema.shape.provider as z.ZodLiteral<string>).value === spec.provider) as
    GateProvider | undefined;
  if (!provider) throw new Error(`no gate provider "${spec.provider}"`);
  return provider.create(name, spec, env);
}
