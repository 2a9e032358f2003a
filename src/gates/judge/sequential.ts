// Sequential judge for error rates: a mixture likelihood-ratio test that may be checked after
// every interval, as often as one likes, and still raises a false alarm with probability ≤ alpha.
//
// Model. Errors arrive as Poisson counts, rate λc per canary request and λb per baseline request;
// θ = λc/λb. Given interval i's request counts (nc, nb) and its total errors T, the canary's
// share of the errors is Binomial(T, q(θ)) with q(θ) = nc·θ / (nc·θ + nb), whatever λb is: the
// baseline's own rate (and its drift over time) cancels out.
//
// Test. H0 for `increase`: θ ≤ θ0 = 1 + tolerance. For each alternative θ > θ0 the product over
// intervals of Binomial(T, q(θ)) / Binomial(T, q(θ0)) likelihoods has expectation ≤ 1 under every
// θ' ≤ θ0 (the per-interval expectation is linear in q(θ') with positive slope, and equals 1 at
// θ0), so it is a nonnegative supermartingale; so is any mixture of them over a prior on θ.
// Ville's inequality then bounds P(the mixture ever reaches 1/alpha) ≤ alpha: the test may stop
// at any check. `decrease` mirrors it below θ0 = 1 − tolerance; `either` averages both mixtures.
//
// Stateless: the caller passes every interval since the comparison began, and the result is
// recomputed from them, so a resumed rollout reaches the same verdict. A crossing at ANY prefix
// fails, so looking later never hides an earlier alarm.
import { judged, type Direction, type Judge, type JudgeResult, type Point } from './judge.js';
import { formatNumber, formatP } from './mann-whitney.js';

/** Error and request counts of canary and baseline over one interval (not cumulative). */
export interface RateInterval {
  canaryErrors: number;
  canaryRequests: number;
  baselineErrors: number;
  baselineRequests: number;
}

export interface SequentialRateOptions {
  /** Bound on the probability of ever failing a canary that is not worse than tolerated. */
  alpha: number;
  /** Which change is a regression: canary error rate going up, down, or either. */
  direction: Direction;
  /** Rate ratio change tolerated, as a fraction: 0.1 tolerates a canary rate up to 1.1× baseline. */
  tolerance: number;
  /** Fewer requests than this on either side (summed over intervals) is inconclusive. Default 100. */
  minRequests?: number;
}

// Prior over the log rate ratio beyond the tolerated one, r = |ln(θ/θ0)|: half-normal with scale
// PRIOR_SCALE on a grid of step GRID_STEP up to ln(GRID_MAX_RATIO). Validity holds for any prior;
// the prior only decides which regressions are caught fastest. ln 2 puts most weight on ratios of
// 1.3× to 4×, the regressions worth a rollback (see bench/judges.ts for the measured trade-off).
const PRIOR_SCALE = Math.log(2);
const GRID_STEP = 0.02;
const GRID_MAX_RATIO = 64;

interface Arm {
  /** Log rate ratio of each grid point relative to θ0 (positive for increase, negative for decrease). */
  logRatios: Float64Array;
  logWeights: Float64Array;
  nullRatio: number;
}

function buildArm(nullRatio: number, sign: 1 | -1): Arm {
  const points = Math.floor(Math.log(GRID_MAX_RATIO) / GRID_STEP);
  const logRatios = new Float64Array(points);
  const raw = new Float64Array(points);
  let total = 0;
  for (let k = 0; k < points; k++) {
    const r = (k + 1) * GRID_STEP;
    logRatios[k] = sign * r;
    raw[k] = Math.exp(-(r * r) / (2 * PRIOR_SCALE * PRIOR_SCALE));
    total += raw[k]!;
  }
  const logWeights = raw.map((w) => Math.log(w / total));
  return { logRatios, logWeights, nullRatio };
}

function logSumExp(values: Float64Array, offsets: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) max = Math.max(max, values[k]! + offsets[k]!);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += Math.exp(values[k]! + offsets[k]! - max);
  return max + Math.log(sum);
}

function checkInterval(interval: RateInterval, index: number): void {
  for (const key of ['canaryErrors', 'canaryRequests', 'baselineErrors', 'baselineRequests'] as const) {
    const value = interval[key];
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`interval ${index}: ${key} must be a finite count ≥ 0, got ${value}`);
  }
  if (interval.canaryErrors > interval.canaryRequests)
    throw new RangeError(`interval ${index}: canaryErrors (${interval.canaryErrors}) exceed canaryRequests (${interval.canaryRequests})`);
  if (interval.baselineErrors > interval.baselineRequests)
    throw new RangeError(
      `interval ${index}: baselineErrors (${interval.baselineErrors}) exceed baselineRequests (${interval.baselineRequests})`,
    );
}

