// How often each judge rolls back a healthy canary when checked every 30 s of a 30-minute bake,
// and how fast it catches a real error-rate regression. Simulated traffic, seeded, bounded.
//
//   npx tsx bench/judges.ts [--runs 1000] [--seed 1]
//
// Each check sees one more 30 s interval: 100 rps in all, split by the canary share (fixed
// counts), errors drawn per request as binomials. Judges, each asked at every check and stopped at
// its first `fail` (= a rollback):
//   sequential  sequentialRateTest over all intervals so far (always valid by construction)
//   z-test      one-sided two-proportion z-test on the cumulative counts (fixed-horizon, naive)
//   MW          judgeMannWhitney on the per-interval error ratios (Kayenta-style, fixed-horizon)
// The fixed-horizon tests are also reported when asked once, at the end of the bake, where their
// alpha does hold. All tests: alpha 0.05, direction increase, tolerance 0 (the strictest null).
import { judgeMannWhitney } from '../src/gates/judge/mann-whitney.js';
import { normalSf } from '../src/gates/judge/normal.js';
import { sequentialRateTest, type RateInterval } from '../src/gates/judge/sequential.js';

const ALPHA = 0.05;
const CHECKS = 60; // 30 minutes / 30 s
const REQUESTS_PER_INTERVAL = 100 * 30;
const MIN_SAMPLES = 10; // the spec's default compare.minSamples

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}
const RUNS = argument('runs', 1000);
const SEED = argument('seed', 1);

/** mulberry32: tiny, fast, good enough for simulation; the seed makes a run repeatable. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Binomial(n, p) by inversion of the CDF: exact, O(n·p) per draw, fine for means below ~300. */
function binomial(random: () => number, n: number, p: number): number {
  if (n * p > 300) throw new Error(`binomial(${n}, ${p}): mean too large for inversion`);
  let probability = Math.pow(1 - p, n);
  let cumulative = probability;
  const u = random();
  let k = 0;
  while (u > cumulative && k < n) {
    probability *= ((n - k) / (k + 1)) * (p / (1 - p));
    k++;
    cumulative += probability;
  }
  return k;
}

interface Scenario {
  baseRate: number;
  share: number;
  ratio: number;
}

interface Outcome {
  /** Check (1-based) at which each judge first failed, or null when it never did. */
  sequential: number | null;
  zEvery: number | null;
  mwEvery: number | null;
  zAtEnd: boolean;
  mwAtEnd: boolean;
}

function zTestFails(c: { errors: number; requests: number }, b: { errors: number; requests: number }): boolean {
  const pooled = (c.errors + b.errors) / (c.requests + b.requests);
  if (pooled === 0 || pooled === 1) return false;
  const z = (c.errors / c.requests - b.errors / b.requests) / Math.sqrt(pooled * (1 - pooled) * (1 / c.requests + 1 / b.requests));
  return normalSf(z) < ALPHA;
}

const mwOptions = { direction: 'increase', tolerance: 0, alpha: ALPHA, minSamples: MIN_SAMPLES } as const;

function simulate(scenario: Scenario, random: () => number): Outcome {
  const canaryRequests = Math.round(REQUESTS_PER_INTERVAL * scenario.share);
  const baselineRequests = REQUESTS_PER_INTERVAL - canaryRequests;
  const intervals: RateInterval[] = [];
  for (let i = 0; i < CHECKS; i++) {
    intervals.push({
      canaryErrors: binomial(random, canaryRequests, scenario.baseRate * scenario.ratio),
      canaryRequests,
      baselineErrors: binomial(random, baselineRequests, scenario.baseRate),
      baselineRequests,
    });
  }
  // Stateless over the series: one call on all intervals reports where the test first crossed,
  // which is exactly the check at which asking after every interval would have failed.
  const sequential = sequentialRateTest(intervals, { alpha: ALPHA, direction: 'increase', tolerance: 0 });
  const crossedAt = sequential.details?.crossedAt as number | null;

  const canary = { errors: 0, requests: 0 };
  const baseline = { errors: 0, requests: 0 };
  const canaryRatios: number[] = [];
  const baselineRatios: number[] = [];
  let zEvery: number | null = null;
  let mwEvery: number | null = null;
  let zAtEnd = false;
  let mwAtEnd = false;
  for (let check = 1; check <= CHECKS; check++) {
    const interval = intervals[check - 1]!;
    canary.errors += interval.canaryErrors;
    canary.requests += interval.canaryRequests;
    baseline.errors += interval.baselineErrors;
    baseline.requests += interval.baselineRequests;
    canaryRatios.push(interval.canaryErrors / interval.canaryRequests);
    baselineRatios.push(interval.baselineErrors / interval.baselineRequests);
    const last = check === CHECKS;
    if (zEvery === null || last) {
      const fails = zTestFails(canary, baseline);
      if (fails && zEvery === null) zEvery = check;
      if (last) zAtEnd = fails;
    }
    if (check >= MIN_SAMPLES && (mwEvery === null || last)) {
      const fails = judgeMannWhitney(canaryRatios, baselineRatios, mwOptions).verdict === 'fail';
      if (fails && mwEvery === null) mwEvery = check;
      if (last) mwAtEnd = fails;
    }
  }
  return { sequential: crossedAt === null ? null : crossedAt + 1, zEvery, mwEvery, zAtEnd, mwAtEnd };
}

