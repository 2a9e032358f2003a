// Gate `http`: probes a URL `requests` times; a probe succeeds when the status, the latency and the
// JSON fields are as expected. The share of successful probes is held against `threshold`, or, with
// `value:`, a number read from the JSON body (e.g. a stats endpoint's errorRate) is.
import { readBodyCapped } from '../util/body.js';
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration, envVars, httpUrl } from '../config/common.js';
import { gatePolicy, threshold } from './fields.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { meetsThreshold, parseThreshold, thresholdVerdict, type Threshold } from './judge/threshold.js';
import { renderTemplate } from './template.js';

const status = z.int().min(100).max(599);
/** A probed service's body is read up to this size (a health or stats answer is a few kB). */
export const MAX_PROBE_BODY_BYTES = 1024 * 1024;
/**
 * All probes of one measurement end within the gate's interval (or one probe's timeout, if longer),
 * and never after this, however many probes and however slow the service: the bake goes on.
 */
export const MEASUREMENT_DEADLINE_MS = 60_000;
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const httpGate = defineGateProvider({
  schema: z.strictObject({
    provider: z.literal('http'),
    url: httpUrl.describe('URL to probe; may use {{canary}}, {{weight}}... templates.'),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    headers: envVars.optional().describe('Request headers.'),
    requests: z.int().min(1).max(1000).default(5).describe('Probes per measurement.'),
    timeout: duration.default('5s').describe('Time limit of one probe.'),
    expect: z
      .strictObject({
        status: z.union([status, z.array(status).min(1)]).default(200),
        maxLatency: duration.optional(),
        json: z.record(z.string(), scalar).optional().describe('JSON body fields (dot paths) and the values they must equal.'),
      })
      .default({ status: 200 }),
    value: z
      .string()
      .min(1)
      .optional()
      .describe('Dot path of a number in the JSON body to hold against threshold (instead of the success share).'),
    threshold: threshold.default('>= 1').describe('Share of probes that must succeed, or the bound of `value`.'),
    ...gatePolicy,
  }),
  create(name, spec) {
    const limit = parseThreshold(spec.threshold) as Threshold;
    /** The mean of the numbers read; a probe that returned no number means no data. */
    const judgeValue = (path: string, values: number[], query: string, problem: string | undefined) => {
      const numbers = values.filter(Number.isFinite);
      if (!values.length)
        return { verdict: 'error' as const, evidence: { query, summary: `no successful probe: ${problem ?? 'unknown error'}` } };
      if (!numbers.length)
        return {
          verdict: spec.noData,
          evidence: { query, value: null, threshold: limit.text, summary: `${path} had no number (noData: ${spec.noData})` },
        };
      const value = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      const { verdict, summary } = thresholdVerdict(value, limit, path);
      return { verdict, evidence: { query, value, threshold: limit.text, summary } };
    };
    const statuses = Array.isArray(spec.expect.status) ? spec.expect.status : [spec.expect.status];
    const maxLatencyMs = spec.expect.maxLatency ? parseDuration(spec.expect.maxLatency) : undefined;
    const timeoutMs = parseDuration(spec.timeout) ?? 5_000;
    const deadlineMs = Math.min(MEASUREMENT_DEADLINE_MS, Math.max(parseDuration(spec.interval) ?? 30_000, timeoutMs));
    return {
      name,
      provider: 'http',
      async measure(context) {
        const url = renderTemplate(spec.url, context, 'url');
        const latencies: number[] = [];
        const problems = new Map<string, number>();
        const values: number[] = [];
        let ok = 0;
        const deadline = AbortSignal.timeout(deadlineMs);
        const signal = context.signal ? AbortSignal.any([context.signal, deadline]) : deadline;
        for (let i = 0; i < spec.requests; i++) {
          if (deadline.aborted) {
            // The probes not made count as failed: a service too slow to answer in time is not healthy.
            problems.set(`measurement deadline (${formatDuration(deadlineMs)}) reached`, spec.requests - i);
            break;
          }
          const result = await probe(
            url,
            spec.method,
            spec.headers,
            timeoutMs,
            statuses,
            maxLatencyMs,
            spec.expect.json,
            latencies,
            signal,
          );
          if (typeof result === 'string') problems.set(result, (problems.get(result) ?? 0) + 1);
          else {
            ok += 1;
            if (spec.value) values.push(Number(readPath(result, spec.value) ?? NaN));
          }
        }
        if (spec.value) return judgeValue(spec.value, values, `${spec.method} ${url}`, [...problems.keys()][0]);
        const ratio = ok / spec.requests;
        const pass = meetsThreshold(ratio, limit);
        const sorted = [...latencies].sort((a, b) => a - b);
        const p50 = sorted[Math.floor((sorted.length - 1) / 2)];
        const worst = [...problems.entries()].sort((a, b) => b[1] - a[1])[0];
        return {
          verdict: pass ? 'pass' : 'fail',
          evidence: {
            query: `${spec.method} ${url}`,
            value: ratio,
            threshold: limit.text,
            summary:
              `${ok}/${spec.requests} probes ok` +
              (p50 !== undefined ? ` (p50 ${Math.round(p50)}ms, max ${Math.round(sorted[sorted.length - 1]!)}ms)` : '') +
              (worst ? `; ${worst[1]}× ${worst[0]}` : ''),
            details: { latenciesMs: latencies.map(Math.round) },
          },
        };
      },
    };
  },
});

async function probe(
  url: string,
  method: string,
  headers: Record<string, string> | undefined,
  timeoutMs: number,
  statuses: number[],
  maxLatencyMs: number | undefined,
  json: Record<string, unknown> | undefined,
  latencies: number[],
  signal?: AbortSignal,
): Promise<string | { body: unknown }> {
  const started = performance.now();
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, {
      method,
      ...(headers ? { headers } : {}),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const body = method === 'HEAD' ? '' : await readBodyCapped(response, MAX_PROBE_BODY_BYTES);
    const latency = performance.now() - started;
    latencies.push(latency);
    if (!statuses.includes(response.status)) return `status ${response.status}`;
    if (maxLatencyMs !== undefined && latency > maxLatencyMs) return `slower than ${maxLatencyMs}ms`;
    let parsed: unknown;
    try {
      parsed = body ? JSON.parse(body) : undefined;
    } catch {
      if (json) return 'body is not JSON';
    }
    for (const [path, expected] of Object.entries(json ?? {})) {
      const actual = readPath({ body: parsed }, path);
      if (actual !== expected) return `${path} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
    }
    return { body: parsed };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    return e.name === 'TimeoutError' ? `no answer within ${timeoutMs}ms` : (e.cause?.code ?? e.message);
  }
}

function readPath(result: { body: unknown }, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), result.body);
}
