// What a comparison judge is: it takes the canary's and the baseline's samples of one check and
// says pass, fail or inconclusive, with the figures behind it. A new judge is one file exporting a
// `Judge` plus one line in ./registry.ts; metric gates (src/gates/metric-gate.ts) do the rest.
import type { Verdict } from '../../ports.js';

/** What a judge concluded about canary vs baseline, with the numbers behind it. */
export interface JudgeResult {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** One line a human reads first. */
  summary: string;
  /** p-value of the test behind the verdict (always-valid p for the sequential judge). */
  p?: number;
  /** Test statistic (Mann-Whitney U of the canary sample). */
  statistic?: number;
  /** Estimated change: Hodges-Lehmann shift (canary − baseline), or the canary/baseline rate ratio. */
  estimate?: number;
  /** Confidence interval of the estimate, when the judge gives one. */
  low?: number;
  high?: number;
  details?: Record<string, unknown>;
}

/** Which change is a regression. */
export type Direction = 'increase' | 'decrease' | 'either';

/** One value of a series; `at` is milliseconds since the epoch. */
export interface Point {
  at: number;
  value: number;
}

/** When a stage's weight came into force: its 1-based number and the time (ms since the epoch). */
export interface StageStart {
  stage: number;
  at: number;
}

export interface JudgeInput {
  /** Points of the check's window, finite values only: samples, or error counts per step. */
  canary: Point[];
  baseline: Point[];
  /** Requests per step (judges with `counts: true` only, from the gate's `compare.requests`). */
  canaryRequests?: Point[];
  baselineRequests?: Point[];
  direction: Direction;
  /** Change tolerated before it counts as a regression, as a fraction (0.1 for "10%"). */
  tolerance: number;
  alpha: number;
  minSamples: number;
  minRequests: number;
  /** Smallest absolute difference worth a rollback, in the metric's units (0: any beyond tolerance). */
  minDifference: number;
  /** When each stage so far began, oldest first; points within `warmupMs` after a start are a warm-up. */
  stages: StageStart[];
  /** A fresh canary's measurements this long after its stage starts are shown but not judged. */
  warmupMs: number;
  /** This is the last check of the stage's bake (the driver says so): a judge may take its final look. */
  bakeOver: boolean;
}

export type JudgeOutcome =
  /** Too little data to judge: the gate's `noData` verdict applies. */
  | { noData: string; details: Record<string, unknown> }
  | {
      verdict: Exclude<Verdict, 'error'>;
      summary: string;
      /** The figure a reviewer reads first (the estimated change, or the p-value). */
      value: number | null;
      canary: number | null;
      baseline: number | null;
      details: Record<string, unknown>;
    };

export interface Judge {
  /** true: canary and baseline count errors per step, and `compare.requests` counts all requests. */
  readonly counts: boolean;
  /**
   * Which points the gate hands over: 'rollout', every step since the rollout began (a judge whose
   * alpha holds over the whole rollout, spent once); 'stage', since the current stage began (or
   * over `compare.window`).
   */
  readonly span: 'rollout' | 'stage';
  judge(input: JudgeInput): JudgeOutcome;
}

/** The stage a point at `at` belongs to, and whether it falls in that stage's warm-up. */
export function stageOf(at: number, stages: StageStart[], warmupMs: number): { stage: number; warmup: boolean } | undefined {
  let start: StageStart | undefined;
  for (const s of stages) if (s.at < at) start = s;
  return start && { stage: start.stage, warmup: at - start.at <= warmupMs };
}

/** The figures of a statistical result worth keeping in the evidence. */
export function judgeFigures(result: JudgeResult): Record<string, unknown> {
  const figures: Record<string, unknown> = { ...result.details };
  for (const key of ['p', 'statistic', 'estimate', 'low', 'high'] as const) if (result[key] !== undefined) figures[key] = result[key];
  return figures;
}

/** A verdict with its figures: the usual shape of a judge's answer. */
export function judged(
  result: JudgeResult,
  canary: number | null,
  baseline: number | null,
  details: Record<string, unknown>,
): JudgeOutcome {
  return {
    verdict: result.verdict,
    summary: result.summary,
    value: result.estimate ?? result.p ?? null,
    canary,
    baseline,
    details: { ...details, ...judgeFigures(result) },
  };
}
