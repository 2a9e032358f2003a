// How often each judge rolls back a healthy canary, and how fast it catches a real error-rate
// regression, on production-like telemetry. Simulated, seeded, bounded.
//
//   npx tsx bench/judges.ts [--runs 200] [--aa-runs 1000] [--seed 1] [--only name,name]
//                           [--shares 5,25] [--ratios 1.5] [--aa-only | --no-aa]
//
// --only, --shares (percent) and --ratios pick rows; each row draws from its own seed (the seed,
// the scenario, the share and the ratio), so a picked row shows the same rollouts as in the full
// table, and `--runs 1000` extends them. Rows take about 2 ms per rollout (the 2-hour one 20 ms).
// All judges of a row judge the same rollouts (paired): the regression table counts the rollouts
// only the sequential judge caught and those only the fixed-horizon test caught.
//
// Every scenario is a rollout checked at every interval (default: every 30 s for 30 minutes, 100
// rps in all, base error rate 1 %), drawn by test/harness/telemetry.ts. Judges, each stopped at its
// first `fail` (= a rollback):
//   sequential   sequentialRateTest over every interval since the rollout began, as the gate runs
//                it: tolerance 10 %, alpha 0.05, the first interval of each stage a warm-up
//   naive        a one-sided two-proportion z-test on the cumulative counts, asked at every check
//                at alpha 0.05 (the repeated fixed-horizon test of Netflix KDD 2022)
//   fixed        Kayenta-style: Mann-Whitney on the per-interval error rates at 98 % (alpha 0.02),
//                same tolerance, asked once at the end of each stage's bake (fixed horizon)
//   threshold    Argo-style: the canary's error rate over the last interval against a fixed bound
//                (2 %: twice the base rate), every interval, rolled back at the 3rd failed
//                measurement (failureLimit 2); no baseline, no minimum sample
import { judgeMannWhitney } from '../src/gates/judge/mann-whitney.js';
import { normalSf } from '../src/gates/judge/normal.js';
import type { RateInterval } from '../src/gates/judge/sequential.js';
import { prng } from '../test/harness/telemetry.js';
import { ALPHA, drawRollout, SCENARIOS, sequentialRollback, TOLERANCE, type Scenario } from '../test/harness/judge-scenarios.js';

