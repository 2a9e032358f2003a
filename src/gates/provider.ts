// What a gate provider file exports: its spec fields (a strict zod object with a `provider` literal)
// and a factory. The registry lists them; the spec's `gates.<name>` union is built from it.
import type { z } from 'zod';
import type { Gate, ProviderEnv } from '../ports.js';

export interface GateProvider<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  create(name: string, spec: z.output<Schema>, env: ProviderEnv): Gate;
}

export function defineGateProvider<Schema extends z.ZodType>(provider: GateProvider<Schema>): GateProvider<Schema> {
  return provider;
}
