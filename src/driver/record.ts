// What a loaded rollout record must be before anything acts on it: every record read back (state
// file, deployment payload, PR comment) is checked against this schema, and bound to the plan it
// claims by a hash of that plan and the router it drives.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';
import type { RolloutRecord } from '../ports.js';

const count = z.int().min(0);
const time = z.number().finite();
const weight = z.number().min(0).max(100);

const planSchema = z.looseObject({
  strategy: z.enum(['canary', 'blue-green', 'rolling']),
  environment: z.string().min(1),
  environmentUrl: z.string().optional(),
  stable: z.string(),
  canary: z.string(),
  stages: z
    .array(
      z.looseObject({
        index: count,
        name: z.string(),
        weight,
        bakeMs: count,
        gates: z.array(z.string()),
        approval: z.boolean(),
        implicit: z.boolean().optional(),
        before: z.array(z.string()).optional(),
        after: z.array(z.string()).optional(),
      }),
    )
    .min(1),
  gates: z.record(
    z.string(),
    z.looseObject({
      provider: z.string(),
      intervalMs: count,
      count: count.optional(),
      failureLimit: count,
      inconclusiveLimit: count,
      consecutiveErrorLimit: count,
      onInconclusive: z.enum(['pause', 'rollback']),
    }),
  ),
  hooks: z.record(
    z.string(),
    z.looseObject({
      command: z.string(),
      timeoutMs: count,
      onFailure: z.enum(['rollback', 'warn']),
      env: z.record(z.string(), z.string()).optional(),
    }),
  ),
});

const evidence = z.looseObject({ summary: z.string() });
const measurement = z.looseObject({
  gate: z.string(),
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'error']),
  evidence,
  at: time,
  stage: count,
  weight,
});

export const stateSchema = z.looseObject({
  schema: z.literal(1),
  id: z.string(),
  status: z.enum(['pending', 'progressing', 'awaiting-approval', 'paused', 'rolling-back', 'promoted', 'rolled-back', 'failed']),
  phase: z.enum(['shifting', 'baking']),
  stage: count,
  weight,
  stageStartedAt: time.optional(),
  done: z.record(z.string(), count),
  nextDueAt: z.record(z.string(), time),
  counters: z.record(z.string(), z.looseObject({ failures: count, inconclusive: count, consecutiveErrors: count })),
  hooksRun: z.array(z.string()),
  measurements: z.array(measurement),
  timeline: z.array(z.looseObject({ at: time, stage: count, weight, kind: z.string(), message: z.string() })),
  pause: z.looseObject({ kind: z.enum(['approval', 'inconclusive', 'drift']), reason: z.string(), at: time }).optional(),
  approvedStage: count.optional(),
  failure: z.looseObject({ reason: z.string(), gate: z.string().optional(), evidence: evidence.optional(), at: time }).optional(),
  startedAt: time,
  updatedAt: time,
});

const recordSchema = z.looseObject({ plan: planSchema, state: stateSchema, binding: z.string().optional() });

/** A record that cannot be used: the message names where it came from and what is wrong. */
export class UnusableRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableRecordError';
  }
}

const describe = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`)
    .join('; ');

/** Checks a state against the schema and against the plan it runs under. */
export function checkState(value: unknown, plan: Plan, where: string): RolloutState {
  const parsed = stateSchema.safeParse(value);
  if (!parsed.success) throw new UnusableRecordError(`${where}: not a valid Rollgate rollout state (${describe(parsed.error)})`);
  const state = parsed.data as unknown as RolloutState;
  if (state.stage >= plan.stages.length)
    throw new UnusableRecordError(`${where}: the state points at stage ${state.stage + 1}, but its plan has ${plan.stages.length}`);
  return state;
}

/** Checks a plan read back from a record (a deployment payload). */
export function checkPlan(value: unknown, where: string): Plan {
  const parsed = planSchema.safeParse(value);
  if (!parsed.success) throw new UnusableRecordError(`${where}: not a valid Rollgate plan (${describe(parsed.error)})`);
  return parsed.data as unknown as Plan;
}

/** Parses and checks a whole record (plan, state, binding); throws UnusableRecordError naming `where`. */
export function parseRecord(value: unknown, where: string): RolloutRecord {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) throw new UnusableRecordError(`${where}: not a valid Rollgate record (${describe(parsed.error)})`);
  const plan = parsed.data.plan as unknown as Plan;
  const state = checkState(parsed.data.state, plan, where);
  const binding = parsed.data.binding;
  return { plan, state, ...(binding !== undefined ? { binding } : {}) };
}

/** Key order does not change the hash. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** What binds a record to its spec: a hash of the plan and of the router settings it drives. */
export function bindingOf(plan: Plan, router: unknown): string {
  return createHash('sha256')
    .update(canonical({ plan, router: router ?? null }))
    .digest('hex')
    .slice(0, 32);
}

export const samePlan = (a: Plan, b: Plan) => canonical(a) === canonical(b);
