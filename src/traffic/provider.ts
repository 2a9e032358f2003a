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

/** A canary share every router can set: a whole percent. */
export function checkWeight(weight: number): void {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100)
    throw new Error(`canary weight must be a whole number 0..100 (got ${weight})`);
}

/** Runs the tasks given to it one at a time, in order; a failed task does not stop the next. */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return (task) => {
    const next = queue.then(task, task);
    queue = next.catch(() => undefined);
    return next;
  };
}
