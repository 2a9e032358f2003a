// State, events and effects of the rollout engine. All plain JSON.

/**
 * 'waiting': too few samples yet, more to come before the stage's bake ends (a young stage, not
 * missing data). Not counted as inconclusive unless the bake ends without enough samples.
 */
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'waiting' | 'error';

/** Why a measurement came out as it did: enough for a reviewer to check it without rerunning. */
export interface Evidence {
  /** The rendered query or probe, e.g. the PromQL after template substitution. */
  query?: string;
  /** The measured value (a ratio, a latency, a p-value...). */
  value?: number | null;
  /** For comparisons: the canary and baseline values or sample summaries. */
  canary?: number | null;
  baseline?: number | null;
  /** The threshold or test it was held against, as text ("< 0.01", "mann-whitney p=0.003 < 0.05"). */
  threshold?: string;
  /** One line a human reads first. */
  summary: string;
  /** Link back to the source (Prometheus graph, Datadog notebook, ...). */
  link?: string;
  /** Provider-specific extras, kept small. */
  details?: Record<string, unknown>;
}

export interface Measurement {
  gate: string;
  verdict: Verdict;
  evidence: Evidence;
  /** Milliseconds since the epoch (clock time of the driver). */
  at: number;
}

export type RolloutStatus =
  'pending' | 'progressing' | 'awaiting-approval' | 'paused' | 'rolling-back' | 'promoted' | 'rolled-back' | 'failed';

export type Outcome = 'promoted' | 'rolled-back' | 'paused' | 'failed';

/** Within a progressing stage: the new weight is being applied, or it is in force and baking. */
export type Phase = 'shifting' | 'baking';

export interface GateCounters {
  failures: number;
  /** Inconclusive measurements in the current stage. */
  inconclusive: number;
  consecutiveErrors: number;
  /** 'waiting' measurements since the gate last judged: inconclusive after all if the stage ends unjudged. */
  waiting?: number;
}

export interface TimelineEntry {
  at: number;
  stage: number;
  weight: number;
  /** A transition, or a warning that changed nothing (a cleanup hook that failed). */
  kind: ReportKind | 'warning';
  message: string;
}

export interface RecordedMeasurement extends Measurement {
  stage: number;
  weight: number;
}

export interface RolloutState {
  schema: 1;
  id: string;
  status: RolloutStatus;
  phase: Phase;
  /** Index of the current plan stage. */
  stage: number;
  /** Canary weight the router confirmed last. */
  weight: number;
  /** When the current stage's weight came into force: its bake clock. */
  stageStartedAt?: number;
  /** Per gate: measurements done in the current stage and when the next one is due. */
  done: Record<string, number>;
  nextDueAt: Record<string, number>;
  counters: Record<string, GateCounters>;
  /** Hooks of the current stage already run (a resumed stage does not run them twice). */
  hooksRun: string[];
  measurements: RecordedMeasurement[];
  timeline: TimelineEntry[];
  pause?: { kind: 'approval' | 'inconclusive' | 'drift'; reason: string; at: number };
  /** The approval stage a reviewer approved last (a resumed run does not ask twice). */
  approvedStage?: number;
  failure?: { reason: string; gate?: string; evidence?: Evidence; at: number };
  startedAt: number;
  updatedAt: number;
}

export type EngineEvent =
  | { type: 'start'; at: number }
  | { type: 'tick'; at: number }
  | { type: 'weight-set'; weight: number; at: number }
  | { type: 'measured'; results: Measurement[]; at: number }
  /** A reviewer approves the next stage or lifts a pause; `full` skips straight to 100 %. */
  | { type: 'approve'; at: number; by?: string; full?: boolean }
  | { type: 'abort'; at: number; reason: string }
  /** The run driving the rollout ended without a verdict (cancelled, killed, crashed): back to stable. */
  | { type: 'interrupted'; at: number; reason: string }
  | { type: 'provider-error'; at: number; message: string }
  /** The router reads a weight Rollgate did not set (someone else changed it). */
  | { type: 'drift'; at: number; expected: number; actual: number }
  /** Something besides a gate makes going on unsafe (the record cannot be saved, the claim cannot be checked): roll back. */
  | { type: 'fault'; at: number; reason: string }
  | { type: 'hook-done'; hook: string; ok: boolean; message: string; at: number };

export type ReportKind =
  | 'started'
  | 'stage-started'
  | 'measured'
  | 'awaiting-approval'
  | 'paused'
  | 'resumed'
  | 'promoted'
  | 'rolled-back'
  | 'failed'
  /** The router was found at a weight this rollout did not set (the pause or the re-apply follows). */
  | 'drift';

/**
 * What the driver does. `save` and `report` never answer; the last effect of a list may be one that
 * does: set-weight (→ weight-set or provider-error), measure (→ measured), wait (→ tick), run-hook (→ hook-done),
 * request-approval (→ approve, abort, or the driver stops as paused), finish (the end).
 */
export type Effect =
  | { type: 'save' }
  | { type: 'report'; kind: ReportKind }
  | { type: 'set-weight'; weight: number; rollback: boolean }
  | { type: 'measure'; gates: string[] }
  | { type: 'wait'; until: number }
  | { type: 'request-approval'; stage: number; reason: string }
  | { type: 'run-hook'; hook: string }
  | { type: 'finish'; outcome: Outcome };

export interface StepResult {
  state: RolloutState;
  effects: Effect[];
}

/** Only so many measurements are kept in state (the oldest passing ones go first). */
export const MAX_RECORDED_MEASUREMENTS = 400;
