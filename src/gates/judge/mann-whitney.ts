// Mann-Whitney U judge: canary vs baseline samples (e.g. p99 latency over a range query), with the
// Hodges-Lehmann shift and its distribution-free confidence interval for the human summary.
// The U test is the same computation as scipy.stats.mannwhitneyu(method='asymptotic',
// use_continuity=True), so a reviewer can check any verdict with two lines of Python.
import { normalQuantile, normalSf } from './normal.js';
import { judged, stageOf, type Direction, type Judge, type JudgeResult, type Point } from './judge.js';

export type { Direction, JudgeResult } from './judge.js';

export type Alternative = 'two-sided' | 'less' | 'greater';

function sortedCopy(values: readonly number[], name: string): Float64Array {
  const sorted = Float64Array.from(values);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i]!)) throw new RangeError(`${name}[${i}] is ${sorted[i]}; samples must be finite numbers`);
  }
  return sorted.sort();
}

/**
 * Mann-Whitney U test of two independent samples, normal approximation with tie and continuity
 * correction. Returns exactly what `scipy.stats.mannwhitneyu(x, y, alternative=…,
 * method='asymptotic', use_continuity=True)` returns.
 *
 * @param x first sample (e.g. the canary); finite numbers, at least one.
 * @param y second sample (e.g. the baseline); finite numbers, at least one.
 * @param options.alternative 'greater': x tends to be larger than y; 'less': smaller;
 *   'two-sided' (default): either.
 * @returns `u`: the U statistic of x (number of pairs with x > y, ties counting ½; mid-ranks),
 *   `p`: the p-value for the alternative, in [0, 1]. When every value is tied, p = 1.
 * @throws RangeError on an empty sample or a non-finite value.
 */
export function mannWhitneyU(x: number[], y: number[], options: { alternative?: Alternative } = {}): { u: number; p: number } {
  const alternative = options.alternative ?? 'two-sided';
  if (x.length === 0 || y.length === 0) throw new RangeError('mannWhitneyU: both samples need at least one value');
  const xs = sortedCopy(x, 'x');
  const ys = sortedCopy(y, 'y');
  const n1 = xs.length;
  const n2 = ys.length;
  // Walk both sorted samples together, one group of equal values at a time: each group gets the
  // mid-rank of the positions it spans, and contributes t³ − t to the tie correction.
  let rankSumX = 0;
  let tieTerm = 0;
  let i = 0;
  let j = 0;
  let position = 0;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    let inX = 0;
    let inY = 0;
    while (i < n1 && xs[i] === value) {
      i++;
      inX++;
    }
    while (j < n2 && ys[j] === value) {
      j++;
      inY++;
    }
    const t = inX + inY;
    rankSumX += inX * (position + (t + 1) / 2);
    tieTerm += t * t * t - t;
    position += t;
  }
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const [u, factor] = alternative === 'greater' ? [u1, 1] : alternative === 'less' ? [u2, 1] : [Math.max(u1, u2), 2];
  const n = n1 + n2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const z = (u - (n1 * n2) / 2 - 0.5) / sd; // −0.5/0 = −∞ when all values tie: p = 1, as scipy
  const p = Math.min(1, Math.max(0, normalSf(z) * factor));
  return { u: u1, p };
}

/**
 * The k-th smallest (1-based) of the n·m differences xs[i] − yDesc[j], found exactly without
 * materialising them. Rows are x ascending, columns y descending, so every row and column of the
 * difference matrix is sorted; each round counts, row by row, the entries below a pivot (the
 * weighted median of the rows' middle candidates, after Monahan 1984) and drops at least a quarter
 * of the remaining candidates. Comparisons use the computed differences themselves, so the result
 * equals sorting all n·m floating-point differences.
 */
