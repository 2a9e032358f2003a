// Sequential judge for error rates: an e-process that may be checked after every interval, as
// often as one likes, over a whole rollout, and still fails a healthy canary with probability
// ≤ alpha — on telemetry as it comes, not only on textbook Poisson counts.
//
// Model. θ = canary error rate / baseline error rate. Given interval i's request counts (nc, nb)
// and its errors C (canary) and B (baseline), T = C + B, the canary's expected share of the errors
// is ρ(θ) = nc·θ / (nc·θ + nb) whatever the baseline's own rate is (its drift, a shared incident,
// a traffic ramp cancel out).
//
// Evidence. For an alternative θ1 > θ0 = 1 + tolerance, interval i contributes the binomial log
// likelihood ratio ℓ_i = r·C − T·log(1 + ρ0·(e^r − 1)), r = ln(θ1/θ0), ρ0 = ρ(θ0). ℓ_i is LINEAR in
// the counts, so under H0 (θ ≤ θ0) its mean is ≤ 0 however the counts are distributed (Jensen).
// Real counts are overdispersed — the rate wanders per arm (negative binomial), errors come in
// retry clusters, high volume makes the wander dominate — so e^ℓ_i alone may have a mean far above
// 1. Two safeguards keep the product a nonnegative supermartingale under H0 on such data:
//  - tempering: e^{ℓ_i/φ_i}, where φ_i is how much more the errors' split varies than a binomial
//    split (quasi-likelihood: mean ≈ 1 when φ_i is right). φ_i comes from the intervals BEFORE i
//    (predictable), median-unbiased, never below 1, and infinite — no evidence — before any;
//  - a cap: no interval multiplies the e-value by more than e (capping only lowers a factor's
//    mean), so several intervals must agree and one mis-tempered interval cannot roll back alone.
// The mixture over θ1 (half-normal prior on r) of such products is again a supermartingale, and
// Ville's inequality bounds P(it ever reaches 1/alpha) by alpha. The guarantee is exact for
// Poisson counts and approximate (second order) for overdispersed ones; bench/judges.ts measures
// it on the data users have.
// `decrease` mirrors it below θ0 = 1 − tolerance; `either` averages both mixtures.
//
// Whole rollout. The series may span every stage: ρ follows each interval's own request split,
// so a weight change needs no restart and alpha is spent once for the rollout; `details.stages`
// says what each stage added. Warm-up intervals (a fresh canary's cold caches) are shown and feed
// the dispersion estimate, but add no evidence.
//
// Stateless: the caller passes every interval, and the result is recomputed from them, so a
// resumed rollout reaches the same verdict. A crossing at ANY prefix fails.
import { judged, stageOf, type Direction, type Judge, type JudgeResult, type Point } from './judge.js';
import { formatNumber, formatP } from './mann-whitney.js';
import { normalSf } from './normal.js';

/** Error and request counts of canary and baseline over one interval (not cumulative). */
export interface RateInterval {
  canaryErrors: number;
  canaryRequests: number;
  baselineErrors: number;
  baselineRequests: number;
  /** Shown but not judged (a fresh canary warming up): feeds the dispersion estimate only. */
  warmup?: boolean;
  /** 1-based stage the interval belongs to, for the per-stage account. */
  stage?: number;
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
  /** Smallest absolute difference of error rates worth a rollback (0.001 = 0.1 points). Default 0. */
  minDifference?: number;
  /**
   * The latest stage's bake is over (its last check): it gets its fixed-horizon look too. Every
   * earlier stage of the series is complete and always has its look. Default false.
   */
  bakeOver?: boolean;
}

