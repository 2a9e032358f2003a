// The production-like telemetry scenarios the error-rate judge is held to: drawn by
// ./telemetry.ts, judged as the metric gate judges them. One home for bench/judges.ts (rates
// with intervals, beside the peers) and test/unit/judges/scenarios.test.ts (the guarantees).
import { sequentialRateTest, type RateInterval } from '../../src/gates/judge/sequential.js';
import { simulateRollout, type Random, type TelemetryModel } from './telemetry.js';

export const ALPHA = 0.05;
export const TOLERANCE = 0.1;

export interface Scenario {
  name: string;
  what: string;
  model: Omit<TelemetryModel, 'ratio' | 'share'> & { share?: TelemetryModel['share'] };
  /** Interval indexes where a stage starts (default: only 0). */
  stageStarts?: number[];
  /** Turns the drawn counts into what the judge is handed (Prometheus windows). */
  transform?: (intervals: RateInterval[], random: Random) => RateInterval[];
  /** Regression rows: shares to try (default 1 %, 5 %, 25 %); none for the scenario's own schedule. */
  shares?: number[];
  /** Fewer runs (long scenarios). */
  runFactor?: number;
  /** The canary/baseline ratio at the edge of what is tolerated (default 1 + TOLERANCE). */
  boundaryRatio?: number;
  /** A spec that loads refuses (shown for what the judge would do if fed anyway; outside the guarantee). */
  refusedAtLoad?: boolean;
}

const base = { intervals: 60, seconds: 30, rps: 100, baseRate: 0.01 };
const stages4 = [0, 15, 30, 45];

export const SCENARIOS: Scenario[] = [
  { name: 'poisson', what: 'textbook: Poisson counts', model: base },
  {
    name: 'overdispersed',
    what: 'rate wanders: shared CV 0.5, per arm CV 0.5 (negative binomial)',
    model: { ...base, sharedCv: 0.5, armCv: 0.5 },
  },
  { name: 'retries', what: 'retry clusters: a failing call errs 2–3 times', model: { ...base, cluster: [2, 3] } },
  {
    name: 'extrapolated',
    what: 'increase([30s]) with 15 s scrapes: counts of half the step, doubled',
    model: base,
    transform: (intervals, random) =>
      intervals.map((i) => {
        // The increase between two scrapes 15 s apart, extrapolated to 30 s: about half of the
        // step's events, times two (the other half falls between windows and is lost).
        const half = (n: number) => Math.floor(n / 2) + (n % 2 && random() < 0.5 ? 1 : 0);
        const ce = half(i.canaryErrors);
        const be = half(i.baselineErrors);
        const cr = Math.max(half(i.canaryRequests), ce);
        const br = Math.max(half(i.baselineRequests), be);
        return { canaryErrors: 2 * ce, canaryRequests: 2 * cr, baselineErrors: 2 * be, baselineRequests: 2 * br };
      }),
  },
  {
    name: 'overlapping',
    what: 'increase([1m]) every 30 s (refused at load; here fed anyway)',
    model: base,
    refusedAtLoad: true,
    transform: (intervals) =>
      intervals.map((i, k) => {
        const p = intervals[k - 1];
        return p
          ? {
              canaryErrors: i.canaryErrors + p.canaryErrors,
              canaryRequests: i.canaryRequests + p.canaryRequests,
              baselineErrors: i.baselineErrors + p.baselineErrors,
              baselineRequests: i.baselineRequests + p.baselineRequests,
            }
          : i;
      }),
  },
  { name: 'late-series', what: '20 rps: the canary 5xx series appears late (missing = 0)', model: { ...base, rps: 20 } },
  {
    name: 'incident',
    what: '1,000 rps, dependency outage ×10 on both arms for 5 min',
    model: { ...base, rps: 1000, incident: { from: 20, to: 30, factor: 10, canaryExtra: 0 } },
  },
  {
    name: 'incident-unequal',
    what: '1,000 rps, outage ×10, the canary hit 10 % harder',
    model: { ...base, rps: 1000, incident: { from: 20, to: 30, factor: 10, canaryExtra: 0.1 } },
    // The canary's extra 10 % during the incident is the tolerated change itself.
    boundaryRatio: 1,
  },
  {
    name: 'warm-up',
    what: 'cold canary: 3× errors in the first 30 s of each stage, 4 stages',
    model: { ...base, coldStart: { intervals: 1, factor: 3, stageStarts: stages4 } },
    stageStarts: stages4,
  },
  { name: 'low-traffic', what: '1 rps', model: { ...base, rps: 1 } },
  { name: 'ramp', what: 'traffic ramps 5× over the bake (40 → 200 rps)', model: { ...base, rps: (i: number) => 40 + (160 * i) / 59 } },
  { name: 'high-volume', what: '1,000 rps, rate noise CV 0.1 per arm', model: { ...base, rps: 1000, armCv: 0.1 } },
  {
    name: 'rollout',
    what: 'whole 4-stage rollout 1/5/25/50 %, 7.5 min each, overdispersed (shared CV 0.3, per arm 0.3)',
    model: { ...base, sharedCv: 0.3, armCv: 0.3, share: (i: number) => [0.01, 0.05, 0.25, 0.5][Math.floor(i / 15)]! },
    stageStarts: stages4,
    shares: [],
  },
  {
    name: '2h-10s',
    what: '2 hours checked every 10 s (720 checks), overdispersed (shared CV 0.3, per arm 0.3)',
    model: { ...base, intervals: 720, seconds: 10, sharedCv: 0.3, armCv: 0.3 },
    runFactor: 0.25,
  },
];

/** One rollout of a scenario as the judge is handed it: the counts per check, after any window transform. */
export function drawRollout(scenario: Scenario, share: number, ratio: number, random: Random): RateInterval[] {
  const model: TelemetryModel = { ...scenario.model, share: scenario.model.share ?? share, ratio };
  const drawn = simulateRollout(model, random);
  return scenario.transform ? scenario.transform(drawn, random) : drawn;
}

/**
 * The check (1-based) at which the sequential judge rolls the rollout back, or null: one series
 * since the rollout began, stages marked, the first interval of each stage a warm-up, as the
 * metric gate runs it. Stateless, so the failure of one call on the whole series is exactly the
 * check at which asking after every interval would have failed: the e-process's crossing, or the
 * fixed-horizon look at the end of a stage's bake, whichever comes first.
 */
export function sequentialRollback(intervals: RateInterval[], stageStarts: number[] = [0]): number | null {
  const flagged = intervals.map((i, k) => ({
    ...i,
    stage: stageStarts.filter((s) => s <= k).length,
    ...(stageStarts.includes(k) ? { warmup: true } : {}),
  }));
  // The whole series with the last bake over holds every stage's fixed-horizon look, each on its own prefix.
  const failedAt = sequentialRateTest(flagged, { alpha: ALPHA, direction: 'increase', tolerance: TOLERANCE, bakeOver: true }).details!
    .failedAt as number | null;
  return failedAt === null ? null : failedAt + 1;
}
