// Gate `prometheus`: a PromQL query held against a threshold, or canary vs baseline compared by a judge.
// Works with any backend that speaks the Prometheus HTTP API v1.
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { compare, envVars, gatePolicy, threshold } from '../spec/common.js';
import { meetsThreshold, parseThreshold, type Threshold } from './judge/threshold.js';
import { renderTemplate } from './template.js';

export const prometheusGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('prometheus'),
      url: z.url().describe('Base URL of the Prometheus HTTP API.'),
      query: z.string().min(1).optional().describe('PromQL giving one number, held against threshold.'),
      threshold: threshold.optional(),
      compare: compare.optional(),
      headers: envVars.optional().describe('Extra HTTP headers.'),
      ...gatePolicy,
    })
    .superRefine((gate, ctx) => {
      if (!gate.query && !gate.compare) ctx.addIssue({ code: 'custom', message: 'needs either query with threshold, or compare' });
      else if (gate.query && gate.compare) ctx.addIssue({ code: 'custom', path: ['compare'], message: 'use either query with threshold, or compare, not both' });
      else if (gate.query && !gate.threshold) ctx.addIssue({ code: 'custom', path: ['query'], message: 'a query needs a threshold' });
    }),
  create(name, spec) {
    const limit = spec.threshold ? (parseThreshold(spec.threshold) as Threshold) : undefined;
    return {
      name,
      provider: 'prometheus',
      async measure(context) {
        if (!spec.query || !limit) return { verdict: 'error', evidence: { summary: 'compare is not supported by this build' } };
        const query = renderTemplate(spec.query, context);
        const url = new URL('api/v1/query', spec.url.endsWith('/') ? spec.url : `${spec.url}/`);
        url.searchParams.set('query', query);
        url.searchParams.set('time', String(context.at / 1000));
        try {
          const response = await fetch(url, { ...(spec.headers ? { headers: spec.headers } : {}), signal: AbortSignal.timeout(10_000) });
          const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: Array<{ value: [number, string] }> | [number, string] } };
          if (body.status !== 'success' || !body.data) return { verdict: 'error', evidence: { query, summary: `Prometheus: ${body.error ?? response.status}` } };
          const result = body.data.resultType === 'scalar' ? [body.data.result as [number, string]] : (body.data.result as Array<{ value: [number, string] }>).map((r) => r.value);
          const value = result.length ? Number(result[0]![1]) : NaN;
          if (Number.isNaN(value)) return { verdict: spec.noData, evidence: { query, value: null, threshold: limit.text, summary: `no data (noData: ${spec.noData})` } };
          const ok = meetsThreshold(value, limit);
          return { verdict: ok ? 'pass' : 'fail', evidence: { query, value, threshold: limit.text, summary: `${value} ${ok ? 'meets' : 'breaks'} ${limit.text}` } };
        } catch (error) {
          return { verdict: 'error', evidence: { query, summary: `Prometheus unreachable: ${(error as Error).message}` } };
        }
      },
    };
  },
});
