// What a loaded rollout record must be before anything acts on it: every record read back (state
// file, deployment payload, PR comment) is checked against this schema, and bound to the plan it
// claims by a hash of that plan and the router it drives.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Plan } from '../engine/plan.js';
import type { ReportKind, RolloutState } from '../engine/types.js';
import type { RolloutRecord } from '../ports.js';

// The schemas are written against the engine's types, and the compiler checks them against those
// types both ways (`exact` below): a field added to Plan or RolloutState, or a new strategy, status or
// report kind, fails tsc here until this file knows it. So every plan compilePlan can produce, for
// any provider (flag, cloud, Kubernetes...), is a valid record, and nothing else is. Plans and states
// are strict (an unknown key is a record this version did not write); evidence keeps only its known
// fields, as gates may carry more.
const count = z.int().min(0);
const time = z.number().finite();
const weight = z.number().min(0).max(100);
const names = z.array(z.string());

const planSchema = z.strictObject({
  strategy: z.enum(['canary', 'blue-green', 'rolling']),
  environment: z.string().min(1),
  environmentUrl: z.string().optional(),
  stable: z.string(),
  canary: z.string(),
  flag: z.strictObject({ key: z.string().min(1), variation: z.string(), removeAfterMs: count }).optional(),
  stages: z
    .array(
      z.strictObject({
        index: count,
        name: z.string(),
        weight,
        bakeMs: count,
        gates: names,
        approval: z.boolean(),
        implicit: z.boolean().optional(),
        before: names.optional(),
        after: names.optional(),
      }),
    )
    .min(1)
    .refine((stages) => stages.every((stage, i) => stage.index === i), 'stage indexes must be 0, 1, 2... in order'),
  gates: z.record(
    z.string(),
    z.strictObject({
      provider: z.string().min(1),
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
    z.strictObject({
      command: z.string(),
      timeoutMs: count,
      env: z.record(z.string(), z.string()).optional(),
      onFailure: z.enum(['rollback', 'warn']),
    }),
  ),
  onDrift: z.enum(['pause', 'reapply']).optional(),
});

const maybeNumber = z.number().nullable().optional();
const evidence = z.object({
  query: z.string().optional(),
  value: maybeNumber,
  canary: maybeNumber,
  baseline: maybeNumber,
  threshold: z.string().optional(),
  summary: z.string(),
  link: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
const recordedMeasurement = z.object({
  gate: z.string(),
  verdict: z.enum(['pass', 'fail', 'inconclusive', 'waiting', 'error']),
  evidence,
  at: time,
  stage: count,
  weight,
});
const reportKind = z.enum([
  'started',
  'stage-started',
  'measured',
  'awaiting-approval',
  'paused',
  'resumed',
  'promoted',
  'rolled-back',
  'failed',
  'drift',
]);

export const stateSchema = z.strictObject({
  schema: z.literal(1),
  id: z.string(),
  status: z.enum(['pending', 'progressing', 'awaiting-approval', 'paused', 'rolling-back', 'promoted', 'rolled-back', 'failed']),
  phase: z.enum(['shifting', 'baking']),
  stage: count,
  weight,
  stageStartedAt: time.optional(),
  done: z.record(z.string(), count),
  nextDueAt: z.record(z.string(), time),
  counters: z.record(
    z.string(),
    z.strictObject({ failures: count, inconclusive: count, consecutiveErrors: count, waiting: count.optional() }),
  ),
  hooksRun: names,
  measurements: z.array(recordedMeasurement),
  timeline: z.array(
    z.strictObject({ at: time, stage: count, weight, kind: z.union([reportKind, z.literal('warning')]), message: z.string() }),
  ),
  pause: z.strictObject({ kind: z.enum(['approval', 'inconclusive', 'drift']), reason: z.string(), at: time }).optional(),
  approvedStage: count.optional(),
  failure: z.strictObject({ reason: z.string(), gate: z.string().optional(), evidence: evidence.optional(), at: time }).optional(),
  startedAt: time,
  updatedAt: time,
});

const recordSchema = z.strictObject({ plan: planSchema, state: stateSchema, binding: z.string().optional() });

// The compile-time proof that the schemas and the types are the same shapes.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exact: [
  Exact<z.output<typeof planSchema>, Plan>,
  Exact<z.output<typeof stateSchema>, RolloutState>,
  Exact<z.output<typeof recordSchema>, RolloutRecord>,
  Exact<z.output<typeof reportKind>, ReportKind>,
] = [true, true, true, true];
void exact;

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
  const state: RolloutState = parsed.data;
  if (state.stage >= plan.stages.length)
    throw new UnusableRecordError(`${where}: the state points at stage ${state.stage + 1}, but its plan has ${plan.stages.length}`);
  return state;
}

/** Checks a plan read back from a record (a deployment payload). */
export function checkPlan(value: unknown, where: string): Plan {
  const parsed = planSchema.safeParse(value);
  if (!parsed.success) throw new UnusableRecordError(`${where}: not a valid Rollgate plan (${describe(parsed.error)})`);
  return parsed.data;
}

/** Parses and checks a whole record (plan, state, binding); throws UnusableRecordError naming `where`. */
export function parseRecord(value: unknown, where: string): RolloutRecord {
  const parsed = recordSchema.safeParse(value);
  if (!parsed.success) throw new UnusableRecordError(`${where}: not a valid Rollgate record (${describe(parsed.error)})`);
  const plan: Plan = parsed.data.plan;
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
