// Gate `embedded` against the real embedded router (src/demo/router.ts) in front of two demo
// services: the router's per-step series, read through the metric gate as the demo reads them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { embeddedGate, embeddedSource } from '../../../src/gates/embedded.js';
import { startRouter, type EmbeddedRouter } from '../../../src/demo/router.js';
import { startService, type DemoService } from '../../../src/demo/service.js';
import { measureContext } from './http-recorder.js';

let stable: DemoService;
let canary: DemoService;
let router: EmbeddedRouter;
let t0: number;
let t1: number;

beforeAll(async () => {
  stable = await startService('v1');
  canary = await startService('v2', { errorRate: 1 });
  router = await startRouter({ name: 'v1', url: stable.url }, { name: 'v2', url: canary.url });
  await fetch(`${router.adminUrl}/weight`, { method: 'PUT', body: JSON.stringify({ weight: 50 }) });
  t0 = Date.now();
  // 40 requests, one at a time: the smooth round robin sends every other one to the canary.
  for (let i = 0; i < 40; i++) await (await fetch(router.url)).text();
  t1 = Date.now();
});

afterAll(async () => {
  await router.close();
  await Promise.all([stable.close(), canary.close()]);
});

const signal = new AbortController().signal;
const sum = (points: Array<{ value: number }>) => points.reduce((a, p) => a + p.value, 0);

describe('embedded gate', () => {
  it('reads per-step counts and latency medians of each version from the router', async () => {
    const source = embeddedSource(router.adminUrl);
    const context = measureContext(t1);
    const stepMs = 50;
    const start = t0 - stepMs;
    const end = t1 + stepMs;
    const [canaryRequests, canaryErrors, stableRequests, stableErrors, latency] = await Promise.all(
      ['requests:v2', 'errors:v2', 'requests:v1', 'errors:v1', 'p50Ms:v1'].map((q) => source.range(q, start, end, stepMs, signal, context)),
    );
    expect(sum(canaryRequests!)).toBe(20);
    expect(sum(canaryErrors!)).toBe(20);
    expect(sum(stableRequests!)).toBe(20);
    expect(sum(stableErrors!)).toBe(0);
    // Counts have a point in every step (0 when idle); a latency only where there were requests.
    expect(canaryRequests!.length).toBe(Math.floor((end - start) / stepMs) + 1);
    expect(latency!.length).toBeGreaterThan(0);
    expect(latency!.length).toBeLessThanOrEqual(canaryRequests!.length);
    expect(latency!.every((p) => p.value >= 0 && p.at > start && p.at <= end)).toBe(true);
  });

  it('says what is wrong with a query, a version or the router', async () => {
    const source = embeddedSource(router.adminUrl);
    const context = measureContext(t1);
    await expect(source.range('errors:v9', t0, t1, 1000, signal, context)).rejects.toThrow('HTTP 400: version must be v1 or v2');
    await expect(source.range('bytes:v1', t0, t1, 1000, signal, context)).rejects.toThrow('"bytes:v1" is not FIGURE:VERSION');
    await expect(source.range('errors:v1', t0, t0 + 1e9, 1, signal, context)).rejects.toThrow('HTTP 400: more than 11000 steps');
    // A port nobody listens on any more.
    const closed = await startService('gone');
    await closed.close();
    await expect(embeddedSource(`${closed.url}/_rollgate`).range('errors:v1', t0, t1, 1000, signal, context)).rejects.toThrow(
      `cannot reach ${closed.url}: ECONNREFUSED`,
    );
  });

  it('refuses threshold queries and queries that do not name a figure and a version', () => {
    const parse = (spec: Record<string, unknown>) =>
      (embeddedGate.schema as z.ZodType).safeParse({ provider: 'embedded', url: router.adminUrl, ...spec });
    expect(parse({ query: 'errors:v1', threshold: '< 1' }).error?.issues.map((i) => i.message)).toContain(
      'the embedded gate compares canary with baseline: use compare',
    );
    const bad = parse({ compare: { canary: 'errors', baseline: 'p50Ms:{{baseline}}' } });
    expect(bad.error?.issues).toEqual([
      expect.objectContaining({
        path: ['compare', 'canary'],
        message: expect.stringMatching(/^expected FIGURE:VERSION, FIGURE one of requests, errors/),
      }),
    ]);
    expect(parse({ compare: { canary: 'p90Ms:{{canary}}', baseline: 'p90Ms:{{baseline}}' } }).success).toBe(true);
  });

  it('hands the sequential judge the errors and requests of each version, step by step', async () => {
    const spec = (embeddedGate.schema as z.ZodType).parse({
      provider: 'embedded',
      url: router.adminUrl,
      interval: '1s',
      compare: {
        judge: 'sequential',
        canary: 'errors:{{canary}}',
        baseline: 'errors:{{baseline}}',
        requests: { canary: 'requests:{{canary}}', baseline: 'requests:{{baseline}}' },
        step: '50ms',
        warmup: '1ms',
        minRequests: 10,
      },
    });
    const gate = embeddedGate.create('errors', spec as never, {} as never);
    const stageStarts = [{ stage: 1, at: t0 - 50 }];
    const result = await gate.measure({ ...measureContext(t1 + 50, { stageStarts }), canary: 'v2', baseline: 'v1', stable: 'v1' });
    expect(result.evidence.summary).toMatch(/^canary error rate 100% vs baseline 0%/);
    // Every request counted once, in its own step, paired by time.
    expect(result.evidence.details).toMatchObject({
      judge: 'sequential',
      canaryErrors: 20,
      canaryRequests: 20,
      baselineErrors: 0,
      baselineRequests: 20,
    });
  });
});