function kthDifference(xs: Float64Array, yDesc: Float64Array, k: number): number {
  const n = xs.length;
  const m = yDesc.length;
  const lo = new Int32Array(n); // columns [lo[i], hi[i]) of row i may still hold the answer
  const hi = new Int32Array(n).fill(m);
  const lessCount = new Int32Array(n);
  const atMostCount = new Int32Array(n);
  let below = 0; // entries known to be smaller than the answer
  for (;;) {
    let candidates = 0;
    for (let i = 0; i < n; i++) candidates += hi[i]! - lo[i]!;
    if (candidates <= Math.max(64, n + m)) {
      const rest = new Float64Array(candidates);
      let at = 0;
      for (let i = 0; i < n; i++) for (let j = lo[i]!; j < hi[i]!; j++) rest[at++] = xs[i]! - yDesc[j]!;
      rest.sort();
      return rest[k - below - 1]!;
    }
    const middles: Array<{ value: number; weight: number }> = [];
    for (let i = 0; i < n; i++) {
      const width = hi[i]! - lo[i]!;
      if (width > 0) middles.push({ value: xs[i]! - yDesc[lo[i]! + (width >> 1)]!, weight: width });
    }
    middles.sort((a, b) => a.value - b.value);
    let pivot = middles[0]!.value;
    for (let seen = 0, r = 0; r < middles.length; r++) {
      seen += middles[r]!.weight;
      if (2 * seen >= candidates) {
        pivot = middles[r]!.value;
        break;
      }
    }
    // Row counts fall as i grows (larger x, larger differences): two pointers, O(n + m).
    let less = 0;
    let atMost = 0;
    for (let i = 0, jl = m, je = m; i < n; i++) {
      while (jl > 0 && !(xs[i]! - yDesc[jl - 1]! < pivot)) jl--;
      while (je > 0 && !(xs[i]! - yDesc[je - 1]! <= pivot)) je--;
      lessCount[i] = jl;
      atMostCount[i] = je;
      less += jl;
      atMost += je;
    }
    if (k <= less) hi.set(lessCount);
    else if (k <= atMost) return pivot;
    else {
      lo.set(atMostCount);
      below = atMost;
    }
  }
}

/**
 * Hodges-Lehmann estimate of the shift x − y (the median of all pairwise differences) and its
 * distribution-free confidence interval, both exact order statistics of the differences (no
 * numeric root finding, so 1e-9-scale data is as precise as 1e3-scale data).
 *
 * The interval [D(N−a), D(a+1)] (D sorted differences, N = n·m, a = ⌊N/2 + ½ + z·σ⌋,
 * σ² = n·m·(n+m+1)/12, z the two-sided normal quantile) holds exactly the shifts Δ for which the
 * two-sided continuity-corrected Mann-Whitney test of x − Δ against y does not reject at
 * 1 − confidence (untied data). When the samples are too small for any shift to be rejected, the
 * interval is unbounded (−∞, ∞).
 *
 * @param x first sample (finite numbers, at least one).
 * @param y second sample (finite numbers, at least one).
 * @param confidence two-sided confidence level in (0, 1), default 0.95.
 * @throws RangeError on an empty sample, a non-finite value or a confidence outside (0, 1).
 */
export function hodgesLehmann(x: number[], y: number[], confidence = 0.95): { estimate: number; low: number; high: number } {
  if (x.length === 0 || y.length === 0) throw new RangeError('hodgesLehmann: both samples need at least one value');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`hodgesLehmann: confidence must be in (0, 1), got ${confidence}`);
  const xs = sortedCopy(x, 'x');
  const yDesc = sortedCopy(y, 'y').reverse();
  const n = xs.length;
  const m = yDesc.length;
  const total = n * m;
  const kth = (k: number) => kthDifference(xs, yDesc, k);
  const estimate = total % 2 === 1 ? kth((total + 1) / 2) : (kth(total / 2) + kth(total / 2 + 1)) / 2;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const accepted = Math.floor(total / 2 + 0.5 + z * Math.sqrt((total * (n + m + 1)) / 12));
  if (accepted >= total) return { estimate, low: -Infinity, high: Infinity };
  return { estimate, low: kth(total - accepted), high: kth(accepted + 1) };
}

/**
 * Exact one-sided p-value of the Mann-Whitney test, conditional on the observed ties: the
 * probability, over all C(n1+n2, n1) equally likely ways to split the pooled values into the two
 * samples, of a rank sum of x at least as large as observed ('greater') or at most ('less').
 * Mid-ranks are doubled so every sum is an integer; a dynamic program over (values taken,
 * rank sum) counts the splits in O(N · n1 · N²) — used for small samples only.
 */
