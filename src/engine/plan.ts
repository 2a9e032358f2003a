// A plan is the spec compiled into what the engine walks: stages with times in milliseconds and
// each gate's policy resolved. It is plain JSON, so it can travel as a GitHub Deployment payload.
import { environmentName, environmentUrl, type Spec } from '../spec/schema.js';
import { formatDuration, parseDuration } from '../spec/duration.js';

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
}

export interface Plan {
  strategy: Spec['strategy'];
  environment: string;
  environmentUrl?: string;
  stable: string;
  canary: string;
  stages: PlanStage[];
  gates: Record<string, GatePolicy>;
}

const ms = (text: string | undefined) => (text === undefined ? 0 : (parseDuration(text) ?? 0));

export function compilePlan(spec: Spec): Plan {
  const gates: Record<string, GatePolicy> = {};
  for (const [name, gate] of Object.entries(spec.gates)) {
    gates[name] = {
      provider: gate.provider,
      intervalMs: ms(gate.interval),
      ...(gate.count !== undefined ? { count: gate.count } : {}),
      failureLimit: gate.failureLimit,
      inconclusiveLimit: gate.inconclusiveLimit,
      consecutiveErrorLimit: gate.consecutiveErrorLimit,
      onInconclusive: gate.onInconclusive,
    };
  }
  const stages: PlanStage[] = spec.stages.map((stage, index) => ({
    index,
    name: stage.name ?? `${stage.weight}%`,
    weight: stage.weight,
    bakeMs: ms(stage.bake),
    gates: stage.gates ?? Object.keys(gates),
    approval: stage.approval,
  }));
  const last = stages[stages.length - 1];
  if (!last || last.weight < 100) {
    stages.push({ index: stages.length, name: 'promote', weight: 100, bakeMs: 0, gates: [], approval: false, implicit: true });
  }
  const traffic = spec.traffic as { stable?: string; canary?: string };
  const url = environmentUrl(spec);
  return {
    strategy: spec.strategy,
    environment: environmentName(spec),
    ...(url ? { environmentUrl: url } : {}),
    stable: traffic.stable ?? 'stable',
    canary: traffic.canary ?? 'canary',
    stages,
    gates,
  };
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
    const row = { stage: stage.index, name: stage.name, weight: stage.weight, startsAtMs: at, durationMs: minimumMs, gates: stage.gates, approval: stage.approval };
    at += minimumMs;
    return row;
  });
  return { rows, totalMs: at };
}

export { formatDuration };
