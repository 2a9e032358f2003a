// The logic every metric source shares (threshold mode, compare mode through the judge registry,
// no data, errors, replay), driven by an in-memory source: no wire format in the way.
import { describe, expect, it } from 'vitest';
import { createMetricGate, metricGateFields, refineMetricGate, type MetricSource, type Point } from '../../../src/gates/metric-gate.js';
import { JUDGES } from '../../../src/gates/judge/registry.js';
import { z } from 'zod';
import { measureContext } from './http-recorder.js';
import { planFrom, world } from '../../harness/sim.js';

const AT = Date.UTC(2026, 4, 1, 14, 0, 0);
const STAGE_START = AT - 10 * 60_000;
const fields = z.strictObject(metricGateFields).superRefine(refineMetricGate);

/** Series by query; `instant` answers the latest point at or before `at`. */
function memorySource(series: Record<string, Point[]>, failWith?: string) {
  const calls: Array<{ kind: 'instant' | 'range'; query: string; start?: number; end: number; stepMs?: number }> = [];
  const source: MetricSource = {
    label: 'Memory',
    language: 'promql',
    async instant(query, at) {
      calls.push({ kind: 'instant', query, end: at });
      if (failWith) throw new Error(failWith);
      const points = (series[query] ?? []).filter((p) => p.at <= at);
      return points.length ? points[points.length - 1]!.value : null;
    },
    async range(query, start, end, stepMs) {
      calls.push({ kind: 'range', query, start, end, stepMs });
      if (failWith) throw new Error(failWith);
      return (series[query] ?? []).filter((p) => p.at >= start && p.at <= end);
    },
    link: (queries) => `memory://${queries.join('|')}`,
  };
  return { source, calls };
}

const gate = (spec: Record<string, unknown>, source: MetricSource) => createMetricGate('g', 'memory', fields.parse(spec), source);
/** One point every 10 s over the stage so far. */
const steps = (value: (i: number) => number, n = 60): Point[] =>
  Array.from({ length: n }, (_, i) => ({ at: STAGE_START + (i + 1) * 10_000, value: value(i) }));

describe('metric gate: threshold mode', () => {
  it('renders the template, holds the value against the threshold, and says so in one wording', async () => {
    const { source, calls } = memorySource({ 'errors{v="web-v2"}': [{ at: AT - 1000, value: 0.0123456789 }] });
    const g = gate({ query: 'errors{v="{{canary}}"}', threshold: '< 0.01' }, source);
    const result = await g.measure(measureContext(AT));
    expect(calls).toEqual([{ kind: 'instant', query: 'errors{v="web-v2"}', end: AT }]);
    expect(result).toEqual({
      verdict: 'fail',
      evidence: {
        query: 'errors{v="web-v2"}',
        value: 0.0123456789,
        threshold: '< 0.01',
        summary: '0.0123457 breaks < 0.01',
        link: 'memory://errors{v="web-v2"}',
      },
    });
  });

  it('gives the noData verdict when the source has no value, and error when it cannot answer', async () => {
    const empty = await gate({ query: 'q', threshold: '< 1', noData: 'fail' }, memorySource({}).source).measure(measureContext(AT));
    expect(empty).toMatchObject({ verdict: 'fail', evidence: { value: null, summary: 'no data (noData: fail)' } });
    const down = await gate({ query: 'q', threshold: '< 1' }, memorySource({}, 'connection refused').source).measure(measureContext(AT));
    expect(down).toEqual({ verdict: 'error', evidence: { query: 'q', summary: 'Memory: connection refused' } });
  });

  it('replays past checks from one range query, each seeing the latest point of its step', async () => {
    const { source } = memorySource({ q: steps((i) => (i < 30 ? 0.001 : 0.05)) });
    const g = gate({ query: 'q', threshold: '< 0.01' }, source);
    const checks = await g.replay(measureContext(AT), STAGE_START, AT, 60_000);
    expect(checks.map((c) => c.verdict)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'fail', 'fail', 'fail', 'fail']);
  });
});

