// Gate `prometheus`: PromQL through the Prometheus HTTP API v1 (instant and range queries), so it
// works with any backend that speaks it (Thanos, Mimir, VictoriaMetrics, Grafana Cloud...).
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration, envVars } from '../config/common.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { envVarName, readEnvVar, readSecret } from '../util/credentials.js';
import { createMetricGate, metricGateFields, refineMetricGate, requestFailure, type MetricSource, type Point } from './metric-gate.js';

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
      url: z.url().describe('Base URL of the Prometheus HTTP API (the part before /api/v1).'),
      graphUrl: z.url().optional().describe('Base URL of the Prometheus UI for evidence links (default: url).'),
      auth: auth.optional().describe('Credentials, read from the environment variables named here.'),
      headers: envVars.optional().describe('Extra HTTP headers for every query, e.g. X-Scope-OrgID (no secrets: use auth).'),
      timeout: duration.default('10s').describe('Time limit of one query.'),
      ...metricGateFields,
    })
    .superRefine(refineMetricGate),
  create(name, spec, env) {
    const where = `gate "${name}" auth`;
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    if (spec.auth?.type === 'bearer') headers.authorization = `Bearer ${readSecret(env, spec.auth.tokenEnv, where)}`;
    if (spec.auth?.type === 'basic') {
      const user = readEnvVar(env, spec.auth.usernameEnv, where);
      const password = readSecret(env, spec.auth.passwordEnv, where);
      const encoded = Buffer.from(`${user}:${password}`).toString('base64');
      env.log.mask(encoded);
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
      text = await response.text();
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

  return {
    label: 'Prometheus',
    async instant(query, at, signal) {
      const data = await call('api/v1/query', { query, time: seconds(at) }, signal);
      if (data.resultType === 'scalar') return sampleValue(data.result[1]);
      if (data.resultType !== 'vector') throw new Error(`expected one number, the query gives a ${data.resultType}`);
      onlyOneSeries(data.result);
      return data.result.length ? sampleValue(data.result[0]!.value[1]) : null;
    },
    async range(query, start, end, stepMs, signal) {
      const data = await call('api/v1/query_range', { query, start: seconds(start), end: seconds(end), step: seconds(stepMs) }, signal);
      if (data.resultType !== 'matrix') throw new Error(`expected a range of one series, the query gives a ${data.resultType}`);
      onlyOneSeries(data.result);
      return (data.result[0]?.values ?? []).map(([t, v]): Point => ({ at: Math.round(t * 1000), value: sampleValue(v) }));
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
