// What the metric sources (prometheus, datadog, newrelic, cloudwatch) share: the spec fields of a
// metric gate, and the gate built on a source's instant and range queries. Threshold mode holds one
// number against a threshold; compare mode takes canary and baseline samples since the stage began
// (or over `window`) and hands them to the judge `compare.judge` names.
import { BodyTooLargeError } from '../util/body.js';
import { z } from 'zod';
import type { Gate, MeasureContext, Measurement, Verdict } from '../ports.js';
import { duration } from '../config/common.js';
import { compare, gatePolicy, threshold } from './fields.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { nonFiniteVerdict, parseThreshold, thresholdVerdict, type Threshold } from './judge/threshold.js';
import type { Point, StageStart } from './judge/judge.js';
import { JUDGES } from './judge/registry.js';
import { renderTemplate, TEMPLATE_VARIABLES, unknownVariables } from './template.js';
import type { QueryLanguage } from './query-escape.js';

export type { Point } from './judge/judge.js';

/** The part of a metric gate that differs between sources: how a query is run and linked to. */
export interface MetricSource {
  /** Names the source in messages, e.g. "Prometheus". */
  readonly label: string;
  /** The query language, so template values are escaped for it. */
  readonly language: QueryLanguage;
  // Queries come rendered; `context` is there for sources with templates outside the query text.
  /** The query's value at `at`, or null when it has no data. Throws when the source cannot answer. */
  instant(query: string, at: number, signal: AbortSignal, context: TemplateContext): Promise<number | null>;
  /** The query's points in [start, end], one every stepMs (sources with their own rollup may differ). */
  range(query: string, start: number, end: number, stepMs: number, signal: AbortSignal, context: TemplateContext): Promise<Point[]>;
  /**
   * Counts of a count query in each step (t − stepMs, t] for t in [start, end], each event counted
   * once; a step where the query has no series yet is absent. Sources whose range points are
   * already per-step counts leave it out (range is used). Prometheus reads raw counters here.
   */
  counts?(query: string, start: number, end: number, stepMs: number, signal: AbortSignal, context: TemplateContext): Promise<Point[]>;
  /** Where a person sees the queries over [start, end] in the source's own UI. */
  link(queries: string[], start: number, end: number, context: TemplateContext): string | undefined;
}

/** What query templates are rendered with. */
export type TemplateContext = Omit<MeasureContext, 'at' | 'signal' | 'stageStartedAt' | 'stageStarts' | 'lastCheck'>;

/** `compare` with what metric sources add: counts for the sequential judge, the window and the sample step. */
export const metricCompare = compare.extend({
  requests: z
    .strictObject({
      canary: z.string().min(1).describe('Requests of the canary in each step.'),
      baseline: z.string().min(1).describe('Requests of the baseline in each step.'),
    })
    .optional()
    .describe('With judge: sequential, canary and baseline count the errors in each step and these count all requests.'),
  minRequests: z
    .int()
    .min(1)
    .default(100)
    .describe('With judge: sequential, fewer requests on either side is no data (unless the test already failed).'),
  window: duration
    .optional()
    .describe('With judge: mann-whitney, samples from this long before each check (default: since the stage began).'),
  step: duration.optional().describe("Time between two samples (default: the gate's interval)."),
  warmup: duration
    .optional()
    .describe("After each stage starts, measurements this long are shown but not judged (default: the gate's interval)."),
  minDifference: z
    .number()
    .min(0)
    .optional()
    .describe("Smallest absolute difference worth a rollback, in the metric's units (error rate 0.001 = 0.1 points; seconds)."),
});

/** Spec fields of every metric gate; a provider file adds its connection fields. */
export const metricGateFields = {
  query: z.string().min(1).optional().describe('Query giving one number, held against threshold.'),
  threshold: threshold.optional(),
  compare: metricCompare.optional(),
  ...gatePolicy,
};

export interface MetricGateSpec {
  query?: string | undefined;
  threshold?: string | undefined;
  compare?: z.output<typeof metricCompare> | undefined;
  interval: string;
  noData: 'fail' | 'inconclusive' | 'pass';
}