export function exactMannWhitneyP(x: number[], y: number[], alternative: 'greater' | 'less'): number {
  const n1 = x.length;
  const pooled = [...x.map((v) => ({ v, inX: true })), ...y.map((v) => ({ v, inX: false }))].sort((a, b) => a.v - b.v);
  const n = pooled.length;
  const doubled: number[] = new Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && pooled[j]!.v === pooled[i]!.v) j++;
    for (let k = i; k < j; k++) doubled[k] = i + 1 + j; // 2 × mid-rank of positions i+1..j
    i = j;
  }
  let observed = 0;
  pooled.forEach((p, i) => {
    if (p.inX) observed += doubled[i]!;
  });
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  // ways[k][s]: splits of the values seen so far with k of them in x, summing to s (as doubles: exact up to 2^53).
  const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  for (let i = 0; i < n; i++) {
    const r = doubled[i]!;
    // In place, k descending: row k+1 takes row k as it was before value i (a 0/1 knapsack).
    for (let k = Math.min(i, n1 - 1); k >= 0; k--) {
      const from = ways[k]!;
      const to = ways[k + 1]!;
      for (let s = maxSum - r; s >= 0; s--) if (from[s]) to[s + r]! += from[s]!;
    }
  }
  const last = ways[n1]!;
  let total = 0;
  let tail = 0;
  for (let s = 0; s <= maxSum; s++) {
    total += last[s]!;
    if (alternative === 'greater' ? s >= observed : s <= observed) tail += last[s]!;
  }
  return Math.min(1, tail / total);
}

// Up to this many values in all the judge takes the exact p-value (the normal approximation is
// poor for small or heavily tied samples); beyond, the asymptotic one, as scipy's 'auto' does.
const EXACT_UP_TO = 30;

function median(sorted: Float64Array): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Three significant digits, without exponent noise for ordinary magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : value < 0 ? '−∞' : 'NaN';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e6) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

/** A p-value as people write it: two significant digits, "<1e-16" below what doubles resolve. */
export function formatP(p: number): string {
  if (p < 1e-16) return '<1e-16';
  return p >= 1e-3 ? String(Number(p.toPrecision(2))) : p.toExponential(1);
}

export interface MannWhitneyJudgeOptions {
  /** Which change is a regression: the canary going up, down, or either. */
  direction: Direction;
  /** Change tolerated, as a fraction of |baseline median| (0.1 = 10 %). */
  tolerance: number;
  /** False-alarm rate of one judgement (fixed-horizon: checking repeatedly raises it). */
  alpha: number;
  /** Fewer finite values than this on either side is inconclusive. */
  minSamples: number;
  /** Smallest absolute shift worth a rollback, in the samples' units; the margin is the larger of the two. */
  minDifference?: number;
  /** What the samples are, for the summary ("p99"). */
  label?: string;
}

/**
 * Judges canary against baseline samples with a one-sided Mann-Whitney test of a shift beyond the
 * tolerance: for `increase`, H0 is "canary ≤ baseline + tolerance·|median(baseline)|" (the canary
 * is shifted down by that margin — or by `minDifference` when larger — and tested with
 * alternative 'greater'); `decrease` mirrors it;
 * `either` runs both and doubles the smaller p (Bonferroni). Fails when p < alpha. Up to 30 values
 * in all the p-value is exact (the permutation distribution of the rank sum, ties included);
 * beyond, the normal approximation (`details.method` says which).
 *
 * Non-finite values (a PromQL NaN) are dropped and counted in `details.dropped`. Fewer than
 * `minSamples` values left on either side is `inconclusive`, never `pass`. `estimate`, `low` and
 * `high` are the Hodges-Lehmann shift canary − baseline and its (1 − alpha) confidence interval
 * (`low`/`high` absent when the samples are too small to bound it).
 *
 * This is a fixed-horizon test: its false-alarm rate is alpha for ONE look. Repeating it at every
 * interval of a bake raises the chance of a false rollback (see bench/judges.ts); use the
 * `sequential` judge for error rates checked repeatedly.
 *
 * @throws RangeError when alpha is not in (0, 1), tolerance is negative or minSamples < 1.
 */
