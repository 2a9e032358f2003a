// Gate `embedded`: what the embedded router (traffic provider `embedded`, src/demo/router.ts) saw
// of each version, step by step, so the demo's gates can hold the canary against its baseline
// with nothing installed. Compare mode only: queries name a figure and a version,
// `errors:{{canary}}`, `requests:{{baseline}}`, `p90Ms:{{canary}}`.
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import {
  compareQueries,
  createMetricGate,
  metricGateFields,
  refineMetricGate,
  requestFailure,
  type MetricSource,
  type Point,
} from './metric-gate.js';

/** Per step: counts of requests and of HTTP 5xx answers, or a latency quantile in milliseconds. */
export const SERIES_METRICS = ['requests', 'errors', 'p50Ms', 'p90Ms', 'p99Ms'] as const;
const QUERY = new RegExp(`^(${SERIES_METRICS.join('|')}):(.+)$`);
const TIMEOUT_MS = 5_000;

export const embeddedGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('embedded'),
      url: z.url().describe('Admin URL of the embedded router, e.g. http://127.0.0.1:8080/_rollgate'),
      ...metricGateFields,
    })
    .superRefine((gate, ctx) => {
      refineMetricGate(gate, ctx);
      if (gate.query)
        ctx.addIssue({ code: 'custom', path: ['query'], message: 'the embedded gate compares canary with baseline: use compare' });
      for (const [query, path] of compareQueries(gate))
        if (!QUERY.test(query))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `expected FIGURE:VERSION, FIGURE one of ${SERIES_METRICS.join(', ')} (e.g. "errors:{{canary}}")`,
          });
    }),
  create(name, spec) {
    return createMetricGate(name, 'embedded', spec, embeddedSource(spec.url));
  },
});

export function embeddedSource(adminUrl: string): MetricSource {
  const base = adminUrl.replace(/\/$/, '');
  const seriesUrl = (query: string, start: number, end: number, stepMs: number) => {
    const [, metric, version] = QUERY.exec(query) ?? [];
    if (!metric) throw new Error(`"${query}" is not FIGURE:VERSION`);
    const url = new URL(`${base}/series`);
    for (const [key, value] of Object.entries({ version: version!, metric, start, end, step: stepMs }))
      url.searchParams.set(key, String(value));
    return url;
  };
  return {
    label: 'embedded router',
    // FIGURE:VERSION: the version is the whole rest of the query and goes out as a URL search parameter (encoded there).
    language: 'text',
    instant() {
      return Promise.reject(new Error('the embedded gate answers compare queries only'));
    },
    async range(query, start, end, stepMs, signal) {
      const url = seriesUrl(query, start, end, stepMs);
      const timeout = AbortSignal.timeout(TIMEOUT_MS);
      let response: Response;
      let body: { points?: Array<[number, number]>; error?: string };
      try {
        response = await fetch(url, { signal: AbortSignal.any([signal, timeout]) });
        body = (await response.json()) as typeof body;
      } catch (error) {
        throw new Error(requestFailure(error, url.origin, TIMEOUT_MS, timeout.aborted));
      }
      if (!response.ok || !Array.isArray(body.points)) throw new Error(`HTTP ${response.status}: ${body.error ?? 'no points'}`);
      return body.points.map(([at, value]): Point => ({ at, value }));
    },
    link(queries, start, end) {
      return queries.length ? seriesUrl(queries[0]!, start, end, Math.max(1, end - start)).toString() : undefined;
    },
  };
}