/** The checks every metric gate's schema runs (pass it to superRefine). */
export function refineMetricGate(gate: MetricGateSpec, ctx: z.RefinementCtx): void {
  if (!gate.query && !gate.compare) ctx.addIssue({ code: 'custom', message: 'needs either query with threshold, or compare' });
  else if (gate.query && gate.compare)
    ctx.addIssue({ code: 'custom', path: ['compare'], message: 'use either query with threshold, or compare, not both' });
  else if (gate.query && !gate.threshold) ctx.addIssue({ code: 'custom', path: ['query'], message: 'a query needs a threshold' });
  else if (gate.compare && gate.threshold)
    ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'compare is judged by compare.judge; threshold belongs to query' });
  const counts = gate.compare ? JUDGES[gate.compare.judge].counts : false;
  if (gate.compare && counts && !gate.compare.requests) {
    ctx.addIssue({
      code: 'custom',
      path: ['compare', 'requests'],
      message: `judge: ${gate.compare.judge} needs requests: { canary, baseline } (canary and baseline then count errors)`,
    });
  }
  if (gate.compare && !counts && gate.compare.requests) {
    ctx.addIssue({
      code: 'custom',
      path: ['compare', 'requests'],
      message: `requests is for judges that count errors (${countingJudges()}); ${gate.compare.judge} compares the samples of canary and baseline`,
    });
  }
  if (gate.compare && JUDGES[gate.compare.judge].span === 'rollout' && gate.compare.window) {
    ctx.addIssue({
      code: 'custom',
      path: ['compare', 'window'],
      message: `judge: ${gate.compare.judge} keeps every step since the rollout began (its alpha holds over the whole rollout); window is for ${stageJudges()}`,
    });
  }
  const templates: Array<[string, (string | number)[]]> = [];
  if (gate.query) templates.push([gate.query, ['query']]);
  if (gate.compare) {
    templates.push([gate.compare.canary, ['compare', 'canary']], [gate.compare.baseline, ['compare', 'baseline']]);
    if (gate.compare.requests)
      templates.push(
        [gate.compare.requests.canary, ['compare', 'requests', 'canary']],
        [gate.compare.requests.baseline, ['compare', 'requests', 'baseline']],
      );
  }
  for (const [template, path] of templates) {
    for (const name of unknownVariables(template)) {
      ctx.addIssue({
        code: 'custom',
        path,
        message: `unknown template variable {{${name}}} (known: ${TEMPLATE_VARIABLES.join(', ')})`,
      });
    }
  }
}

const countingJudges = () =>
  Object.entries(JUDGES)
    .filter(([, judge]) => judge.counts)
    .map(([name]) => name)
    .join(', ');

const stageJudges = () =>
  Object.entries(JUDGES)
    .filter(([, judge]) => judge.span === 'stage')
    .map(([name]) => name)
    .join(', ');

/** What a gate would have said at one past check time. */
export interface ReplayedCheck {
  at: number;
  verdict: Verdict;
  evidence: Measurement['evidence'];
}

/** A gate that can also replay a past window with range queries (`rollgate backtest`). */
export interface ReplayableGate extends Gate {
  /** Verdicts at from + step, from + 2·step, … ≤ to, as if a stage had begun at `from`. */
  replay(context: TemplateContext, from: number, to: number, stepMs: number, signal?: AbortSignal): Promise<ReplayedCheck[]>;
}

export function isReplayable(gate: Gate): gate is ReplayableGate {
  return typeof (gate as Partial<ReplayableGate>).replay === 'function';
}

type Result = Omit<Measurement, 'gate' | 'at'>;
type Series = { canary: Point[]; baseline: Point[]; canaryRequests?: Point[]; baselineRequests?: Point[] };

const TIME_LIMIT_MS = 30_000;

