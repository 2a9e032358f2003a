// A plan is the spec compiled into what the engine walks: stages with times in milliseconds and
// each gate's policy resolved. It is plain JSON, so it can travel as a GitHub Deployment payload.
// The engine imports nothing outside src/engine/: config/compile.ts builds a Plan from a spec.

export type Strategy = 'canary' | 'blue-green' | 'rolling';

export interface GatePolicy {
  provider: string;
  intervalMs: number;
  count?: number;
  failureLimit: number;
  inconclusiveLimit: number;
  consecutiveErrorLimit: number;
  onInconclusive: 'pause' | 'rollback';
}

export interface PlanStage {
  index: number;
  name: string;
  weight: number;
  bakeMs: number;
  gates: string[];
  approval: boolean;
  /** Added by the planner: the spec's last stage was below 100 %, so promotion shifts the rest. */
  implicit?: boolean;
  /** Commands run before the stage's traffic change, and after its bake (names in Plan.hooks). */
  before?: string[];
  after?: string[];
}

/** A user's command the engine asks for at a point of the rollout (blue-green deploy and retire). */
export interface PlanHook {
  command: string;
  timeoutMs: number;
  env?: Record<string, string>;
  /** rollback: a failure returns traffic to stable. warn: the rollout goes on (cleanup after success). */
  onFailure: 'rollback' | 'warn';
}

export interface Plan {
  strategy: Strategy;
  environment: string;
  environmentUrl?: string;
  stable: string;
  canary: string;
  /** A feature-flag rollout: the flag, the variation rolled out, and how long it may stay at 100 %
   * before it is listed as a candidate to remove from the code. */
  flag?: { key: string; variation: string; removeAfterMs: number };
  stages: PlanStage[];
  gates: Record<string, GatePolicy>;
  hooks: Record<string, PlanHook>;
  /** The router found at a weight Rollgate did not set: pause (default) or set the stage weight again. */
  onDrift?: 'pause' | 'reapply';
}

/**
 * Stages are indexed from 0 in plans and state (PlanStage.index, RolloutState.stage) and numbered
 * from 1 wherever a person or a command sees them: the ports' contexts, ROLLGATE_STAGE, reports.
 */
export function stageNumber(index: number): number {
  return index + 1;
}

/** "stage 2/5": where a rollout stands, as people read it. */
export function stageLabel(plan: Pick<Plan, 'stages'>, index: number): string {
  return `stage ${stageNumber(index)}/${plan.stages.length}`;
}

/** How many measurements a gate takes in a stage, and how long the stage lasts at least. */
export function stageSchedule(plan: Plan, stage: PlanStage): { required: Record<string, number>; minimumMs: number } {
  const required: Record<string, number> = {};
  let minimumMs = stage.bakeMs;
  for (const name of stage.gates) {
    const policy = plan.gates[name]!;
    const n = policy.count ?? Math.max(1, Math.floor(stage.bakeMs / Math.max(policy.intervalMs, 1)));
    required[name] = n;
    minimumMs = Math.max(minimumMs, firstMeasureDelay(policy, stage) + (n - 1) * policy.intervalMs);
  }
  return { required, minimumMs };
}

/** A gate is first measured one interval into the stage, or at the end of a shorter bake. */
export function firstMeasureDelay(policy: GatePolicy, stage: PlanStage): number {
  return policy.count !== undefined ? policy.intervalMs : Math.min(policy.intervalMs, stage.bakeMs);
}

export interface TimelineRow {
  stage: number;
  name: string;
  weight: number;
  startsAtMs: number;
  durationMs: number;
  gates: string[];
  approval: boolean;
}

/** The rollout's timeline if every gate passes and approvals are instant. */
export function timeline(plan: Plan): { rows: TimelineRow[]; totalMs: number } {
  let at = 0;
  const rows = plan.stages.map((stage) => {
    const { minimumMs } = stageSchedule(plan, stage);
    const row = {
      stage: stage.index,
      name: stage.name,
      weight: stage.weight,
      startsAtMs: at,
      durationMs: minimumMs,
      gates: stage.gates,
      approval: stage.approval,
    };
    at += minimumMs;
    return row;
  });
  return { rows, totalMs: at };
}
