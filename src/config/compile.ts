// Compiles a validated spec into the plan the engine walks (times in milliseconds, each gate's
// policy resolved). The engine never sees a spec: this file is the one bridge between them.
import type { GatePolicy, Plan, PlanHook, PlanStage } from '../engine/plan.js';
import { parseDuration } from './duration.js';
import { environmentName, environmentUrl, type Spec } from './schema.js';

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
    onDrift: spec.onDrift,
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