function percent(errors: number, requests: number): string {
  return requests > 0 ? `${formatNumber((100 * errors) / requests)}%` : 'n/a';
}

/**
 * Always-valid sequential test of the canary's error rate against the baseline's.
 *
 * Pass every interval since the comparison began (each with its own counts, not running totals).
 * The result's `p` is the always-valid p-value min(1, 1 / max mixture likelihood ratio so far):
 * the probability that a canary no worse than tolerated EVER shows a p this small, however many
 * times the test is checked, is at most that p. The verdict is `fail` as soon as p ≤ alpha at any
 * prefix of the series (`details.crossedAt` is the index of the interval where it first did);
 * otherwise `inconclusive` while either side has fewer than `minRequests` requests, else `pass`
 * (no regression shown so far — not proof that none exists).
 *
 * `estimate` is the canary/baseline error rate ratio over all intervals (absent while the baseline
 * has no errors). The guarantee is exact for Poisson error counts; binomial counts at error rates
 * of a few percent behave the same to first order (and at equal rates the test is provably
 * conservative for them: Hoeffding's comparison of sampling without and with replacement).
 * Fractional counts (Prometheus `increase()` extrapolates) are accepted as they come.
 *
 * @throws RangeError on a negative or non-finite count, errors above requests, alpha outside
 *   (0, 1) or a negative tolerance.
 */
export function sequentialRateTest(intervals: RateInterval[], options: SequentialRateOptions): JudgeResult {
  const { alpha, direction, tolerance } = options;
  const minRequests = options.minRequests ?? 100;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`sequentialRateTest: alpha must be in (0, 1), got ${alpha}`);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)))
    throw new RangeError(`sequentialRateTest: tolerance must be a fraction ≥ 0, got ${tolerance}`);
  intervals.forEach(checkInterval);

  // A decrease beyond 100 % is impossible, so with tolerance ≥ 1 the decrease arm has no alternative.
  const arms: Arm[] = [];
  if (direction !== 'decrease') arms.push(buildArm(1 + tolerance, 1));
  if (direction !== 'increase' && tolerance < 1) arms.push(buildArm(1 - tolerance, -1));
  const logArmWeight = Math.log(1 / (direction === 'either' ? 2 : 1));
  const threshold = Math.log(1 / alpha);

  // logLR[a][k] = r_k · Σ canaryErrors − Σ T · log1p(ρ · (e^{r_k} − 1)), ρ = q(θ0) per interval.
  const logLR = arms.map((arm) => new Float64Array(arm.logRatios.length));
  const armLogs = arms.map(() => 0);
  let maxLog = 0; // the mixture starts at 1
  let currentLog = 0;
  let crossedAt: number | null = null;
  const totals = { canaryErrors: 0, canaryRequests: 0, baselineErrors: 0, baselineRequests: 0 };
  intervals.forEach((interval, index) => {
    totals.canaryErrors += interval.canaryErrors;
    totals.canaryRequests += interval.canaryRequests;
    totals.baselineErrors += interval.baselineErrors;
    totals.baselineRequests += interval.baselineRequests;
    const errors = interval.canaryErrors + interval.baselineErrors;
    // An interval without errors, or with traffic on one side only, says nothing about θ.
    if (errors === 0 || interval.canaryRequests === 0 || interval.baselineRequests === 0) return;
    arms.forEach((arm, a) => {
      const weighted = interval.canaryRequests * arm.nullRatio;
      const share = weighted / (weighted + interval.baselineRequests);
      const logs = logLR[a]!;
      for (let k = 0; k < logs.length; k++) {
        const r = arm.logRatios[k]!;
        logs[k]! += r * interval.canaryErrors - errors * Math.log1p(share * Math.expm1(r));
      }
      armLogs[a] = logSumExp(logs, arm.logWeights);
    });
    currentLog = logArmWeight + logSumExp(Float64Array.from(armLogs), new Float64Array(armLogs.length));
    if (currentLog > maxLog) maxLog = currentLog;
    if (crossedAt === null && currentLog >= threshold) crossedAt = index;
  });

  // Always-valid p = 1 / max LR; kept above 0 when the evidence is overwhelming (exp underflows).
  const p = Math.max(Number.MIN_VALUE, Math.min(1, Math.exp(-maxLog)));
  const canaryRate = totals.canaryRequests > 0 ? totals.canaryErrors / totals.canaryRequests : undefined;
  const baselineRate = totals.baselineRequests > 0 ? totals.baselineErrors / totals.baselineRequests : undefined;
  const estimate = canaryRate !== undefined && baselineRate ? canaryRate / baselineRate : undefined;
  const details: Record<string, unknown> = {
    ...totals,
    canaryRate,
    baselineRate,
    intervals: intervals.length,
    logLikelihoodRatio: currentLog,
    maxLogLikelihoodRatio: maxLog,
    threshold: 1 / alpha,
    crossedAt,
    direction,
    tolerance,
  };
  const rates =
    `canary error rate ${percent(totals.canaryErrors, totals.canaryRequests)} vs baseline ` +
    `${percent(totals.baselineErrors, totals.baselineRequests)}` +
    (estimate !== undefined ? ` (×${formatNumber(estimate)})` : '');
  const result = { p, ...(estimate !== undefined ? { estimate } : {}), details };
  if (crossedAt !== null) {
    return {
      verdict: 'fail',
      summary: `${rates}, always-valid p=${formatP(p)} ≤ ${alpha} at interval ${crossedAt + 1} of ${intervals.length} (${direction}, tolerance ${formatNumber(100 * tolerance)}%)`,
      ...result,
    };
  }
  if (totals.canaryRequests < minRequests || totals.baselineRequests < minRequests) {
    return {
      verdict: 'inconclusive',
      summary: `too little traffic: canary ${totals.canaryRequests} requests, baseline ${totals.baselineRequests} (need ${minRequests} each)`,
      ...result,
    };
  }
  return {
    verdict: 'pass',
    summary: `${rates}, always-valid p=${formatP(p)} > ${alpha}: no regression shown (${direction}, tolerance ${formatNumber(100 * tolerance)}%)`,
    ...result,
  };
}

