// Gate `datadog`: a Datadog metric query (GET /api/v1/query, the documented metrics query API).
// Datadog has no instant query: the value of a threshold gate is the latest point of the query over
// the last `lookback`. Range queries take the query's own rollup (set it with `.rollup(sum, 60)`).
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration, httpUrl } from '../config/common.js';
import { parseDuration } from '../config/duration.js';
import { envVarName, readSecret } from '../util/credentials.js';
import {
  createMetricGate,
  latestValue,
  metricGateFields,
  refineMetricGate,
  requestFailure,
  type MetricSource,
  type Point,
} from './metric-gate.js';

export const datadogGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('datadog'),
      site: z
        .string()
        .regex(/^[a-z0-9.-]+\.[a-z]+$/, { error: 'expected a Datadog site such as "datadoghq.com", "datadoghq.eu" or "us5.datadoghq.com"' })
        .default('datadoghq.com')
        .describe(
          'Your Datadog site: datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ddog-gov.com...',
        ),
      apiUrl: httpUrl.optional().describe('API base URL (default: https://api.<site>), e.g. for a proxy.'),
      apiKeyEnv: envVarName.default('DD_API_KEY').describe('Environment variable holding the API key.'),
      appKeyEnv: envVarName.default('DD_APP_KEY').describe('Environment variable holding the application key (needs timeseries_query).'),
      lookback: duration.default('5m').describe('A threshold gate takes the latest point of the query over this much time.'),
      timeout: duration.default('10s').describe('Time limit of one query.'),
      ...metricGateFields,
    })
    .superRefine(refineMetricGate),
  create(name, spec, env) {
    const where = `gate "${name}"`;
    const keys = { apiKeyAuth: readSecret(env, spec.apiKeyEnv, where), appKeyAuth: readSecret(env, spec.appKeyEnv, where) };
    const source = datadogSource({
      apiUrl: spec.apiUrl ?? `https://api.${spec.site}`,
      appUrl: `https://${appHost(spec.site)}`,
      keys,
      lookbackMs: parseDuration(spec.lookback) ?? 300_000,
      timeoutMs: parseDuration(spec.timeout) ?? 10_000,
    });
    return createMetricGate(name, 'datadog', spec, source);
  },
});

/** The web app's host for a site: app.datadoghq.com and app.datadoghq.eu, but us5.datadoghq.com as is. */
function appHost(site: string): string {
  return site.split('.').length > 2 ? site : `app.${site}`;
}

interface DatadogOptions {
  apiUrl: string;
  appUrl: string;
  keys: { apiKeyAuth: string; appKeyAuth: string };
  lookbackMs: number;
  timeoutMs: number;
}

/** The documented 200 answer of GET /api/v1/query (MetricsQueryResponse), the fields Rollgate reads. */
interface QueryResponse {
  status?: string;
  error?: string;
  series?: Array<{ scope?: string; expression?: string; interval?: number; pointlist?: Array<[number, number | null]> }>;
}

// One documented endpoint is all a gate needs: plain fetch, not the 22 MB official client (issue 19).
export function datadogSource(options: DatadogOptions): MetricSource {
  const points = async (query: string, start: number, end: number, signal: AbortSignal): Promise<Point[]> => {
    const url = new URL('api/v1/query', options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
    url.searchParams.set('from', String(Math.floor(start / 1000)));
    url.searchParams.set('to', String(Math.ceil(end / 1000)));
    url.searchParams.set('query', query);
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', 'DD-API-KEY': options.keys.apiKeyAuth, 'DD-APPLICATION-KEY': options.keys.appKeyAuth },
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await response.text();
    } catch (error) {
      throw new Error(requestFailure(error, url.origin, options.timeoutMs, timeout.aborted));
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${apiErrors(body)}`);
    if (typeof body !== 'object' || body === null) throw new Error(`HTTP ${response.status} with no query response: ${apiErrors(body)}`);
    const answer = body as QueryResponse;
    if (answer.status && answer.status !== 'ok') throw new Error(answer.error ?? `query status ${answer.status}`);
    const series = answer.series ?? [];
    if (series.length > 1) {
      const shown = series.slice(0, 3).map((s) => s.scope ?? s.expression ?? '?');
      throw new Error(
        `the query returns ${series.length} series (${shown.join('; ')}); aggregate it to one, e.g. sum:metric{…} without "by {…}"`,
      );
    }
    // A point's time starts its rollup interval: the point is the interval's end, and only complete
    // intervals count. Points without a value come as [t, null].
    const rollupMs = (series[0]?.interval ?? 0) * 1000;
    return (series[0]?.pointlist ?? [])
      .filter((p): p is [number, number] => typeof p[1] === 'number')
      .map(([at, value]) => ({ at: at + rollupMs, value }))
      .filter((p) => p.at <= end);
  };

  return {
    label: 'Datadog',
    language: 'datadog',
    async instant(query, at, signal) {
      return latestValue(await points(query, at - options.lookbackMs, at, signal));
    },
    range: (query, start, end, _stepMs, signal) => points(query, start, end, signal),
    link(queries, start, end) {
      // The metric explorer opens one metric with its scope and aggregation: the first of the query.
      const url = new URL('/metric/explorer', options.appUrl);
      url.searchParams.set('from_ts', String(Math.floor(start)));
      url.searchParams.set('to_ts', String(Math.ceil(end)));
      url.searchParams.set('live', 'false');
      const first = /(?:\b(avg|sum|min|max|count):)?([A-Za-z][\w.]*)\s*\{([^}]*)\}/.exec(queries[0] ?? '');
      if (first) {
        url.searchParams.set('exp_metric', first[2]!);
        url.searchParams.set('exp_scope', first[3]!.trim() === '*' ? '' : first[3]!.trim());
        url.searchParams.set('exp_agg', first[1] ?? 'avg');
        url.searchParams.set('exp_row_type', 'metric');
      }
      return url.toString();
    },
  };
}

function apiErrors(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 300);
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? errors.map(String).join('; ') : (JSON.stringify(body)?.slice(0, 300) ?? 'no details');
}