export function createMetricGate(name: string, provider: string, spec: MetricGateSpec, source: MetricSource): ReplayableGate {
  const limit = spec.threshold ? (parseThreshold(spec.threshold) as Threshold) : undefined;
  const intervalMs = parseDuration(spec.interval) ?? 30_000;
  const comparison = spec.compare;
  const stepMs = comparison?.step ? (parseDuration(comparison.step) ?? intervalMs) : intervalMs;
  const windowMs = comparison?.window ? parseDuration(comparison.window) : undefined;
  const warmupMs = comparison?.warmup ? (parseDuration(comparison.warmup) ?? intervalMs) : intervalMs;
  const judge = comparison ? JUDGES[comparison.judge] : undefined;
  const failure = (query: string, error: unknown): Result => ({
    verdict: 'error',
    evidence: { query, summary: `${source.label}: ${(error as Error).message}` },
  });

  const thresholdResult = (query: string, value: number | null, link: string | undefined): Result => {
    const held = limit!;
    if (value === null || Number.isNaN(value)) {
      return {
        verdict: spec.noData,
        evidence: { query, value: null, threshold: held.text, summary: `no data (noData: ${spec.noData})`, ...(link ? { link } : {}) },
      };
    }
    // ±Inf (Prometheus spells it out) and 1e999 are no measurement either, and never a pass, whatever noData says.
    if (!Number.isFinite(value)) {
      const verdict = nonFiniteVerdict(spec.noData);
      return {
        verdict,
        evidence: {
          query,
          value: null,
          threshold: held.text,
          summary: `${value} is not a finite number: no data (${verdict})`,
          ...(link ? { link } : {}),
        },
      };
    }
    const { verdict, summary } = thresholdVerdict(value, held);
    return { verdict, evidence: { query, value, threshold: held.text, summary, ...(link ? { link } : {}) } };
  };

  const render = (template: string, context: TemplateContext) => renderTemplate(template, context, source.language);
  const compareQueries = (context: TemplateContext) => {
    const c = comparison!;
    return {
      canary: render(c.canary, context),
      baseline: render(c.baseline, context),
      ...(c.requests ? { canaryRequests: render(c.requests.canary, context), baselineRequests: render(c.requests.baseline, context) } : {}),
    };
  };

  const fetchSeries = async (
    queries: ReturnType<typeof compareQueries>,
    start: number,
    end: number,
    signal: AbortSignal,
    context: TemplateContext,
  ): Promise<Series> => {
    if (end < start) return { canary: [], baseline: [], ...(queries.canaryRequests ? { canaryRequests: [], baselineRequests: [] } : {}) };
    // Counts come once per step (raw counters differenced where the source has them).
    const get = (query: string) =>
      judge?.counts && source.counts
        ? source.counts(query, start, end, stepMs, signal, context)
        : source.range(query, start, end, stepMs, signal, context);
    const [canary, baseline, canaryRequests, baselineRequests] = await Promise.all([
      get(queries.canary),
      get(queries.baseline),
      queries.canaryRequests ? get(queries.canaryRequests) : undefined,
      queries.baselineRequests ? get(queries.baselineRequests) : undefined,
    ]);
    return { canary, baseline, ...(canaryRequests && baselineRequests ? { canaryRequests, baselineRequests } : {}) };
  };

  const compareResult = (
    queries: ReturnType<typeof compareQueries>,
    series: Series,
    from: number,
    to: number,
    context: TemplateContext,
    stages: StageStart[],
    lastCheck: boolean | undefined,
  ): Result => {
    const c = comparison!;
    const inWindow = (points: Point[]) => points.filter((p) => p.at > from && p.at <= to && Number.isFinite(p.value));
    const query = Object.entries(queries)
      .map(([side, text]) => `${side}: ${text}`)
      .join('\n');
    const link = source.link(Object.values(queries), from, to, context);
    const tolerance = Number(c.tolerance.slice(0, -1)) / 100;
    const threshold = `${c.judge}: ${c.direction === 'either' ? 'a change' : `an ${c.direction}`} beyond ${c.tolerance} at α ${c.alpha}`;
    const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    // Too little data before the bake's last check is a young stage, not missing data: the gate
    // waits (not counted as inconclusive). At the last check, noData decides.
    // Not told (an older caller): every check may be the last for no data, none for a final look.
    const last = lastCheck ?? true;
    const noData = (summary: string, details: Record<string, unknown>): Result => ({
      verdict: last ? spec.noData : 'waiting',
      evidence: {
        query,
        threshold,
        summary: last ? `${summary} at the bake's last check (noData: ${spec.noData})` : `waiting for data: ${summary}`,
        ...(link ? { link } : {}),
        details: { judge: c.judge, window, ...details },
      },
    });

    const outcome = judge!.judge({
      canary: inWindow(series.canary),
      baseline: inWindow(series.baseline),
      ...(series.canaryRequests && series.baselineRequests
        ? { canaryRequests: inWindow(series.canaryRequests), baselineRequests: inWindow(series.baselineRequests) }
        : {}),
      direction: c.direction,
      tolerance,
      alpha: c.alpha,
      minSamples: c.minSamples,
      minRequests: c.minRequests,
      minDifference: c.minDifference ?? 0,
      stages,
      warmupMs,
      bakeOver: lastCheck === true,
    });
    if ('noData' in outcome) return noData(outcome.noData, outcome.details);
    return {
      verdict: outcome.verdict,
      evidence: {
        query,
        value: outcome.value,
        canary: outcome.canary,
        baseline: outcome.baseline,
        threshold,
        summary: outcome.summary,
        ...(link ? { link } : {}),
        details: { judge: c.judge, window, ...outcome.details },
      },
    };
  };

  return {
    name,
    provider,
    async measure(context) {
      const timeout = AbortSignal.timeout(TIME_LIMIT_MS);
      const signal = context.signal ? AbortSignal.any([context.signal, timeout]) : timeout;
      if (!comparison) {
        let query = spec.query!;
        try {
          query = render(spec.query!, context);
          const value = await source.instant(query, context.at, signal, context);
          return thresholdResult(
            query,
            value,
            source.link([query], context.at - Math.max(intervalMs * 20, 3_600_000), context.at, context),
          );
        } catch (error) {
          return failure(query, error);
        }
      }
      let queries: ReturnType<typeof compareQueries>;
      try {
        queries = compareQueries(context);
      } catch (error) {
        return failure(comparison.canary, error);
      }
      const stages =
        context.stageStarts ?? (context.stageStartedAt !== undefined ? [{ stage: context.stage, at: context.stageStartedAt }] : []);
      // A rollout-span judge: since the rollout began. A stage-span one: since the stage began,
      // unless a window is set. Without either, just enough steps for minSamples.
      const fallback = context.at - comparison.minSamples * stepMs;
      const from =
        judge!.span === 'rollout'
          ? (stages[0]?.at ?? fallback)
          : windowMs !== undefined
            ? context.at - windowMs
            : (context.stageStartedAt ?? fallback);
      try {
        const series = await fetchSeries(queries, from + stepMs, context.at, signal, context);
        return compareResult(queries, series, from, context.at, context, stages, context.lastCheck);
      } catch (error) {
        return failure(Object.values(queries).join('\n'), error);
      }
    },
    async replay(context, from, to, checkStepMs, outer) {
      const timeout = AbortSignal.timeout(TIME_LIMIT_MS);
      const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
      const checks: number[] = [];
      for (let at = from + checkStepMs; at <= to; at += checkStepMs) checks.push(at);
      if (!comparison) {
        const query = render(spec.query!, context);
        const points = await source.range(query, from + checkStepMs, to, checkStepMs, signal, context);
        // A check sees the latest point of the step before it (sources with their own rollup are not aligned).
        return checks.map((at) => {
          const seen = points.filter((p) => p.at <= at && p.at > at - checkStepMs);
          const value = seen.length ? seen[seen.length - 1]!.value : null;
          return { at, ...thresholdResult(query, value, source.link([query], from, at, context)) };
        });
      }
      const queries = compareQueries(context);
      const series = await fetchSeries(queries, from + stepMs, to, signal, context);
      return checks.map((at, i) => ({
        at,
        ...compareResult(
          queries,
          series,
          windowMs !== undefined ? Math.max(from, at - windowMs) : from,
          at,
          context,
          [{ stage: context.stage, at: from }],
          i === checks.length - 1,
        ),
      }));
    },
  };
}

