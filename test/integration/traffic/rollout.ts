// Runs a real rollout (spec → plan → driver) through a real router while real load flows, and cuts
// the load into one segment per weight the router confirmed, to measure the split of each stage.
import { drive, type DriveResult } from '../../../src/driver/driver.js';
import { systemClock } from '../../../src/driver/clock.js';
import { compilePlan } from '../../../src/engine/plan.js';
import { createGate } from '../../../src/gates/registry.js';
import { parseSpec } from '../../../src/spec/load.js';
import type { Gate, Logger, RolloutRecord, TrafficRouter } from '../../../src/ports.js';
import { createRouter } from '../../../src/traffic/registry.js';
import { between, type Load, type LoadCounts } from '../../harness/load.js';

export interface Segment {
  /** The canary weight the router confirmed at the start of the segment. */
  weight: number;
  rollback: boolean;
  counts: LoadCounts;
}

export interface RolloutRun {
  result: DriveResult;
  segments: Segment[];
  /** With tailMs: the load after the rollout ended, at the weight the router reads then. */
  tail?: Segment;
  router: TrafficRouter;
  warnings: string[];
  /** ms from the failing measurement (the rollback verdict) until the router confirmed 0 %. */
  rollbackMs?: number;
}

/** Drives the spec's rollout; `load` is sampled at every confirmed weight, at the end, and after `tailMs`. */
export async function runRollout(specText: string, load: Load, options: { tailMs?: number } = {}): Promise<RolloutRun> {
  const parsed = parseSpec(specText);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  const warnings: string[] = [];
  const log: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m), mask: () => undefined };
  const env = { env: process.env, log, cwd: process.cwd() };
  const router = createRouter(parsed.spec.traffic, env);

  const segments: Segment[] = [];
  let open: { weight: number; rollback: boolean; start: LoadCounts } | undefined;
  const close = () => {
    if (open) segments.push({ weight: open.weight, rollback: open.rollback, counts: between(open.start, load.counts()) });
    open = undefined;
  };
  let verdictAt: number | undefined;
  let rollbackMs: number | undefined;
  let rollingBack = false;
  const measured: TrafficRouter = {
    type: router.type,
    async setWeight(weight, context) {
      close();
      rollingBack = context.rollback;
      return router.setWeight(weight, context);
    },
    getWeight: () => router.getWeight(),
    async verify(weight) {
      const ok = await router.verify(weight);
      if (ok) {
        if (rollingBack && verdictAt !== undefined && rollbackMs === undefined) rollbackMs = performance.now() - verdictAt;
        open = { weight, rollback: rollingBack, start: load.counts() };
      }
      return ok;
    },
  };
  const gates: Record<string, Gate> = {};
  for (const [name, gate] of Object.entries(parsed.spec.gates)) {
    const real = createGate(name, gate, env);
    gates[name] = {
      name,
      provider: real.provider,
      async measure(context) {
        const result = await real.measure(context);
        if (result.verdict === 'fail' && verdictAt === undefined) verdictAt = performance.now();
        return result;
      },
    };
  }
  let record: RolloutRecord | undefined;
  const result = await drive(
    {
      router: measured,
      gates,
      store: { load: async () => record, save: async (r) => void (record = r) },
      reporters: [],
      clock: systemClock,
      log,
    },
    { plan: compilePlan(parsed.spec), id: 'integration', routerAttempts: 1 },
  );
  close();
  let tail: Segment | undefined;
  if (options.tailMs) {
    const start = load.counts();
    await new Promise((resolve) => setTimeout(resolve, options.tailMs));
    tail = { weight: await router.getWeight(), rollback: false, counts: between(start, load.counts()) };
  }
  return { result, segments, router, warnings, ...(tail ? { tail } : {}), ...(rollbackMs !== undefined ? { rollbackMs } : {}) };
}