// Prior over the log rate ratio beyond the tolerated one, r = |ln(θ/θ0)|: half-normal with scale
// PRIOR_SCALE on a grid of step GRID_STEP up to ln(GRID_MAX_RATIO). Validity holds for any prior;
// the prior only decides which regressions are caught fastest (a narrower one, tried at 0.3, is
// faster at 25 % share and slower at 1 %, where information is scarce).
const PRIOR_SCALE = Math.log(2);
const GRID_STEP = 0.04;
const GRID_MAX_RATIO = 64;
// φ̂ is divided by the median of χ²_n/n (normal quantile 0): as likely above the truth as below
// once several intervals back it; the prior dispersion below and the cap keep early misses harmless.
const DISPERSION_Z = 0;
// Before the data says otherwise, the dispersion is taken as PRIOR_DISPERSION, worth
// PRIOR_INTERVALS intervals: the first few intervals, whose φ̂ is noise, add little evidence.
const PRIOR_DISPERSION = 3;
const PRIOR_INTERVALS = 2;
// Counts of neighbouring intervals may be correlated (an overlapping range window counts each error
// twice; a slow wander): the dispersion adds the lag-1 autocovariance of the residuals with
// Bartlett weight ½ (Newey-West), when it is positive.
const LAG_WEIGHT = 0.5;
// Alpha is split: SEQUENTIAL_SHARE to the e-process, checked at every interval; the rest to one
// fixed-horizon look at the end of each stage's bake, the k-th completed stage spending half of
// what is left (FINAL_SHARE·alpha·2^−k). A look at all the evidence at once is the most powerful
// test there is for it, and a canary at the edge of its tolerance gains from it at most that much.
// 60/40 (bench/judges.ts): with 80/20 a fixed-horizon test at 0.02 caught a faint regression as
// often as the judge; at 60/40 the judge catches more in every such row, a few checks later.
const SEQUENTIAL_SHARE = 0.6;
const FINAL_SHARE = 1 - SEQUENTIAL_SHARE;
// Fewer judged intervals than this tell too little about the dispersion for a fixed-horizon look.
const FINAL_MIN_INTERVALS = 5;
// No interval may multiply the e-value by more than e: at alpha 0.05 (e³ ≈ 20) at least three
// intervals must agree before a rollback. Capping a factor only lowers its mean, so validity is
// kept, and one interval whose dispersion was under-estimated cannot roll back on its own.
const STEP_CAP = 1;

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
 * Running estimate of the dispersion φ: how much more the canary's share of the errors varies
 * from interval to interval than a binomial split would. Ratio of sums of squared residuals to
 * binomial variances (weighted by information, so sparse intervals do not dominate), around the
 * ratio fitted so far, median-unbiased for the few intervals it may rest on.
 */
class Dispersion {
  private squares = 0;
  /** Σ residual_i · residual_{i−1}: the lag-1 autocovariance, times the intervals. */
  private cross = 0;
  private previous = 0;
  private variance = 0;
  private squaredVariance = 0;
  private intervals = 0;
  private canary = { errors: 0, requests: 0 };
  private baseline = { errors: 0, requests: 0 };

  /** φ for the next interval: ≥ 1, from the intervals added so far (∞ before any). */
  value(): number {
    if (this.intervals === 0 || !(this.variance > 0)) return Infinity;
    // SS/V is a scaled χ² with n_eff degrees of freedom: dividing by the quantile of χ²_n/n at
    // DISPERSION_Z corrects its skew when few intervals back it.
    const n = (this.variance * this.variance) / this.squaredVariance;
    const prior = PRIOR_INTERVALS * (this.variance / this.intervals); // binomial variance of that many typical intervals
    const squares = this.squares + 2 * LAG_WEIGHT * Math.max(0, this.cross) + PRIOR_DISPERSION * prior;
    return Math.max(1, squares / (this.variance + prior) / chiSquareLowerQuantileRatio(n + PRIOR_INTERVALS));
  }

  add(interval: RateInterval): void {
    const { canaryErrors: c, canaryRequests: nc, baselineErrors: b, baselineRequests: nb } = interval;
    this.canary.errors += c;
    this.canary.requests += nc;
    this.baseline.errors += b;
    this.baseline.requests += nb;
    const errors = c + b;
    const before = this.previous;
    this.previous = 0; // an interval without errors (or without one arm) has residual 0, for the lag too
    if (errors === 0 || nc === 0 || nb === 0) return;
    // Half an error on each side keeps the fitted ratio finite before both arms have erred.
    const ratio = (this.canary.errors + 0.5) / this.canary.requests / ((this.baseline.errors + 0.5) / this.baseline.requests);
    const share = (nc * ratio) / (nc * ratio + nb);
    const variance = errors * share * (1 - share);
    if (!(variance > 0)) return;
    const residual = c - errors * share;
    this.cross += residual * before;
    this.previous = residual;
    this.squares += residual ** 2;
    this.variance += variance;
    this.squaredVariance += variance * variance;
    this.intervals += 1;
  }
}

