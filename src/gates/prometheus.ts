// Gate `prometheus`: PromQL through the Prometheus HTTP API v1 (instant and range queries), so it
// works with any backend that speaks it (Thanos, Mimir, VictoriaMetrics, Grafana Cloud...).
import { readBodyCapped } from '../util/body.js';
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration, envVars, httpUrl } from '../config/common.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { envVarName, readEnvVar, readSecret } from '../util/credentials.js';
import { maskSecret } from '../util/secrets.js';
import {
  compareQueries,
  createMetricGate,
  metricGateFields,
  refineMetricGate,
  requestFailure,
  type MetricGateSpec,
  type MetricSource,
  type Point,
} from './metric-gate.js';
import { counterIncreases } from './counter.js';
import { JUDGES } from './judge/registry.js';

const auth = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    tokenEnv: envVarName.describe('Environment variable holding the bearer token.'),
  }),
  z.strictObject({
    type: z.literal('basic'),
    usernameEnv: envVarName.describe('Environment variable holding the user name.'),
    passwordEnv: envVarName.describe('Environment variable holding the password.'),
  }),
]);

export const prometheusGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('prometheus'),
      url: httpUrl.describe('Base URL of the Prometheus HTTP API (the part before /api/v1).'),
      graphUrl: httpUrl.optional().describe('Base URL of the Prometheus UI for evidence links (default: url).'),
      auth: auth.optional().describe('Credentials, read from the environment variables named here.'),
      headers: envVars.optional().describe('Extra HTTP headers for every query, e.g. X-Scope-OrgID (no secrets: use auth).'),
      timeout: duration.default('10s').describe('Time limit of one query.'),
      scrapeInterval: duration
        .default('15s')
        .describe('How often Prometheus scrapes the service: a range window should hold at least 3 scrapes.'),
      ...metricGateFields,
    })
    .superRefine((gate, ctx) => {
      refineMetricGate(gate, ctx);
      refineRangeWindows(gate, ctx);
    }),
  create(name, spec, env) {
    for (const warning of rangeWindowWarnings(spec)) env.log.warn(`gate "${name}": ${warning}`);
    const where = `gate "${name}" auth`;
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    if (spec.auth?.type === 'bearer') headers.authorization = `Bearer ${readSecret(env, spec.auth.tokenEnv, where)}`;
    if (spec.auth?.type === 'basic') {
      const user = readEnvVar(env, spec.auth.usernameEnv, where);
      const password = readSecret(env, spec.auth.passwordEnv, where);
      const encoded = Buffer.from(`${user}:${password}`).toString('base64');
      maskSecret(env.log, encoded);
      headers.authorization = `Basic ${encoded}`;
    }
    return createMetricGate(
      name,
      'prometheus',
      spec,
      prometheusSource(spec.url, spec.graphUrl ?? spec.url, headers, parseDuration(spec.timeout) ?? 10_000),
    );
  },
});

type PromValue = [number, string];
interface PromResponse {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?:
    | { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: PromValue }> }
    | { resultType: 'matrix'; result: Array<{ metric: Record<string, string>; values: PromValue[] }> }
    | { resultType: 'scalar' | 'string'; result: PromValue };
}

export function prometheusSource(apiUrl: string, uiUrl: string, headers: Record<string, string>, timeoutMs: number): MetricSource {
  const base = apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
  const ui = uiUrl.endsWith('/') ? uiUrl : `${uiUrl}/`;

  const call = async (path: string, params: Record<string, string>, signal: AbortSignal): Promise<NonNullable<PromResponse['data']>> => {
    const url = new URL(path, base);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    let response: Response;
    let text: string;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      response = await fetch(url, { headers, signal: AbortSignal.any([signal, timeout]) });
      text = await readBodyCapped(response);
    } catch (error) {
      throw new Error(requestFailure(error, url.origin, timeoutMs, timeout.aborted));
    }
    let body: PromResponse;
    try {
      body = JSON.parse(text) as PromResponse;
    } catch {
      throw new Error(`${url.origin}${url.pathname} answered ${response.status} with no Prometheus API response: ${text.slice(0, 200)}`);
    }
    if (body.status !== 'success' || !body.data)
      throw new Error(`${body.errorType ?? `HTTP ${response.status}`}: ${body.error ?? 'query failed'}`);
    return body.data;
  };

  async function range(query: string, start: number, end: number, stepMs: number, signal: AbortSignal): Promise<Point[]> {
    const data = await call('api/v1/query_range', { query, start: seconds(start), end: seconds(end), step: seconds(stepMs) }, signal);
    if (data.resultType !== 'matrix') throw new Error(`expected a range of one series, the query gives a ${data.resultType}`);
    onlyOneSeries(data.result);
    return (data.result[0]?.values ?? []).map(([t, v]): Point => ({ at: Math.round(t * 1000), value: sampleValue(v) }));
  }

  return {
    label: 'Prometheus',
    language: 'promql',
    async instant(query, at, signal) {
      const data = await call('api/v1/query', { query, time: seconds(at) }, signal);
      if (data.resultType === 'scalar') return sampleValue(data.result[1]);
      if (data.resultType !== 'vector') throw new Error(`expected one number, the query gives a ${data.resultType}`);
      onlyOneSeries(data.result);
      return data.result.length ? sampleValue(data.result[0]!.value[1]) : null;
    },
    range,
    async counts(query, start, end, stepMs, signal) {
      // A query with a range function already gives per-step counts (its window is checked
      // against the step when the spec loads). A bare counter is read raw, one step earlier so the
      // first step has a value to difference from, every series on its own (resets are per series).
      if (rangeWindows(query).length > 0) return range(query, start, end, stepMs, signal);
      const data = await call(
        'api/v1/query_range',
        { query, start: seconds(start - stepMs), end: seconds(end), step: seconds(stepMs) },
        signal,
      );
      if (data.resultType !== 'matrix') throw new Error(`expected counter series, the query gives a ${data.resultType}`);
      return counterIncreases(
        data.result.map((r) => r.values.map(([t, v]): Point => ({ at: Math.round(t * 1000), value: sampleValue(v) }))),
        start - stepMs,
      );
    },
    link(queries, start, end) {
      const url = new URL('graph', ui);
      const endInput = new Date(end).toISOString().slice(0, 19).replace('T', ' ');
      queries.forEach((query, i) => {
        url.searchParams.set(`g${i}.expr`, query);
        url.searchParams.set(`g${i}.tab`, '0');
        url.searchParams.set(`g${i}.range_input`, formatDuration(Math.max(end - start, 1_000)));
        url.searchParams.set(`g${i}.end_input`, endInput);
        url.searchParams.set(`g${i}.moment_input`, endInput);
      });
      return url.toString();
    },
  };
}