/** The latest point of a series, or null when it is empty: the "instant" value of range-only sources. */
export function latestValue(points: Point[]): number | null {
  let latest: Point | undefined;
  for (const p of points) if (Number.isFinite(p.value) && (!latest || p.at >= latest.at)) latest = p;
  return latest ? latest.value : null;
}

/** A failed HTTP request in words: "cannot reach http://…: ECONNREFUSED", not "fetch failed". */
export function requestFailure(error: unknown, origin: string, timeoutMs: number, timedOut: boolean): string {
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (error instanceof BodyTooLargeError) return `${origin}: ${e.message}`;
  if (timedOut || e.name === 'TimeoutError') return `no answer from ${origin} within ${formatDuration(timeoutMs)}`;
  if (e.name === 'AbortError') return `request to ${origin} was cancelled`;
  return `cannot reach ${origin}: ${e.cause?.code ?? e.code ?? e.cause?.message ?? e.message}`;
}

/** The queries of a gate's `compare` with their places in the spec, for providers that check their syntax. */
export function compareQueries(gate: MetricGateSpec): Array<[string, string[]]> {
  const c = gate.compare;
  if (!c) return [];
  return [
    [c.canary, ['compare', 'canary']],
    [c.baseline, ['compare', 'baseline']],
    ...(c.requests
      ? ([
          [c.requests.canary, ['compare', 'requests', 'canary']],
          [c.requests.baseline, ['compare', 'requests', 'baseline']],
        ] as Array<[string, string[]]>)
      : []),
  ];
}