/** χ²_n quantile at normal quantile −DISPERSION_Z, divided by n (Wilson-Hilferty; n may be fractional). */
function chiSquareLowerQuantileRatio(n: number): number {
  const z = -DISPERSION_Z;
  const c = 2 / (9 * n);
  return Math.max(0.01, Math.pow(Math.max(0, 1 - c + z * Math.sqrt(c)), 3));
}

interface StageAccount {
  stage: number;
  intervals: number;
  /** Index of the stage's last interval in the series. */
  last: number;
  /** Evidence the stage multiplied the e-process by (e^Δlog). */
  evidence: number;
  /** Always-valid p of the rollout at the end of the stage. */
  p: number;
}

/**
 * One-sided p of the fixed-horizon look: the score test of θ at the tolerated ratio on all judged
 * intervals at once, Σ(C − T·ρ0) over its binomial variance inflated by the dispersion φ̂ of these
 * intervals (around their fitted ratio, all of the lag-1 autocovariance included, never below 1), read as a
 * Student t with one degree of freedom per interval less one (Wallace's normal approximation).
 */
function finalLookP(intervals: RateInterval[], direction: Direction, tolerance: number): number {
  const judged = intervals.filter(
    (i) => !i.warmup && i.canaryErrors + i.baselineErrors > 0 && i.canaryRequests > 0 && i.baselineRequests > 0,
  );
  if (judged.length < FINAL_MIN_INTERVALS) return 1;
  const sums = sumCounts(judged);
  const fitted = (sums.canaryErrors + 0.5) / sums.canaryRequests / ((sums.baselineErrors + 0.5) / sums.baselineRequests);
  const share = (i: RateInterval, ratio: number) => (i.canaryRequests * ratio) / (i.canaryRequests * ratio + i.baselineRequests);
  let squares = 0;
  let variance = 0;
  let cross = 0;
  let previous = 0;
  for (const i of judged) {
    const errors = i.canaryErrors + i.baselineErrors;
    const rho = share(i, fitted);
    const residual = i.canaryErrors - errors * rho;
    squares += residual * residual;
    variance += errors * rho * (1 - rho);
    cross += residual * previous;
    previous = residual;
  }
  const df = judged.length - 1;
  // All of the lag-1 autocovariance (γ0 + 2γ1, as for windows overlapping by one step): a look
  // at everything at once has no cap to fall back on.
  const phi = Math.max(1, ((squares + 2 * Math.max(0, cross)) / variance) * (judged.length / df));
  const oneSided = (nullRatio: number, sign: 1 | -1) => {
    let score = 0;
    let information = 0;
    for (const i of judged) {
      const errors = i.canaryErrors + i.baselineErrors;
      const rho = share(i, nullRatio);
      score += sign * (i.canaryErrors - errors * rho);
      information += errors * rho * (1 - rho);
    }
    if (!(information > 0)) return 1;
    const t = score / Math.sqrt(information * phi);
    const z = Math.sign(t) * ((8 * df + 1) / (8 * df + 3)) * Math.sqrt(df * Math.log1p((t * t) / df));
    return normalSf(z);
  };
  if (direction === 'increase') return oneSided(1 + tolerance, 1);
  if (tolerance >= 1) return 1; // a decrease beyond 100 % is impossible
  if (direction === 'decrease') return oneSided(1 - tolerance, -1);
  return Math.min(1, 2 * Math.min(oneSided(1 + tolerance, 1), oneSided(1 - tolerance, -1)));
}

