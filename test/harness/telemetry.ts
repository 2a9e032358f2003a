// Simulated error telemetry of a canary and its baseline, interval by interval, with the ways real
// counts stray from textbook Poisson: a rate that wanders (shared by both arms, or per arm:
// negative-binomial counts), retry clusters, incidents, cold starts, traffic ramps. Seeded, so the
// property tests and bench/judges.ts draw the same series on every run.
import type { RateInterval } from '../../src/gates/judge/sequential.js';

export type Random = () => number;

/** mulberry32: tiny, fast, good enough for simulation; the seed makes a run repeatable. */
export function prng(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(random: Random): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Gamma(shape, scale 1/shape): mean 1, coefficient of variation 1/√shape (Marsaglia-Tsang). */
export function gammaMeanOne(random: Random, shape: number): number {
  if (shape < 1) return gammaMeanOne(random, shape + 1) * Math.pow(random(), 1 / shape) * ((shape + 1) / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(random);
    const v = Math.pow(1 + c * x, 3);
    if (v <= 0) continue;
    const u = random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return (d * v) / shape;
  }
}

/** Poisson(mean): inversion for small means, Hörmann's PTRS (exact) for large ones. */
export function poisson(random: Random, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean < 30) {
    let k = 0;
    let probability = Math.exp(-mean);
    let cumulative = probability;
    const u = random();
    while (u > cumulative && k < 1000) {
      k++;
      probability *= mean / k;
      cumulative += probability;
    }
    return k;
  }
  const slam = Math.sqrt(mean);
  const logLam = Math.log(mean);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    const lhs = Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b);
    if (lhs <= -mean + k * logLam - logFactorial(k)) return k;
  }
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  // Stirling with two correction terms: ample for k ≥ 2 here.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k);
}

/** How one simulated rollout's traffic and errors behave. Rates are per request. */
export interface TelemetryModel {
  /** Checks (= intervals) in the rollout. */
  intervals: number;
  /** Seconds per interval. */
  seconds: number;
  /** Requests per second, both arms together (may vary with the interval: a ramp). */
  rps: number | ((interval: number) => number);
  /** Canary share of the requests in each interval (a stage schedule). */
  share: number | ((interval: number) => number);
  /** Baseline error rate per request. */
  baseRate: number;
  /** Canary error rate = ratio × baseline rate (1 for A/A). */
  ratio: number;
  /** Rate wander shared by both arms: coefficient of variation of a gamma multiplier per interval. */
  sharedCv?: number;
  /** Rate wander of each arm on its own (negative-binomial counts): CV of a gamma multiplier per arm. */
  armCv?: number;
  /** Errors per failing call: a uniform draw from this list (retries: [2, 3]). Default [1]. */
  cluster?: readonly number[];
  /** Extra multiplier of both arms' rate in some intervals, and how much harder the canary is hit then. */
  incident?: { from: number; to: number; factor: number; canaryExtra: number };
  /** Canary rate × factor in the first `intervals` of each stage (cold caches after a weight change). */
  coldStart?: { intervals: number; factor: number; stageStarts: number[] };
}

function at<T>(value: T | ((i: number) => T), i: number): T {
  return typeof value === 'function' ? (value as (i: number) => T)(i) : value;
}

/** One rollout's per-interval counts (and the warm-up flags of cold starts are left to the judge). */
export function simulateRollout(model: TelemetryModel, random: Random): RateInterval[] {
  const out: RateInterval[] = [];
  const clusters = model.cluster ?? [1];
  const meanCluster = clusters.reduce((a, b) => a + b, 0) / clusters.length;
  // Below a 1 % CV the wander is negligible (and a huge shape would only slow the sampler down).
  const shape = (cv: number | undefined) => (cv && cv >= 0.01 ? 1 / (cv * cv) : 0);
  const sharedShape = shape(model.sharedCv);
  const armShape = shape(model.armCv);
  for (let i = 0; i < model.intervals; i++) {
    const total = at(model.rps, i) * model.seconds;
    const share = at(model.share, i);
    const shared = sharedShape ? gammaMeanOne(random, sharedShape) : 1;
    const incident = model.incident && i >= model.incident.from && i < model.incident.to ? model.incident : undefined;
    const cold =
      model.coldStart && model.coldStart.stageStarts.some((s) => i >= s && i < s + model.coldStart!.intervals) ? model.coldStart.factor : 1;
    const arm = (requests: number, rate: number) => {
      const wander = armShape ? gammaMeanOne(random, armShape) : 1;
      // A failing call errs K times in all (its retries fail too): errors come in clusters, each a request.
      const failingCalls = poisson(random, (requests * Math.min(1, rate * shared * wander)) / meanCluster);
      let errors = 0;
      for (let c = 0; c < failingCalls; c++) errors += clusters[Math.floor(random() * clusters.length)]!;
      return { errors: Math.min(errors, requests), requests };
    };
    const canaryRequests = poisson(random, total * share);
    const baselineRequests = poisson(random, total * (1 - share));
    const incidentFactor = incident ? incident.factor : 1;
    const c = arm(canaryRequests, model.baseRate * model.ratio * incidentFactor * (incident ? 1 + incident.canaryExtra : 1) * cold);
    const b = arm(baselineRequests, model.baseRate * incidentFactor);
    out.push({ canaryErrors: c.errors, canaryRequests: c.requests, baselineErrors: b.errors, baselineRequests: b.requests });
  }
  return out;
}
