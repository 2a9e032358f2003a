// Runs a feature-flag rollout (spec → plan → driver) through the real router and, at every weight the
// router confirmed, asks the test's SDK which share of users gets the variation. The driver, plan and
// gates are the production ones; only the record is kept in memory.
import { drive, type DriveResult } from '../../src/driver/driver.js';
import { systemClock } from '../../src/driver/clock.js';
import { compilePlan } from '../../src/config/compile.js';
import { buildProviders } from '../../src/driver/providers.js';
import { parseSpecLoadingProviders } from '../../src/config/load.js';
import type { Logger, RolloutRecord, TrafficRouter } from '../../src/ports.js';

export interface FlagStage {
  /** The weight the router confirmed. */
  weight: number;
  rollback: boolean;
  /** The share of users the SDK put in the variation, in percent. */
  measured: number;
}

export interface FlagRolloutRun {
  result: DriveResult;
  stages: FlagStage[];
  record: RolloutRecord | undefined;
  router: TrafficRouter;
  warnings: string[];
}

/** `share(weight)`: the percent of users in the variation once the SDK sees `weight` (it may wait for it). */
export async function runFlagRollout(
  specText: string,
  share: (weight: number) => Promise<number>,
  env: Record<string, string | undefined> = process.env,
): Promise<FlagRolloutRun> {
  const parsed = await parseSpecLoadingProviders(specText);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  const warnings: string[] = [];
  const log: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m), mask: () => undefined };
  const providers = buildProviders(parsed.spec, { env, log, cwd: process.cwd() }, systemClock);
  const router = providers.router;
  const stages: FlagStage[] = [];
  let rollingBack = false;
  const measured: TrafficRouter = {
    type: router.type,
    setWeight(weight, context) {
      rollingBack = context.rollback;
      return router.setWeight(weight, context);
    },
    getWeight: () => router.getWeight(),
    async verify(weight) {
      const ok = await router.verify(weight);
      if (ok) stages.push({ weight, rollback: rollingBack, measured: await share(weight) });
      return ok;
    },
  };
  let record: RolloutRecord | undefined;
  const result = await drive(
    {
      router: measured,
      gates: providers.gates,
      store: { load: async () => record, save: async (r) => void (record = r) },
      reporters: [],
      clock: systemClock,
      log,
      hooks: providers.hooks,
    },
    { plan: compilePlan(parsed.spec), id: 'integration', routerAttempts: 1 },
  );
  return { result, stages, record, router, warnings };
}