/**
 * Always-valid sequential test of the canary's error rate against the baseline's.
 *
 * Pass every interval since the comparison began — a whole rollout, stages included — each with
 * its own counts, not running totals. The result's `p` is the always-valid p-value
 * min(1, 1 / max e-value so far): the probability that a canary no worse than tolerated EVER shows
 * a p this small, however many times the test is checked, is at most that p. The verdict is
 * `fail` as soon as p ≤ alpha at any prefix of the series (`details.crossedAt` is the index of the
 * interval where it first did) and the observed rates differ by at least `minDifference`;
 * otherwise `inconclusive` while either side has fewer than `minRequests` requests, else `pass`
 * (no regression shown so far — not proof that none exists).
 *
 * `estimate` is the canary/baseline error rate ratio over the judged intervals (absent while the
 * baseline has no errors). Fractional counts are accepted as they come.
 *
 * @throws RangeError on a negative or non-finite count, errors above requests, alpha outside
 *   (0, 1), a negative tolerance or a negative minDifference.
 */
export function sequentialRateTest(intervals: RateInterval[], options: SequentialRateOptions): JudgeResult {
  const { alpha, direction, tolerance } = options;
  const minRequests = options.minRequests ?? 100;
  const minDifference = options.minDifference ?? 0;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`sequentialRateTest: alpha must be in (0, 1), got ${alpha}`);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)))
    throw new RangeError(`sequentialRateTest: tolerance must be a fraction ≥ 0, got ${tolerance}`);
  if (!(minDifference >= 0 && Number.isFinite(minDifference)))
    throw new RangeError(`sequentialRateTest: minDifference must be a rate ≥ 0, got ${minDifference}`);
  intervals.forEach(checkInterval);

  // A decrease beyond 100 % is impossible, so with tolerance ≥ 1 the decrease arm has no alternative.
  const arms: Arm[] = [];
  if (direction !== 'decrease') arms.push(buildArm(1 + tolerance, 1));
  if (direction !== 'increase' && tolerance < 1) arms.push(buildArm(1 - tolerance, -1));
  const logArmWeight = Math.log(1 / (direction === 'either' ? 2 : 1));
  // The e-process has SEQUENTIAL_SHARE of alpha: it fails at e-value 1/(SEQUENTIAL_SHARE·alpha).
  const threshold = Math.log(1 / (SEQUENTIAL_SHARE * alpha));
  // Its always-valid p, scaled so that p ≤ alpha is a crossing (Bonferroni over the two parts).
  const alwaysValidP = (logE: number) => Math.max(Number.MIN_VALUE, Math.min(1, Math.exp(-logE) / SEQUENTIAL_SHARE));

  // logLR[a][k] = Σ_i (r_k · C_i − T_i · log1p(ρ_i · (e^{r_k} − 1))) / φ_i.
  const logLR = arms.map((arm) => new Float64Array(arm.logRatios.length));
  const armLogs = arms.map(() => 0);
  const dispersion = new Dispersion();
  let maxLog = 0; // the mixture starts at 1
  let currentLog = 0;
  let crossedAt: number | null = null;
  let warmup = 0;
  let phi = 1;
  const totals = { canaryErrors: 0, canaryRequests: 0, baselineErrors: 0, baselineRequests: 0 };
  const stages: StageAccount[] = [];
  let stageStartLog = 0;
  intervals.forEach((interval, index) => {
    const stage = interval.stage ?? 1;
    if (stages.at(-1)?.stage !== stage) {
      stages.push({ stage, intervals: 0, last: index, evidence: 1, p: 1 });
      stageStartLog = currentLog;
    }
    const account = stages.at(-1)!;
    account.intervals += 1;
    account.last = index;
    phi = dispersion.value();
    dispersion.add(interval);
    if (interval.warmup) {
      warmup += 1;
      account.evidence = Math.exp(currentLog - stageStartLog);
      account.p = alwaysValidP(maxLog);
      return;
    }
    totals.canaryErrors += interval.canaryErrors;
    totals.canaryRequests += interval.canaryRequests;
    totals.baselineErrors += interval.baselineErrors;
    totals.baselineRequests += interval.baselineRequests;
    const errors = interval.canaryErrors + interval.baselineErrors;
    // An interval without errors, or with traffic on one side only, says nothing about θ.
    if (errors > 0 && interval.canaryRequests > 0 && interval.baselineRequests > 0) {
      arms.forEach((arm, a) => {
        const weighted = interval.canaryRequests * arm.nullRatio;
        const share = weighted / (weighted + interval.baselineRequests);
        const logs = logLR[a]!;
        for (let k = 0; k < logs.length; k++) {
          const r = arm.logRatios[k]!;
          logs[k]! += Math.min(STEP_CAP, (r * interval.canaryErrors - errors * Math.log1p(share * Math.expm1(r))) / phi);
        }
        armLogs[a] = logSumExp(logs, arm.logWeights);
      });
      currentLog = logArmWeight + logSumExp(Float64Array.from(armLogs), new Float64Array(armLogs.length));
      if (currentLog > maxLog) maxLog = currentLog;
      if (crossedAt === null && currentLog >= threshold) crossedAt = index;
    }
    account.evidence = Math.exp(currentLog - stageStartLog);
    account.p = alwaysValidP(maxLog);
  });

  // Always-valid p = 1 / max e-value (scaled); kept above 0 when the evidence is overwhelming.
  const p = alwaysValidP(maxLog);
  // The fixed-horizon looks: every completed stage, on all judged intervals up to its last.
  const completed = options.bakeOver ? stages : stages.slice(0, -1);
  const finalLooks = completed.map((account, k) => ({
    stage: account.stage,
    at: account.last,
    p: finalLookP(intervals.slice(0, account.last + 1), direction, tolerance),
    level: FINAL_SHARE * alpha * Math.pow(2, -(k + 1)),
  }));
  const failedLook = finalLooks.find((look) => look.p <= look.level && (crossedAt === null || look.at < crossedAt));
  const failedAt = failedLook ? failedLook.at : crossedAt;
  const canaryRate = totals.canaryRequests > 0 ? totals.canaryErrors / totals.canaryRequests : undefined;
  const baselineRate = totals.baselineRequests > 0 ? totals.baselineErrors / totals.baselineRequests : undefined;
  const estimate = canaryRate !== undefined && baselineRate ? canaryRate / baselineRate : undefined;
  const difference = canaryRate !== undefined && baselineRate !== undefined ? canaryRate - baselineRate : undefined;
  const details: Record<string, unknown> = {
    ...totals,
    canaryRate,
    baselineRate,
    intervals: intervals.length,
    warmupIntervals: warmup,
    // Infinite before any interval (no evidence yet); JSON would turn Infinity into null.
    dispersion: Number.isFinite(phi) ? phi : null,
    logLikelihoodRatio: currentLog,
    maxLogLikelihoodRatio: maxLog,
    threshold: 1 / (SEQUENTIAL_SHARE * alpha),
    crossedAt,
    finalLooks: finalLooks.map(({ stage, p: lookP, level }) => ({ stage, p: lookP, level })),
    failedAt,
    direction,
    tolerance,
    ...(minDifference > 0 ? { minDifference } : {}),
    stages,
  };
  const rates =
    `canary error rate ${percent(totals.canaryErrors, totals.canaryRequests)} vs baseline ` +
    `${percent(totals.baselineErrors, totals.baselineRequests)}` +
    (estimate !== undefined ? ` (×${formatNumber(estimate)})` : '');
  const result = { p, ...(estimate !== undefined ? { estimate } : {}), details };
  const how = `${direction}, tolerance ${formatNumber(100 * tolerance)}%${Number.isFinite(phi) && phi > 1.05 ? `, dispersion ×${formatNumber(phi)}` : ''}`;
  // Practical significance: a difference smaller than minDifference is never worth a rollback.
  const tooSmall =
    minDifference > 0 &&
    (difference === undefined ||
      (direction === 'increase' ? difference : direction === 'decrease' ? -difference : Math.abs(difference)) < minDifference);
  if (failedLook && !tooSmall) {
    return {
      verdict: 'fail',
      summary: `${rates}, p=${formatP(failedLook.p)} ≤ ${formatNumber(failedLook.level)} in the fixed-horizon look at the end of stage ${failedLook.stage}'s bake (${how})`,
      ...result,
    };
  }
  if (crossedAt !== null && !tooSmall) {
    return {
      verdict: 'fail',
      summary: `${rates}, always-valid p=${formatP(p)} ≤ ${alpha} at interval ${crossedAt + 1} of ${intervals.length} (${how})`,
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
  const verdictText =
    failedAt !== null
      ? `≤ ${alpha}, but the rates differ by less than ${formatNumber(100 * minDifference)} points: no regression worth a rollback`
      : `> ${alpha}: no regression shown`;
  return {
    verdict: 'pass',
    summary: `${rates}, always-valid p=${formatP(p)} ${verdictText} (${how})`,
    ...result,
  };
}

/**
 * The `sequential` judge of metric gates: canary and baseline count errors per step and
 * `requests` counts all requests, every step since the rollout began (one alpha for the whole
 * rollout). A step where either arm counted requests is an interval; a count missing there (a
 * 5xx series that does not exist yet) is 0. Each interval knows its stage, and whether it falls in
 * that stage's warm-up (shown, not judged).
 */
export const sequentialJudge: Judge = {
  counts: true,
  span: 'rollout',
  judge(input) {
    const { direction, tolerance, alpha, minRequests, minDifference, stages, warmupMs, bakeOver } = input;
    const byTime = (points: Point[] = []) => new Map(points.map((p) => [p.at, p.value]));
    const canaryErrors = byTime(input.canary);
    const baselineErrors = byTime(input.baseline);
    const canaryRequests = byTime(input.canaryRequests);
    const baselineRequests = byTime(input.baselineRequests);
    const intervals: RateInterval[] = [...new Set([...canaryRequests.keys(), ...baselineRequests.keys()])]
      .sort((a, b) => a - b)
      .map((at) => {
        const cr = count(canaryRequests.get(at) ?? 0);
        const br = count(baselineRequests.get(at) ?? 0);
        const where = stageOf(at, stages, warmupMs);
        return {
          // Two counters read a moment apart may put errors a hair above requests.
          canaryErrors: Math.min(count(canaryErrors.get(at) ?? 0), cr),
          canaryRequests: cr,
          baselineErrors: Math.min(count(baselineErrors.get(at) ?? 0), br),
          baselineRequests: br,
          ...(where ? { stage: where.stage, ...(where.warmup ? { warmup: true } : {}) } : {}),
        };
      });
    const all = sumCounts(intervals);
    if (all.canaryRequests === 0 || all.baselineRequests === 0) {
      return {
        noData: `no requests counted (canary ${all.canaryRequests}, baseline ${all.baselineRequests} over ${intervals.length} steps)`,
        details: { totals: all },
      };
    }
    // Totals of the judged intervals: warm-up ones are shown, not judged.
    const totals = sumCounts(intervals.filter((i) => !i.warmup));
    const result = sequentialRateTest(intervals, { alpha, direction, tolerance, minRequests, minDifference, bakeOver });
    if (result.verdict === 'inconclusive' && (totals.canaryRequests < minRequests || totals.baselineRequests < minRequests)) {
      return { noData: result.summary, details: { steps: intervals.length, totals } };
    }
    const rate = (errors: number, requests: number) => (requests > 0 ? errors / requests : null);
    return judged(result, rate(totals.canaryErrors, totals.canaryRequests), rate(totals.baselineErrors, totals.baselineRequests), {
      steps: intervals.length,
      totals,
    });
  },
};

function sumCounts(intervals: RateInterval[]) {
  return intervals.reduce(
    (sum, i) => ({
      canaryErrors: sum.canaryErrors + i.canaryErrors,
      canaryRequests: sum.canaryRequests + i.canaryRequests,
      baselineErrors: sum.baselineErrors + i.baselineErrors,
      baselineRequests: sum.baselineRequests + i.baselineRequests,
    }),
    { canaryErrors: 0, canaryRequests: 0, baselineErrors: 0, baselineRequests: 0 },
  );
}

/** Counts may be fractional (Prometheus increase() extrapolates); a counter reset may make them negative. */
function count(value: number): number {
  return Math.max(0, value);
}
