// Runs a real rollout (spec → plan → driver) through a real router while real load flows, and cuts
// the load into one segment per weight the router confirmed, to measure the split of each stage.
// The providers are built as the CLI builds them: a rolling spec gets the rolling fleet router, and
// commands (blue-green deploy/retire) run through `sh -c`.
import { drive, type DriveResult } from '../../src/driver/driver.js';
import { systemClock } from '../../src/driver/clock.js';
import { compilePlan } from '../../src/config/compile.js';
import { buildProviders } from '../../src/driver/providers.js';
import { parseSpecLoadingProviders } from '../../src/config/load.js';
import type { Gate, Logger, RolloutRecord, TrafficRouter } from '../../src/ports.js';
import { between, type Load, type LoadCounts } from './load.js';
import { waitUntil } from './wait.js';

export interface Segment {
  /** The canary weight the router confirmed at the start of the segment. */
  weight: number;
  rollback: boolean;
  /** performance.now() when the router confirmed the weight. */
  startedAt: number;
  counts: LoadCounts;
}

export interface RolloutRun {
  result: DriveResult;
  segments: Segment[];
  /** With `tail`: the answers to the next requests sent after the rollout ended, at the weight the router reads then. */
  tail?: Segment;
  router: TrafficRouter;
  /** What the rollout logged (e.g. the rolling router's "drained in … ms" per server). */
  infos: string[];
  warnings: string[];
  /** ms from the failing measurement (the rollback verdict) until the router confirmed 0 %. */
  rollbackMs?: number;
}

/**
 * Drives the spec's rollout; `load` is sampled at every confirmed weight, at the end, and once `tail`
 * more responses came after the end (waited for up to 30 s: a busy machine answers slower, not less).
 */
export async function runRollout(specText: string, load: Load, options: { tail?: number } = {}): Promise<RolloutRun> {
  const parsed = await parseSpecLoadingProviders(specText);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  const infos: string[] = [];
  const warnings: string[] = [];
  const log: Logger = { info: (m) => infos.push(m), debug: () => undefined, warn: (m) => warnings.push(m), mask: () => undefined };
  const env = { env: process.env, log, cwd: process.cwd() };
  const providers = buildProviders(parsed.spec, env, systemClock);
  const router = providers.router;

  const segments: Segment[] = [];
  let open: { weight: number; rollback: boolean; startedAt: number; start: LoadCounts } | undefined;
  const close = () => {
    if (open)
      segments.push({
        weight: open.weight,
        rollback: open.rollback,
        startedAt: open.startedAt,
        counts: between(open.start, load.counts()),
      });
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
        open = { weight, rollback: rollingBack, startedAt: performance.now(), start: load.counts() };
      }
      return ok;
    },
  };
  const gates: Record<string, Gate> = {};
  for (const [name, real] of Object.entries(providers.gates)) {
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
      hooks: providers.hooks,
    },
    { plan: compilePlan(parsed.spec), id: 'integration', routerAttempts: 1 },
  );
  close();
  let tail: Segment | undefined;
  if (options.tail) {
    // Only requests sent after the rollout ended: one in flight since before may still get the old weight's answer.
    const [tailCounts, startedAt, want] = [load.countFromNow(), performance.now(), options.tail];
    await waitUntil(async () => tailCounts().responses >= want, 30_000).catch(() => {
      throw new Error(`fewer than ${want} responses within 30 s after the rollout ended: ${JSON.stringify(tailCounts())}`);
    });
    tail = { weight: await router.getWeight(), rollback: false, startedAt, counts: tailCounts() };
  }
  return { result, segments, router, infos, warnings, ...(tail ? { tail } : {}), ...(rollbackMs !== undefined ? { rollbackMs } : {}) };
}