export function judgeMannWhitney(canary: number[], baseline: number[], options: MannWhitneyJudgeOptions): JudgeResult {
  const { direction, tolerance, alpha, minSamples } = options;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`judgeMannWhitney: alpha must be in (0, 1), got ${alpha}`);
  if (!(tolerance >= 0 && Number.isFinite(tolerance)))
    throw new RangeError(`judgeMannWhitney: tolerance must be a fraction ≥ 0, got ${tolerance}`);
  if (!(minSamples >= 1)) throw new RangeError(`judgeMannWhitney: minSamples must be at least 1, got ${minSamples}`);
  if (!((options.minDifference ?? 0) >= 0))
    throw new RangeError(`judgeMannWhitney: minDifference must be ≥ 0, got ${options.minDifference}`);
  const what = options.label ? `canary ${options.label}` : 'canary';
  const c = canary.filter(Number.isFinite);
  const b = baseline.filter(Number.isFinite);
  const dropped = canary.length - c.length + baseline.length - b.length;
  const counts = { canarySamples: c.length, baselineSamples: b.length, ...(dropped ? { dropped } : {}) };
  if (c.length < minSamples || b.length < minSamples) {
    return {
      verdict: 'inconclusive',
      summary: `too few samples: canary ${c.length}, baseline ${b.length} (need ${minSamples} each)`,
      details: counts,
    };
  }
  const baselineMedian = median(Float64Array.from(b).sort());
  const margin = Math.max(tolerance * Math.abs(baselineMedian), options.minDifference ?? 0);
  const exact = c.length + b.length <= EXACT_UP_TO;
  const oneSided = (shifted: number[], alternative: 'greater' | 'less') => {
    const test = mannWhitneyU(shifted, b, { alternative });
    return exact ? { u: test.u, p: exactMannWhitneyP(shifted, b, alternative) } : test;
  };
  const increase =
    direction === 'decrease'
      ? undefined
      : oneSided(
          c.map((v) => v - margin),
          'greater',
        );
  const decrease =
    direction === 'increase'
      ? undefined
      : oneSided(
          c.map((v) => v + margin),
          'less',
        );
  let test: { u: number; p: number };
  if (increase && decrease) {
    const smaller = increase.p <= decrease.p ? increase : decrease;
    test = { u: smaller.u, p: Math.min(1, 2 * smaller.p) };
  } else test = (increase ?? decrease)!;
  const confidence = 1 - alpha;
  const shift = hodgesLehmann(c, b, confidence);
  const failed = test.p < alpha;
  const relative =
    baselineMedian === 0 ? '' : `${shift.estimate >= 0 ? '+' : '−'}${formatNumber(Math.abs((100 * shift.estimate) / baselineMedian))}% `;
  const interval = Number.isFinite(shift.low)
    ? `${formatNumber(100 * confidence)}% CI ${formatNumber(shift.low)} to ${formatNumber(shift.high)}`
    : `${formatNumber(100 * confidence)}% CI unbounded at this sample size`;
  const tolerated =
    (tolerance > 0 ? `, tolerance ${formatNumber(100 * tolerance)}%` : '') +
    (options.minDifference ? `, minDifference ${formatNumber(options.minDifference)}` : '');
  return {
    verdict: failed ? 'fail' : 'pass',
    summary:
      `${what} ${relative}vs baseline (HL shift ${formatNumber(shift.estimate)}, ${interval}), ` +
      `p=${formatP(test.p)} ${failed ? '<' : '≥'} ${alpha} (${direction}${tolerated})`,
    p: test.p,
    statistic: test.u,
    estimate: shift.estimate,
    // An unbounded interval is left out: ±Infinity would turn into null in the JSON state.
    ...(Number.isFinite(shift.low) ? { low: shift.low, high: shift.high } : {}),
    details: { ...counts, baselineMedian, margin, direction, confidence, method: exact ? 'exact' : 'asymptotic' },
  };
}

/**
 * The `mann-whitney` judge of metric gates: samples (e.g. latencies) since the stage began, those
 * of the stage's warm-up left out; medians beside the shift.
 */
export const mannWhitneyJudge: Judge = {
  counts: false,
  span: 'stage',
  judge({ canary: canaryPoints, baseline: baselinePoints, direction, tolerance, alpha, minSamples, minDifference, stages, warmupMs }) {
    const judgedValues = (points: Point[]) => points.filter((p) => !stageOf(p.at, stages, warmupMs)?.warmup).map((p) => p.value);
    const canary = judgedValues(canaryPoints);
    const baseline = judgedValues(baselinePoints);
    const samples = { canary: canary.length, baseline: baseline.length };
    const warmup = canaryPoints.length - canary.length + baselinePoints.length - baseline.length;
    if (canary.length < minSamples || baseline.length < minSamples) {
      return {
        noData: `${canary.length} canary and ${baseline.length} baseline samples${warmup ? ` after the warm-up` : ''}; minSamples is ${minSamples}`,
        details: { samples, ...(warmup ? { warmupSamples: warmup } : {}) },
      };
    }
    const result = judgeMannWhitney(canary, baseline, { direction, tolerance, alpha, minSamples, minDifference });
    return judged(result, median(Float64Array.from(canary).sort()), median(Float64Array.from(baseline).sort()), {
      samples,
      ...(warmup ? { warmupSamples: warmup } : {}),
    });
  },
};