/** Prometheus takes times as (fractional) seconds since the epoch. */
function seconds(ms: number): string {
  return String(ms / 1000);
}

/** Sample values come as strings, with "+Inf", "-Inf" and "NaN" spelt the Go way. */
function sampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

// A gate judges one number (or one series): several would be picked from at random, so say how to fix it.
function onlyOneSeries(result: Array<{ metric: Record<string, string> }>): void {
  if (result.length <= 1) return;
  const shown = result.slice(0, 3).map(
    (r) =>
      `{${Object.entries(r.metric)
        .map(([k, v]) => `${k}="${v}"`)
        .join(', ')}}`,
  );
  throw new Error(
    `the query returns ${result.length} series (${shown.join(', ')}${result.length > 3 ? ', …' : ''}); aggregate it to one, e.g. with sum(...)`,
  );
}

/** The range windows of a PromQL query: "5m" of rate(x[5m]), "1h" of a subquery x[1h:1m]. */
export function rangeWindows(query: string): string[] {
  return [...query.matchAll(/\[\s*([^\]:]+?)\s*(?::[^\]]*)?\]/g)].map((m) => m[1]!);
}

type PrometheusGateSpec = MetricGateSpec & { scrapeInterval: string };

/** True when the gate's judge counts errors per step (its compared queries are counts). */
const countsErrors = (gate: MetricGateSpec) => (gate.compare ? JUDGES[gate.compare.judge].counts : false);

/** A window's length in ms ({{interval}} is the gate's interval), or undefined when it is not a plain duration. */
function windowMs(window: string, gate: MetricGateSpec): number | undefined {
  return parseDuration(window.replace(/\{\{\s*interval\s*\}\}/g, gate.interval)) ?? undefined;
}

/**
 * Compared samples must not share data: a range window longer than the step makes each sample
 * overlap the one before (a count is counted window/step times; latency samples are correlated,
 * so a test's alpha no longer holds). Refused where the spec says it.
 */
function refineRangeWindows(gate: MetricGateSpec, ctx: z.RefinementCtx): void {
  const stepMs = parseDuration(gate.compare?.step ?? gate.interval);
  if (stepMs === undefined) return;
  for (const [query, path] of compareQueries(gate)) {
    for (const window of rangeWindows(query)) {
      const ms = windowMs(window, gate);
      if (ms === undefined || ms <= stepMs) continue;
      const what = countsErrors(gate)
        ? `each error would be counted about ${Math.round((10 * ms) / stepMs) / 10} times. Use [${formatDuration(stepMs)}], or better the raw counter with no range function: Rollgate takes the differences itself`
        : `each sample would share data with the one before, so the judge's alpha would not hold. Use [${formatDuration(stepMs)}], or a longer step`;
      ctx.addIssue({
        code: 'custom',
        path,
        message: `range window [${window}] is longer than the step (${formatDuration(stepMs)}): ${what}`,
      });
    }
  }
}

/** Windows holding fewer than 3 scrapes: increase() and rate() extrapolate from two samples or fewer. */
function rangeWindowWarnings(gate: PrometheusGateSpec): string[] {
  const scrapeMs = parseDuration(gate.scrapeInterval);
  if (scrapeMs === undefined) return [];
  const warnings: string[] = [];
  for (const [query, path] of compareQueries(gate)) {
    for (const window of rangeWindows(query)) {
      const ms = windowMs(window, gate);
      if (ms !== undefined && ms < 3 * scrapeMs) {
        warnings.push(
          `${path.join('.')}: range window [${window}] holds fewer than 3 scrapes (scrapeInterval ${gate.scrapeInterval}), so Prometheus extrapolates` +
            (countsErrors(gate) ? '; read the raw counter instead (no range function)' : '; use a longer step and window'),
        );
      }
    }
  }
  return warnings;
}
