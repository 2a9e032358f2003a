// What a traffic provider file exports: its spec fields (a strict zod object with a `provider`
// literal) and a factory. The registry lists them; the spec's `traffic` union is built from it.
import type { z } from 'zod';
import type { ProviderEnv, TrafficRouter } from '../ports.js';

export interface TrafficProvider<Schema extends z.ZodType = z.ZodType> {
  schema: Schema;
  create(spec: z.output<Schema>, env: ProviderEnv): TrafficRouter;
}

export function defineTrafficProvider<Schema extends z.ZodType>(provider: TrafficProvider<Schema>): TrafficProvider<Schema> {
  return provider;
}