function runScenario(scenario: Scenario, seed: number): Outcome[] {
  const random = prng(seed);
  return Array.from({ length: RUNS }, () => simulate(scenario, random));
}

function rate(count: number): string {
  return `${(count / RUNS).toFixed(3)} (${count}/${RUNS})`;
}

function medianCheck(checks: Array<number | null>): string {
  const hits = checks.filter((c): c is number => c !== null).sort((a, b) => a - b);
  if (hits.length === 0) return '—';
  const mid = hits.length >> 1;
  return String(hits.length % 2 ? hits[mid]! : (hits[mid - 1]! + hits[mid]!) / 2);
}

const fired = (checks: Array<number | null>) => checks.filter((c) => c !== null).length;
const pct = (x: number) => `${Number((100 * x).toPrecision(2))}%`;

const started = performance.now();
const baseRates = [0.005, 0.02];
const shares = [0.05, 0.25];
const ratios = [1.5, 2, 5];
let scenarioSeed = SEED * 1_000_003;

console.log(`# Judges on simulated canaries (runs=${RUNS} per row, seed=${SEED})\n`);
console.log(`${CHECKS} checks, one every 30 s (30-minute bake), 100 rps in all, alpha ${ALPHA}, direction increase, tolerance 0.\n`);
console.log('## A/A: false rollback rate (canary as good as baseline)\n');
console.log(
  '| base error rate | canary share | sequential, every check | z-test, every check | Mann-Whitney, every check | z-test, once at 30 min | Mann-Whitney, once at 30 min |',
);
console.log('|---|---|---|---|---|---|---|');
const aaRates: Record<string, number[]> = { sequential: [], zEvery: [], mwEvery: [] };
for (const baseRate of baseRates) {
  for (const share of shares) {
    const outcomes = runScenario({ baseRate, share, ratio: 1 }, ++scenarioSeed);
    const sequential = fired(outcomes.map((o) => o.sequential));
    const zEvery = fired(outcomes.map((o) => o.zEvery));
    const mwEvery = fired(outcomes.map((o) => o.mwEvery));
    aaRates.sequential!.push(sequential / RUNS);
    aaRates.zEvery!.push(zEvery / RUNS);
    aaRates.mwEvery!.push(mwEvery / RUNS);
    const zEnd = outcomes.filter((o) => o.zAtEnd).length;
    const mwEnd = outcomes.filter((o) => o.mwAtEnd).length;
    console.log(
      `| ${pct(baseRate)} | ${pct(share)} | ${rate(sequential)} | ${rate(zEvery)} | ${rate(mwEvery)} | ${rate(zEnd)} | ${rate(mwEnd)} |`,
    );
  }
}

console.log('\n## Regressions: detection rate within the bake, and median checks until the rollback\n');
console.log(
  "The naive tests' detection rates include their false alarms (see the A/A table); Mann-Whitney cannot judge before minSamples = 10 checks.\n",
);
console.log(
  '| base error rate | canary share | regression | sequential: detected | sequential: median checks | z-test every check: detected | z-test: median checks | Mann-Whitney every check: detected | Mann-Whitney: median checks |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
const goal: Record<string, number> = {};
for (const baseRate of baseRates) {
  for (const share of shares) {
    for (const ratio of ratios) {
      const outcomes = runScenario({ baseRate, share, ratio }, ++scenarioSeed);
      const seq = outcomes.map((o) => o.sequential);
      const z = outcomes.map((o) => o.zEvery);
      const mw = outcomes.map((o) => o.mwEvery);
      if (share === 0.25 && ratio === 2) goal[pct(baseRate)] = fired(seq) / RUNS;
      console.log(
        `| ${pct(baseRate)} | ${pct(share)} | ${ratio}× | ${rate(fired(seq))} | ${medianCheck(seq)} | ${rate(fired(z))} | ${medianCheck(z)} | ${rate(fired(mw))} | ${medianCheck(mw)} |`,
      );
    }
  }
}

const worst = (values: number[]) => Math.max(...values).toFixed(3);
console.log('\n## Goals\n');
console.log('| figure | value | naive peer |');
console.log('|---|---|---|');
console.log(
  `| worst A/A false rollback rate, sequential (goal ≤ 0.05) | ${worst(aaRates.sequential!)} | z-test every check ${worst(aaRates.zEvery!)}, Mann-Whitney every check ${worst(aaRates.mwEvery!)} |`,
);
for (const [base, detected] of Object.entries(goal)) {
  console.log(`| 2× regression at 25% share, base ${base}: detected by sequential (goal ≥ 0.95) | ${detected.toFixed(3)} | — |`);
}
console.log(`\nFinished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