describe('metric gate: compare mode through the judge registry', () => {
  it('has a registry entry for each judge the spec may name, each saying whether it counts', () => {
    expect(Object.keys(JUDGES)).toEqual(['mann-whitney', 'sequential']);
    expect(JUDGES['mann-whitney'].counts).toBe(false);
    expect(JUDGES.sequential.counts).toBe(true);
    // The sequential judge spends one alpha over the whole rollout; mann-whitney looks at a stage.
    expect(JUDGES.sequential.span).toBe('rollout');
    expect(JUDGES['mann-whitney'].span).toBe('stage');
  });

  it('hands samples since the stage began to mann-whitney and records the medians', async () => {
    const { source, calls } = memorySource({
      'lat{v="web-v2"}': steps((i) => 200 + (i % 7)),
      'lat{v="web-v1"}': steps((i) => 100 + (i % 7)),
    });
    const g = gate({ compare: { canary: 'lat{v="{{canary}}"}', baseline: 'lat{v="{{baseline}}"}', tolerance: '10%' } }, source);
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(calls.map((c) => [c.kind, c.start, c.end, c.stepMs])).toEqual([
      ['range', STAGE_START + 30_000, AT, 30_000],
      ['range', STAGE_START + 30_000, AT, 30_000],
    ]);
    expect(result.verdict).toBe('fail');
    expect(result.evidence).toMatchObject({
      canary: 203,
      baseline: 103,
      threshold: 'mann-whitney: an increase beyond 10% at α 0.05',
      // The first point of the stage (30 s in) is its warm-up (one interval by default): shown, not judged.
      details: { judge: 'mann-whitney', samples: { canary: 57, baseline: 57 }, warmupSamples: 2 },
    });
  });

  it('passes equal samples; too few samples is waiting until the last check of the bake, then no data', async () => {
    const same = memorySource({ c: steps((i) => 100 + (i % 5)), b: steps((i) => 100 + ((i + 2) % 5)) });
    expect(
      (await gate({ compare: { canary: 'c', baseline: 'b' } }, same.source).measure(measureContext(AT, { stageStartedAt: STAGE_START })))
        .verdict,
    ).toBe('pass');
    // Samples start one step (the 30 s interval) into the stage: of three points, one is in range,
    // and it falls in the stage's warm-up.
    const few = memorySource({ c: steps(() => 1, 3), b: steps(() => 1, 3) });
    const spec = { compare: { canary: 'c', baseline: 'b' }, noData: 'fail' };
    // A young stage is not missing data: even noData: fail waits while checks remain.
    const early = await gate(spec, few.source).measure({ ...measureContext(AT, { stageStartedAt: STAGE_START }), lastCheck: false });
    expect(early).toMatchObject({
      verdict: 'waiting',
      evidence: { summary: 'waiting for data: 0 canary and 0 baseline samples after the warm-up; minSamples is 10' },
    });
    const last = await gate(spec, few.source).measure({ ...measureContext(AT, { stageStartedAt: STAGE_START }), lastCheck: true });
    expect(last).toMatchObject({
      verdict: 'fail',
      evidence: {
        summary: "0 canary and 0 baseline samples after the warm-up; minSamples is 10 at the bake's last check (noData: fail)",
      },
    });
    // A caller that does not say (an older driver) gets the safe reading: every check is the last.
    expect((await gate(spec, few.source).measure(measureContext(AT, { stageStartedAt: STAGE_START }))).verdict).toBe('fail');
  });

  it("replays too few samples as waiting, and the replay's last check as no data", async () => {
    const few = memorySource({ c: steps(() => 1, 3), b: steps(() => 1, 3) });
    const checks = await gate({ compare: { canary: 'c', baseline: 'b' } }, few.source).replay(measureContext(AT), STAGE_START, AT, 60_000);
    expect(checks.map((c) => c.verdict)).toEqual([...Array<string>(9).fill('waiting'), 'inconclusive']);
  });

  it('pairs error and request counts step by step for the sequential judge', async () => {
    const { source } = memorySource({
      ce: steps(() => 30),
      cr: steps(() => 1000),
      be: steps(() => 5),
      br: steps(() => 1000),
    });
    const spec = {
      compare: { judge: 'sequential', canary: 'ce', baseline: 'be', requests: { canary: 'cr', baseline: 'br' }, step: '10s' },
    };
    const result = await gate(spec, source).measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(result.verdict).toBe('fail');
    expect(result.evidence).toMatchObject({ canary: 0.03, baseline: 0.005, details: { judge: 'sequential', steps: 60 } });
  });

  it("hands the sequential judge the driver's word that the bake is over: its fixed-horizon look", async () => {
    // 1.5× the baseline's error rate over 40 steps: no e-process crossing, but the look at all of it.
    const { source } = memorySource({
      ce: steps(() => 3, 40),
      cr: steps(() => 750, 40),
      be: steps(() => 6, 40),
      br: steps(() => 2250, 40),
    });
    const spec = {
      compare: { judge: 'sequential', canary: 'ce', baseline: 'be', requests: { canary: 'cr', baseline: 'br' }, step: '10s', warmup: '0s' },
    };
    const at = STAGE_START + 40 * 10_000;
    const context = measureContext(at, { stageStartedAt: STAGE_START, stageStarts: [{ stage: 2, at: STAGE_START }] });
    expect((await gate(spec, source).measure({ ...context, lastCheck: false })).verdict).toBe('pass');
    // Not told: no look (a look at every check would spend its alpha again and again).
    expect((await gate(spec, source).measure(context)).verdict).toBe('pass');
    const last = await gate(spec, source).measure({ ...context, lastCheck: true });
    expect(last.verdict).toBe('fail');
    expect(last.evidence.summary).toMatch(/in the fixed-horizon look at the end of stage 2's bake/);
  });

  it('refuses a spec whose requests do not fit its judge', () => {
    const sequential = fields.safeParse({ compare: { judge: 'sequential', canary: 'a', baseline: 'b' } });
    expect(sequential.error?.issues[0]?.message).toBe(
      'judge: sequential needs requests: { canary, baseline } (canary and baseline then count errors)',
    );
    const mw = fields.safeParse({ compare: { canary: 'a', baseline: 'b', requests: { canary: 'c', baseline: 'd' } } });
    expect(mw.error?.issues[0]?.message).toMatch(/^requests is for judges that count errors \(sequential\); mann-whitney compares/);
  });
});

describe('metric gate: a latency comparison in a whole rollout (engine, driver and judge, fake clock)', () => {
  const spec = (bake: string) => `
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 10, bake: ${bake} }
  - { weight: 50, bake: ${bake} }
gates:
  latency: { provider: command, command: "true", interval: 30s }
`;
  /** A metric store that has a p99 point every step, canary and baseline alike (no regression). */
  const latencies: MetricSource = {
    label: 'Memory',
    language: 'promql',
    instant: async () => null,
    async range(query, start, end, stepMs) {
      const points: Point[] = [];
      for (let at = Math.ceil(start / stepMs) * stepMs; at <= end; at += stepMs)
        points.push({ at, value: 100 + (((at / stepMs) * (query === 'canary' ? 7 : 11)) % 13) });
      return points;
    },
    link: () => undefined,
  };
  const run = async (bake: string) => {
    const w = world(planFrom(spec(bake)));
    w.gates.latency = gate({ compare: { canary: 'canary', baseline: 'baseline', minSamples: 10 }, interval: '30s' }, latencies);
    return { w, result: await w.run() };
  };

  it('does not pause while a young stage has fewer than minSamples: the checks wait, then judge', async () => {
    // 20 checks a stage, one sample a check, the first a warm-up: checks 1-10 have fewer than 10.
    const { w, result } = await run('10m');
    expect(result.outcome).toBe('promoted');
    const first = result.state.measurements.filter((m) => m.stage === 0);
    expect(first.map((m) => m.verdict)).toEqual([...Array<string>(10).fill('waiting'), ...Array<string>(10).fill('pass')]);
    expect(first[0]!.evidence.summary).toBe('waiting for data: 0 canary and 0 baseline samples after the warm-up; minSamples is 10');
    expect(w.router.history).toEqual([10, 50, 100]);
  });

  it('pauses a stage whose bake ended before minSamples, saying so, the waiting checks counted', async () => {
    // 8 checks: the last one has 7 samples a side.
    const { result } = await run('4m');
    expect(result.outcome).toBe('paused');
    expect(result.state.measurements.map((m) => m.verdict)).toEqual([...Array<string>(7).fill('waiting'), 'inconclusive']);
    expect(result.state.pause?.reason).toBe(
      'gate "latency" was inconclusive 8 times in this stage (7 of them waiting for samples) (inconclusiveLimit 3): ' +
        "7 canary and 7 baseline samples after the warm-up; minSamples is 10 at the bake's last check (noData: inconclusive)",
    );
  });
});
