// A plan is the spec compiled into what the engine walks: stages with times in milliseconds and
// each gate's policy resolved. It is plain JSON, so it can travel as a GitHub Deployment payload.
import { environmentName, environmentUrl, type Spec } from '../config/schema.js';
import { formatDuration, parseDuration } from '../config/duration.js';

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
  strategy: Spec['strategy'];
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
  const { stages, hooks } = compileStages(spec, Object.keys(gates));
  const traffic = spec.traffic as { stable?: string; canary?: string; flag?: string; variation?: string; removeAfter?: string };
  const url = environmentUrl(spec);
  return {
    strategy: spec.strategy,
    environment: environmentName(spec),
    ...(url ? { environmentUrl: url } : {}),
    stable: traffic.stable ?? 'stable',
    canary: traffic.canary ?? traffic.variation ?? 'canary',
    ...(traffic.flag
      ? { flag: { key: traffic.flag, variation: traffic.variation ?? traffic.canary ?? 'on', removeAfterMs: ms(traffic.removeAfter) } }
      : {}),
    stages,
    gates,
    hooks,
  };
}

/** The strategy's stages: canary as written, blue-green and rolling derived from their blocks. */
function compileStages(spec: Spec, allGates: string[]): { stages: PlanStage[]; hooks: Record<string, PlanHook> } {
  const hooks: Record<string, PlanHook> = {};
  const stages: Array<Omit<PlanStage, 'index'>> = [];
  if (spec.strategy === 'blue-green' && spec.blueGreen) {
    const bg = spec.blueGreen;
    const hook = (command: string, onFailure: PlanHook['onFailure']): PlanHook => ({
      command,
      timeoutMs: ms(bg.timeout),
      ...(bg.env ? { env: bg.env } : {}),
      onFailure,
    });
    if (bg.deploy) hooks.deploy = hook(bg.deploy, 'rollback');
    if (bg.retire) hooks.retire = hook(bg.retire, 'warn');
    const post = bg.postSwitchGates ?? allGates.filter((g) => !bg.preSwitchGates.includes(g));
    stages.push({
      name: 'preview',
      weight: 0,
      bakeMs: 0,
      gates: bg.preSwitchGates,
      approval: false,
      ...(bg.deploy ? { before: ['deploy'] } : {}),
    });
    stages.push({ name: 'switch', weight: 100, bakeMs: ms(bg.rollbackWindow), gates: post, approval: bg.approval });
    // The old colour stays ready for scaleDownDelay: an abort still switches back at once.
    stages.push({
      name: 'scale-down',
      weight: 100,
      bakeMs: ms(bg.scaleDownDelay),
      gates: [],
      approval: false,
      ...(bg.retire ? { after: ['retire'] } : {}),
    });
  } else if (spec.strategy === 'rolling' && spec.rolling) {
    // A batch's "weight" is the share of the fleet on the new version; the rolling router maps it
    // back to servers (round(weight × n / 100) is exact for fleets of up to 100).
    const n = spec.rolling.targets.length;
    const batch = spec.rolling.maxUnavailable + spec.rolling.maxSurge;
    for (let updated = Math.min(batch, n); ; updated = Math.min(updated + batch, n)) {
      stages.push({
        name: `${updated}/${n} servers`,
        weight: Math.round((100 * updated) / n),
        bakeMs: ms(spec.rolling.bake),
        gates: spec.rolling.gates ?? allGates,
        approval: false,
      });
      if (updated === n) break;
    }
  } else {
    for (const stage of spec.stages ?? []) {
      stages.push({
        name: stage.name ?? `${stage.weight}%`,
        weight: stage.weight,
        bakeMs: ms(stage.bake),
        gates: stage.gates ?? allGates,
        approval: stage.approval,
      });
    }
    const last = stages[stages.length - 1];
    if (!last || last.weight < 100) stages.push({ name: 'promote', weight: 100, bakeMs: 0, gates: [], approval: false, implicit: true });
  }
  return { stages: stages.map((stage, index) => ({ index, ...stage })), hooks };
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

export { formatDuration };