const FIXED_ALPHA = 0.02;
const ARGO_THRESHOLD = 0.02;
const ARGO_FAILURE_LIMIT = 2;

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} needs a positive integer`);
  return value;
}
const RUNS = argument('runs', 200);
// A/A rows carry the claim (alpha): more rollouts, so that their 95 % interval is narrow enough to show it.
const AA_RUNS = argument('aa-runs', 5 * RUNS);
const SEED = argument('seed', 1);
function list(name: string): string[] | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : undefined;
}
function numbers(name: string): number[] | undefined {
  const values = list(name)?.map(Number);
  if (values?.some((v) => !(Number.isFinite(v) && v > 0))) throw new Error(`--${name} needs positive numbers, comma-separated`);
  return values;
}
const ONLY = list('only');
const unknown = ONLY?.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown?.length) throw new Error(`--only: no scenario ${unknown.join(', ')} (there are ${SCENARIOS.map((s) => s.name).join(', ')})`);
const SHARES = numbers('shares')?.map((percent) => percent / 100);
const RATIOS = numbers('ratios') ?? [1.5, 2];
const AA = !process.argv.includes('--no-aa');
const REGRESSIONS = !process.argv.includes('--aa-only');

interface Outcome {
  sequential: number | null;
  naive: number | null;
  fixed: number | null;
  threshold: number | null;
}

function zFails(c: { errors: number; requests: number }, b: { errors: number; requests: number }): boolean {
  if (c.requests === 0 || b.requests === 0) return false;
  const pooled = (c.errors + b.errors) / (c.requests + b.requests);
  if (pooled === 0 || pooled === 1) return false;
  const z =
    (c.errors / c.requests - (1 + TOLERANCE) * (b.errors / b.requests)) /
    Math.sqrt(pooled * (1 - pooled) * (1 / c.requests + 1 / b.requests));
  return normalSf(z) < ALPHA;
}

function judge(intervals: RateInterval[], stageStarts: number[]): Outcome {
  let naive: number | null = null;
  let fixed: number | null = null;
  let threshold: number | null = null;
  let thresholdFailures = 0;
  const c = { errors: 0, requests: 0 };
  const b = { errors: 0, requests: 0 };
  const stageEnds = new Set([...stageStarts.slice(1).map((s) => s - 1), intervals.length - 1]);
  let canaryRates: number[] = [];
  let baselineRates: number[] = [];
  intervals.forEach((i, k) => {
    c.errors += i.canaryErrors;
    c.requests += i.canaryRequests;
    b.errors += i.baselineErrors;
    b.requests += i.baselineRequests;
    if (naive === null && zFails(c, b)) naive = k + 1;
    // An interval without canary requests is no data (Argo's inconclusive), not a failure.
    if (i.canaryRequests > 0 && !(i.canaryErrors / i.canaryRequests < ARGO_THRESHOLD)) thresholdFailures++;
    if (threshold === null && thresholdFailures > ARGO_FAILURE_LIMIT) threshold = k + 1;
    if (stageStarts.includes(k)) {
      canaryRates = [];
      baselineRates = [];
    }
    if (i.canaryRequests > 0) canaryRates.push(i.canaryErrors / i.canaryRequests);
    if (i.baselineRequests > 0) baselineRates.push(i.baselineErrors / i.baselineRequests);
    if (fixed === null && stageEnds.has(k) && canaryRates.length >= 3 && baselineRates.length >= 3) {
      const mw = judgeMannWhitney(canaryRates, baselineRates, {
        direction: 'increase',
        tolerance: TOLERANCE,
        alpha: FIXED_ALPHA,
        minSamples: 3,
      });
      if (mw.verdict === 'fail') fixed = k + 1;
    }
  });
  return { sequential: sequentialRollback(intervals, stageStarts), naive, fixed, threshold };
}

/** The seed of one row: the same rollouts whichever rows run beside it (FNV-1a of what names the row). */
function rowSeed(...parts: Array<string | number>): number {
  let hash = 0x811c9dc5;
  for (const char of [SEED, ...parts].join('|')) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

/** Rollouts of one row; long scenarios run fewer regression rows, never fewer A/A ones (alpha is the claim). */
function run(scenario: Scenario, share: number, ratio: number, kind: string, aa = false): Outcome[] {
  const random = prng(rowSeed(scenario.name, kind, share, ratio));
  const runs = aa ? AA_RUNS : Math.max(50, Math.round(RUNS * (scenario.runFactor ?? 1)));
  return Array.from({ length: runs }, () => judge(drawRollout(scenario, share, ratio, random), scenario.stageStarts ?? [0]));
}

/** Wilson score interval for k successes in n at 95 %. */
function wilson(k: number, n: number): [number, number] {
  const z = 1.959964;
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const fired = (checks: Array<number | null>) => checks.filter((c): c is number => c !== null);
function rateWithInterval(checks: Array<number | null>): string {
  const k = fired(checks).length;
  const [low, high] = wilson(k, checks.length);
  return `${(k / checks.length).toFixed(3)} [${low.toFixed(3)}, ${high.toFixed(3)}]`;
}
const rate = (checks: Array<number | null>) => (fired(checks).length / checks.length).toFixed(3);
function medianCheck(checks: Array<number | null>): string {
  const hits = fired(checks).sort((a, b) => a - b);
  if (hits.length === 0) return '—';
  const mid = hits.length >> 1;
  return String(hits.length % 2 ? hits[mid]! : (hits[mid - 1]! + hits[mid]!) / 2);
}

const started = performance.now();
const chosen = SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.name));
console.log(`# Judges on production-like telemetry (${AA_RUNS} runs per A/A row, ${RUNS} per regression row, seed=${SEED})\n`);
console.log(
  `Checks every interval; alpha ${ALPHA}, tolerance ${100 * TOLERANCE} %, direction increase. sequential: the gate's judge; naive: z-test at every check; fixed: Kayenta-style Mann-Whitney at 98 % once per stage, at the end of its bake; threshold: Argo-style, canary error rate < ${100 * ARGO_THRESHOLD} % per interval, failureLimit ${ARGO_FAILURE_LIMIT}.\n`,
);
const aaWorst: string[] = [];
const aaRefused: string[] = [];
if (AA) {
  console.log('## A/A: false rollback rate (canary as good as baseline), with its 95 % interval\n');
  console.log(
    'The edge column puts the canary exactly at the tolerated ratio (×1.1; the incident-unequal canary is already 10 % worse during the incident): the hardest healthy canary.\n',
  );
  console.log('| scenario | share | sequential | sequential at the edge | naive, every check | fixed horizon | threshold (Argo-style) |');
  console.log('|---|---|---|---|---|---|---|');
  let worst = -1;
  for (const scenario of chosen) {
    const share = 0.25;
    const outcomes = run(scenario, share, 1, 'aa', true);
    const edge = run(scenario, share, scenario.boundaryRatio ?? 1 + TOLERANCE, 'aa-edge', true).map((o) => o.sequential);
    const seq = outcomes.map((o) => o.sequential);
    const upper = Math.max(wilson(fired(seq).length, seq.length)[1], wilson(fired(edge).length, edge.length)[1]);
    // A scenario whose spec is refused when it loads shows what it would do; it is not the guarantee.
    if (scenario.refusedAtLoad) aaRefused.push(`${scenario.name} ${upper.toFixed(3)}`);
    else if (upper > worst) {
      worst = upper;
      aaWorst.splice(0, aaWorst.length, `${upper.toFixed(3)} (${scenario.name})`);
    }
    console.log(
      `| ${scenario.name}: ${scenario.what} | ${scenario.model.share ? 'by stage' : '25%'} | ${rateWithInterval(seq)} | ${rateWithInterval(edge)} | ${rate(outcomes.map((o) => o.naive))} | ${rate(outcomes.map((o) => o.fixed))} | ${rate(outcomes.map((o) => o.threshold))} |`,
    );
  }
}
const shortfalls: string[] = [];
const invalidPeer: string[] = [];
const notFaster: string[] = [];
let rows = 0;
let faster = 0;
if (REGRESSIONS) {
  console.log('\n## Regressions: detection rate, and median checks until the rollback\n');
  console.log(
    "The naive test's detection includes its false alarms (see A/A). The fixed-horizon test can only fail at the end of a stage; " +
      `its false alarms at this share, with the canary at the tolerated edge (${AA_RUNS} rollouts), are in the last column (its alpha is ${FIXED_ALPHA}: above it, its detections include false alarms). ` +
      'Every judge of a row judges the same rollouts: "paired" counts those only the sequential judge caught / only the fixed-horizon test caught.\n',
  );
  console.log(
    '| scenario | share | regression | sequential | checks | naive | checks | fixed horizon | checks | paired: only sequential / only fixed | threshold | checks | fixed horizon at the edge |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const scenario of chosen) {
    // A scenario with its own schedule (no shares) has one row per ratio; --shares leaves it out.
    const own = scenario.shares?.length === 0;
    const picked = (share: number) => !SHARES || SHARES.some((s) => Math.abs(s - share) < 1e-9);
    const shares: Array<number | undefined> = own ? (SHARES ? [] : [undefined]) : (scenario.shares ?? [0.01, 0.05, 0.25]).filter(picked);
    for (const share of shares) {
      // The peer's own false alarms at this share: a test above its alpha is no yardstick of power.
      // A claim about alpha, so as many rollouts as an A/A row (200 could not tell 0.034 from 0.02).
      const peerEdge = run(scenario, share ?? 0, scenario.boundaryRatio ?? 1 + TOLERANCE, 'peer-edge', true).map((o) => o.fixed);
      const peerValid = wilson(fired(peerEdge).length, peerEdge.length)[0] <= FIXED_ALPHA;
      for (const ratio of RATIOS) {
        const outcomes = run(scenario, share ?? 0, ratio, 'regression');
        const seq = outcomes.map((o) => o.sequential);
        const naive = outcomes.map((o) => o.naive);
        const fixed = outcomes.map((o) => o.fixed);
        const argo = outcomes.map((o) => o.threshold);
        const label = share === undefined ? 'by stage' : `${100 * share}%`;
        const row = `${scenario.name} ${label} ${ratio}×`;
        const onlySequential = outcomes.filter((o) => o.sequential !== null && o.fixed === null).length;
        const onlyFixed = outcomes.filter((o) => o.fixed !== null && o.sequential === null).length;
        if (fired(seq).length < fired(fixed).length)
          (peerValid ? shortfalls : invalidPeer).push(`${row} (${onlySequential} / ${onlyFixed})`);
        rows += 1;
        const [s, f] = [medianCheck(seq), medianCheck(fixed)];
        if (fired(seq).length && (!fired(fixed).length || Number(s) < Number(f))) faster += 1;
        else if (!fired(seq).length) notFaster.push(`${row} (${fired(fixed).length ? 'sequential never fires' : 'neither fires'})`);
        else notFaster.push(`${row} (median check ${s} vs ${f}${peerValid ? '' : ', the fixed horizon above its alpha'})`);
        console.log(
          `| ${scenario.name} | ${label} | ${ratio}× | ${rateWithInterval(seq)} | ${s} | ${rate(naive)} | ${medianCheck(naive)} | ${rateWithInterval(fixed)} | ${f} | ${onlySequential} / ${onlyFixed} | ${rate(argo)} | ${medianCheck(argo)} | ${rate(peerEdge)}${peerValid ? '' : ' (above its alpha)'} |`,
        );
      }
    }
  }
}
console.log('\n## Goals\n');
if (AA) {
  console.log(`- worst upper end of the A/A 95 % interval, sequential (goal ≤ ${ALPHA}): ${aaWorst.join('') || 'no row'}`);
  if (aaRefused.length) console.log(`- the same for specs refused at load (fed anyway): ${aaRefused.join('; ')}`);
}
if (REGRESSIONS) {
  console.log(
    `- regression rows where sequential detects less often than a fixed-horizon test that holds its alpha (paired: only sequential / only fixed): ${shortfalls.length ? shortfalls.join('; ') : 'none'}`,
  );
  console.log(
    `- regression rows where it detects less often than a fixed-horizon test whose false alarms at the edge are above its alpha (the lower end of their 95 % interval > ${FIXED_ALPHA}): ${invalidPeer.length ? invalidPeer.join('; ') : 'none'}`,
  );
  console.log(`- regression rows where sequential rolls back after fewer median checks than the fixed-horizon test: ${faster} of ${rows}`);
  if (notFaster.length) console.log(`- the others: ${notFaster.join('; ')}`);
}
console.log(`\nFinished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