/**
 * The `sequential` judge of metric gates: canary and baseline count errors per step and
 * `requests` counts all requests; steps where all four counts are known are tested.
 */
export const sequentialJudge: Judge = {
  counts: true,
  judge({ canary, baseline, canaryRequests = [], baselineRequests = [], direction, tolerance, alpha, minRequests }) {
    const byTime = (points: Point[]) => new Map(points.map((p) => [p.at, p.value]));
    const canaryErrors = byTime(canary);
    const baselineErrors = byTime(baseline);
    const canaryTotal = byTime(canaryRequests);
    const baselineTotal = byTime(baselineRequests);
    const intervals = [...canaryTotal.keys()]
      .filter((at) => canaryErrors.has(at) && baselineErrors.has(at) && baselineTotal.has(at))
      .sort((a, b) => a - b)
      .map((at) => {
        const cr = count(canaryTotal.get(at)!);
        const br = count(baselineTotal.get(at)!);
        // Two counters extrapolated apart may put errors a hair above requests.
        return {
          canaryErrors: Math.min(count(canaryErrors.get(at)!), cr),
          canaryRequests: cr,
          baselineErrors: Math.min(count(baselineErrors.get(at)!), br),
          baselineRequests: br,
        };
      });
    const totals = intervals.reduce(
      (sum, i) => ({
        canaryErrors: sum.canaryErrors + i.canaryErrors,
        canaryRequests: sum.canaryRequests + i.canaryRequests,
        baselineErrors: sum.baselineErrors + i.baselineErrors,
        baselineRequests: sum.baselineRequests + i.baselineRequests,
      }),
      { canaryErrors: 0, canaryRequests: 0, baselineErrors: 0, baselineRequests: 0 },
    );
    if (totals.canaryRequests === 0 || totals.baselineRequests === 0) {
      return {
        noData: `no requests counted (canary ${totals.canaryRequests}, baseline ${totals.baselineRequests} over ${intervals.length} steps)`,
        details: { totals },
      };
    }
    const result = sequentialRateTest(intervals, { alpha, direction, tolerance, minRequests });
    if (result.verdict === 'inconclusive' && (totals.canaryRequests < minRequests || totals.baselineRequests < minRequests)) {
      return { noData: result.summary, details: { steps: intervals.length, totals } };
    }
    const canaryRate = totals.canaryErrors / totals.canaryRequests;
    return judged(result, canaryRate, totals.baselineErrors / totals.baselineRequests, { steps: intervals.length, totals });
  },
};

/** Counts may be fractional (Prometheus increase() extrapolates); a counter reset may make them negative. */
function count(value: number): number {
  return Math.max(0, value);
}
