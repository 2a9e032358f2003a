// The requests the prometheus gate sends (HTTP API v1) and how it reads the API's documented
// answers: vector, scalar, matrix, errors. The real server is in test/integration/prometheus/.
import { describe, expect, it } from 'vitest';
import { prometheusGate } from '../../../src/gates/prometheus.js';
import { isReplayable } from '../../../src/gates/metric-gate.js';
import { formatSpecError, parseSpec } from '../../../src/config/load.js';
import { measureContext, providerEnv, useRecorder } from './http-recorder.js';

const api = useRecorder();

const AT = Date.UTC(2026, 4, 1, 14, 0, 0);
const vector = (...values: string[]) => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { instance: `i${i}` }, value: [AT / 1000, v] })) },
});
const matrix = (points: Array<[number, string]>) => ({
  status: 'success',
  data: { resultType: 'matrix', result: [{ metric: {}, values: points }] },
});

function gate(fields: Record<string, unknown>, variables: Record<string, string> = {}) {
  const spec = prometheusGate.schema.parse({ provider: 'prometheus', url: api.url, ...fields });
  const env = providerEnv(variables);
  return { gate: prometheusGate.create('error-rate', spec, env), env };
}

const RATIO = 'sum(rate(errors{version="{{canary}}"}[{{interval}}])) / sum(rate(requests{version="{{canary}}"}[{{interval}}]))';
const RENDERED = 'sum(rate(errors{version="web-v2"}[30s])) / sum(rate(requests{version="web-v2"}[30s]))';

describe('prometheus gate: instant queries', () => {
  it('sends the rendered query at the measurement time with bearer auth and custom headers, and masks the token', async () => {
    api.reply({ json: vector('0.004') });
    const { gate: g, env } = gate(
      { query: RATIO, threshold: '< 0.01', auth: { type: 'bearer', tokenEnv: 'PROM_TOKEN' }, headers: { 'X-Scope-OrgID': 'team-a' } },
      { PROM_TOKEN: 'secret-token-123' },
    );
    const result = await g.measure(measureContext(AT));

    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.method).toBe('GET');
    expect(request!.path).toBe('/api/v1/query');
    expect(request!.query.get('query')).toBe(RENDERED);
    expect(request!.query.get('time')).toBe(String(AT / 1000));
    expect(request!.headers.authorization).toBe('Bearer secret-token-123');
    expect(request!.headers['x-scope-orgid']).toBe('team-a');
    expect(env.masked).toContain('secret-token-123');

    expect(result.verdict).toBe('pass');
    expect(result.evidence).toMatchObject({ query: RENDERED, value: 0.004, threshold: '< 0.01', summary: '0.004 meets < 0.01' });
    const link = new URL(result.evidence.link!);
    expect(`${link.origin}${link.pathname}`).toBe(`${api.url}/graph`);
    expect(link.searchParams.get('g0.expr')).toBe(RENDERED);
    expect(link.searchParams.get('g0.end_input')).toBe('2026-05-01 14:00:00');
    expect(link.searchParams.get('g0.range_input')).toBe('1h');
    expect(JSON.stringify(result)).not.toContain('secret-token-123');
  });

  it('sends basic auth from two environment variables and masks the password', async () => {
    api.reply({ json: vector('0.02') });
    const { gate: g, env } = gate(
      { query: 'up', threshold: '< 0.01', auth: { type: 'basic', usernameEnv: 'PROM_USER', passwordEnv: 'PROM_PASSWORD' } },
      { PROM_USER: 'reader', PROM_PASSWORD: 'hunter2-long' },
    );
    const result = await g.measure(measureContext(AT));
    expect(api.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('reader:hunter2-long').toString('base64')}`);
    expect(env.masked).toEqual(expect.arrayContaining(['hunter2-long', Buffer.from('reader:hunter2-long').toString('base64')]));
    expect(env.masked).not.toContain('reader');
    expect(result.verdict).toBe('fail');
    expect(result.evidence.summary).toBe('0.02 breaks < 0.01');
  });

  it('refuses to start without the credential the spec names, naming the gate and the variable', () => {
    expect(() => gate({ query: 'up', threshold: '> 0', auth: { type: 'bearer', tokenEnv: 'PROM_TOKEN' } })).toThrow(
      'gate "error-rate" auth: environment variable PROM_TOKEN is not set',
    );
  });

  it('keeps a path prefix of the API URL and links to graphUrl when given', async () => {
    api.reply({ json: vector('1') });
    const spec = prometheusGate.schema.parse({
      provider: 'prometheus',
      url: `${api.url}/prometheus`,
      graphUrl: 'https://grafana.example.com/prom',
      query: 'up',
      threshold: '== 1',
    });
    const result = await prometheusGate.create('up', spec, providerEnv({})).measure(measureContext(AT));
    expect(api.requests[0]!.path).toBe('/prometheus/api/v1/query');
    expect(result.verdict).toBe('pass');
    expect(result.evidence.link).toMatch(/^https:\/\/grafana\.example\.com\/prom\/graph\?g0\.expr=up&/);
  });

  it('reads a scalar result', async () => {
    api.reply({ json: { status: 'success', data: { resultType: 'scalar', result: [AT / 1000, '0.5'] } } });
    const result = await gate({ query: 'scalar(0.5)', threshold: 'between 0 and 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('pass');
    expect(result.evidence.value).toBe(0.5);
  });

  it('gives noData (inconclusive by default, never pass) for an empty vector and for NaN', async () => {
    api.reply({ json: vector() });
    const empty = await gate({ query: RATIO, threshold: '< 0.01' }).gate.measure(measureContext(AT));
    expect(empty.verdict).toBe('inconclusive');
    expect(empty.evidence).toMatchObject({ value: null, summary: 'no data (noData: inconclusive)' });

    api.reply({ json: vector('NaN') });
    const nan = await gate({ query: RATIO, threshold: '< 0.01', noData: 'fail' }).gate.measure(measureContext(AT));
    expect(nan.verdict).toBe('fail');
    expect(nan.evidence.summary).toBe('no data (noData: fail)');
  });

  it.each([
    ['+Inf', '< 1', 'inconclusive', 'inconclusive'],
    ['-Inf', '< 1', 'pass', 'inconclusive'],
    ['1e999', '> 0.99', 'pass', 'inconclusive'],
    ['-Inf', '< 1', 'fail', 'fail'],
  ] as const)('takes %s as no data, never a pass (threshold %s, noData %s → %s)', async (sample, threshold, noData, verdict) => {
    api.reply({ json: vector(sample) });
    const result = await gate({ query: 'x', threshold, noData }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe(verdict);
    expect(result.evidence.value).toBeNull();
    expect(result.evidence.summary).toMatch(/is not a finite number: no data/);
  });

  it('is an error, not a guess, when the query returns several series', async () => {
    api.reply({ json: vector('0.1', '0.2') });
    const result = await gate({ query: 'rate(errors[1m])', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe(
      'Prometheus: the query returns 2 series ({instance="i0"}, {instance="i1"}); aggregate it to one, e.g. with sum(...)',
    );
  });

  it("passes on the API's own error message", async () => {
    api.reply({ status: 400, json: { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected end of input' } });
    const result = await gate({ query: 'sum(', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe('Prometheus: bad_data: 1:5: parse error: unexpected end of input');
  });

  it('says so when something other than Prometheus answers', async () => {
    api.reply({ status: 502, text: '<html>Bad Gateway</html>' });
    const result = await gate({ query: 'up', threshold: '> 0' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe(
      `Prometheus: ${api.url}/api/v1/query answered 502 with no Prometheus API response: <html>Bad Gateway</html>`,
    );
  });

  it('gives up after its timeout with an error measurement', async () => {
    api.reply({ hang: true });
    const result = await gate({ query: 'up', threshold: '> 0', timeout: '200ms' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe(`Prometheus: no answer from ${api.url} within 200ms`);
  });
});

describe('prometheus gate: compare', () => {
  const STEP_S = 10;
  const STAGE_START = AT - 10 * STEP_S * 1000;
  // Points every step from a step after the stage began to the check.
  const points = (value: (i: number) => number) =>
    Array.from({ length: 10 }, (_, i): [number, string] => [STAGE_START / 1000 + STEP_S * (i + 1), String(value(i))]);

  it('takes range queries since the stage began, step by step, and hands the samples to mann-whitney', async () => {
    api.reply((request) => ({
      json: matrix(points((i) => (request.query.get('query')!.includes('web-v2') ? 0.3 + i / 1000 : 0.1 + i / 1000))),
    }));
    const { gate: g } = gate({
      compare: {
        canary: 'p99{version="{{canary}}"}',
        baseline: 'p99{version="{{baseline}}"}',
        judge: 'mann-whitney',
        tolerance: '10%',
        step: '10s',
        minSamples: 5,
        warmup: '0s',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));

    expect(api.requests.map((r) => [r.path, r.query.get('query'), r.query.get('start'), r.query.get('end'), r.query.get('step')])).toEqual([
      ['/api/v1/query_range', 'p99{version="web-v2"}', String(STAGE_START / 1000 + STEP_S), String(AT / 1000), String(STEP_S)],
      ['/api/v1/query_range', 'p99{version="web-v1"}', String(STAGE_START / 1000 + STEP_S), String(AT / 1000), String(STEP_S)],
    ]);
    expect(result.verdict).toBe('fail');
    expect(result.evidence.query).toBe('canary: p99{version="web-v2"}\nbaseline: p99{version="web-v1"}');
    expect(result.evidence.canary).toBeCloseTo(0.3045, 10);
    expect(result.evidence.baseline).toBeCloseTo(0.1045, 10);
    expect(result.evidence.threshold).toBe('mann-whitney: an increase beyond 10% at α 0.05');
    expect(result.evidence.details).toMatchObject({ judge: 'mann-whitney', samples: { canary: 10, baseline: 10 } });
    expect((result.evidence.details as { p: number }).p).toBeLessThan(0.001);
    const link = new URL(result.evidence.link!);
    expect(link.searchParams.get('g0.expr')).toBe('p99{version="web-v2"}');
    expect(link.searchParams.get('g1.expr')).toBe('p99{version="web-v1"}');
    expect(link.searchParams.get('g0.range_input')).toBe('1m40s');
  });

  it('is noData, not pass, with fewer samples than minSamples', async () => {
    api.reply({ json: matrix(points(() => 0.1).slice(0, 3)) });
    const { gate: g } = gate({ compare: { canary: 'a', baseline: 'b', minSamples: 5, step: '10s', warmup: '0s' } });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(result.verdict).toBe('inconclusive');
    expect(result.evidence.summary).toBe(
      "3 canary and 3 baseline samples; minSamples is 5 at the bake's last check (noData: inconclusive)",
    );
  });

  it('takes the last `window` instead of the stage when one is set', async () => {
    api.reply({ json: matrix([]) });
    const { gate: g } = gate({ compare: { canary: 'a', baseline: 'b', window: '5m', step: '1m' } });
    await g.measure(measureContext(AT, { stageStartedAt: AT - 3_600_000 }));
    expect(api.requests[0]!.query.get('start')).toBe(String((AT - 300_000 + 60_000) / 1000));
  });

  // Raw counters, as Prometheus returns them for a bare counter selector: one series per label set.
  const counterMatrix = (series: Array<Array<[number, number]>>) => ({
    status: 'success',
    data: {
      resultType: 'matrix',
      result: series.map((values, i) => ({ metric: { instance: `i${i}` }, values: values.map(([t, v]) => [t, String(v)]) })),
    },
  });
  const steps = (from: number, n: number) => Array.from({ length: n }, (_, i) => from / 1000 + STEP_S * i);

  it('reads raw counters from one step before the rollout began and differences them itself, each request once', async () => {
    // Canary: 6 errors in 100 requests a step; baseline: 1 in 100. Counters keep growing.
    const perStep: Record<string, number> = {
      'errors{v="web-v2"}': 6,
      'errors{v="web-v1"}': 1,
      'requests{v="web-v2"}': 100,
      'requests{v="web-v1"}': 100,
    };
    api.reply((request) => ({
      json: counterMatrix([steps(STAGE_START, 11).map((t, i) => [t, 5_000 + i * perStep[request.query.get('query')!]!])]),
    }));
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: 'errors{v="{{canary}}"}',
        baseline: 'errors{v="{{stable}}"}',
        requests: { canary: 'requests{v="{{canary}}"}', baseline: 'requests{v="{{stable}}"}' },
        step: '10s',
        warmup: '0s',
        tolerance: '0%',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(api.requests).toHaveLength(4);
    expect(api.requests.map((r) => [r.query.get('start'), r.query.get('end'), r.query.get('step')])).toEqual(
      Array(4).fill([String(STAGE_START / 1000), String(AT / 1000), String(STEP_S)]),
    );
    expect(result.verdict).toBe('fail');
    expect(result.evidence.canary).toBeCloseTo(0.06, 10);
    expect(result.evidence.baseline).toBeCloseTo(0.01, 10);
    expect(result.evidence.details).toMatchObject({
      judge: 'sequential',
      steps: 10,
      totals: { canaryErrors: 60, canaryRequests: 1000, baselineErrors: 10, baselineRequests: 1000 },
    });
    expect(result.evidence.summary).toMatch(/always-valid p=/);
  });

  it('counts through a counter reset and a series born late, and a missing error series as 0', async () => {
    const t = steps(STAGE_START, 11);
    const series: Record<string, Array<Array<[number, number]>>> = {
      // Two pods; pod 2 restarts after step 4 (its counter drops to 3: 3 new requests).
      'requests{v="web-v2"}': [
        t.map((at, i): [number, number] => [at, 1_000 + 50 * i]),
        t.map((at, i): [number, number] => [at, i < 5 ? 700 + 50 * i : 3 + 50 * (i - 5)]),
      ],
      'requests{v="web-v1"}': [t.map((at, i): [number, number] => [at, 9_000 + 100 * i])],
      // The canary's 5xx series is born at step 7 with 2 errors, then grows by 2 a step.
      'errors{v="web-v2"}': [t.slice(7).map((at, i): [number, number] => [at, 2 + 2 * i])],
      // The baseline has no 5xx series at all.
      'errors{v="web-v1"}': [],
    };
    api.reply((request) => ({ json: counterMatrix(series[request.query.get('query')!]!) }));
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: 'errors{v="{{canary}}"}',
        baseline: 'errors{v="{{stable}}"}',
        requests: { canary: 'requests{v="{{canary}}"}', baseline: 'requests{v="{{stable}}"}' },
        step: '10s',
        warmup: '0s',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    // Canary requests: 10 steps × 100, but the reset step counts 3 instead of 50 on pod 2.
    expect(result.evidence.details).toMatchObject({
      steps: 10,
      totals: { canaryErrors: 8, canaryRequests: 953, baselineErrors: 0, baselineRequests: 1000 },
    });
  });

  it('anchors at the first stage, marks each step with its stage, and judges no warm-up step', async () => {
    const first = AT - 20 * STEP_S * 1000;
    api.reply((request) => ({
      json: counterMatrix([
        steps(first, 21).map((t, i): [number, number] => [t, i * (request.query.get('query')!.startsWith('errors') ? 1 : 100)]),
      ]),
    }));
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: 'errors{v="{{canary}}"}',
        baseline: 'errors{v="{{stable}}"}',
        requests: { canary: 'requests{v="{{canary}}"}', baseline: 'requests{v="{{stable}}"}' },
        step: '10s',
        warmup: '20s',
      },
    });
    const stageStarts = [
      { stage: 1, at: first },
      { stage: 2, at: STAGE_START },
    ];
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START, stageStarts }));
    expect(api.requests[0]!.query.get('start')).toBe(String(first / 1000));
    const details = result.evidence.details as {
      steps: number;
      warmupIntervals: number;
      stages: Array<{ stage: number; intervals: number }>;
    };
    expect(details.steps).toBe(20);
    expect(details.warmupIntervals).toBe(4); // two 10 s steps after each of the two stage starts
    expect(details.stages.map((s) => [s.stage, s.intervals])).toEqual([
      [1, 10],
      [2, 10],
    ]);
    expect(result.verdict).toBe('pass');
  });

  it('takes per-step increases as they come when the query has its own window of one step', async () => {
    api.reply({ json: matrix(points(() => 10)) });
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: 'sum(increase(errors{v="{{canary}}"}[10s]))',
        baseline: 'sum(increase(errors{v="{{stable}}"}[10s]))',
        requests: { canary: 'sum(increase(requests{v="{{canary}}"}[10s]))', baseline: 'sum(increase(requests{v="{{stable}}"}[10s]))' },
        step: '10s',
        warmup: '0s',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(api.requests[0]!.query.get('start')).toBe(String((STAGE_START + STEP_S * 1000) / 1000));
    expect(result.evidence.details).toMatchObject({ steps: 10, totals: { canaryErrors: 100, canaryRequests: 100 } });
  });

  it('is noData while too few requests are counted, and an error when the counts are missing', async () => {
    api.reply({ json: counterMatrix([steps(STAGE_START, 11).map((t, i): [number, number] => [t, i])]) });
    const sequential = {
      judge: 'sequential',
      canary: 'e1',
      baseline: 'e2',
      requests: { canary: 'r1', baseline: 'r2' },
      step: '10s',
      warmup: '0s',
    };
    const low = await gate({ compare: sequential }).gate.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(low.verdict).toBe('inconclusive');
    expect(low.evidence.summary).toMatch(
      /^too little traffic: canary 10 requests, baseline 10 \(need 100 each\) at the bake's last check \(noData: inconclusive\)$/,
    );

    api.reply({ json: matrix([]) });
    const none = await gate({ compare: sequential, noData: 'fail' }).gate.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(none.verdict).toBe('fail');
    expect(none.evidence.summary).toBe("no requests counted (canary 0, baseline 0 over 0 steps) at the bake's last check (noData: fail)");
  });
});

describe('prometheus gate: range windows of compared samples', () => {
  const spec = (compare: string, interval = '30s') => `version: 1
traffic: { provider: embedded, url: "http://127.0.0.1:1/x" }
stages: [{ weight: 10 }]
gates:
  g:
    provider: prometheus
    url: http://127.0.0.1:9090
    interval: ${interval}
    compare:
${compare}
`;
  const errors = (text: string) => {
    const parsed = parseSpec(text, 'rollout.yml');
    return parsed.ok ? [] : parsed.errors.map(formatSpecError);
  };

  it('refuses a window longer than the step, where the spec says it (counts and latency alike)', () => {
    expect(
      errors(
        spec(`      judge: sequential
      canary: sum(increase(e{v="{{canary}}"}[1m]))
      baseline: sum(increase(e{v="{{stable}}"}[30s]))
      requests: { canary: 'sum(increase(r{v="{{canary}}"}[{{interval}}]))', baseline: r }`),
      ),
    ).toEqual([
      'rollout.yml:11:15 gates.g.compare.canary: range window [1m] is longer than the step (30s): each error would be counted about 2 times. Use [30s], or better the raw counter with no range function: Rollgate takes the differences itself',
    ]);
    expect(
      errors(
        spec(
          `      canary: histogram_quantile(0.99, sum by (le) (rate(b{v="{{canary}}"}[1m])))
      baseline: histogram_quantile(0.99, sum by (le) (rate(b{v="{{stable}}"}[{{interval}}])))
      step: 15s`,
          '1m',
        ),
      ).map((e) => e.replace(/: range window.*/, '')),
    ).toEqual(['rollout.yml:10:15 gates.g.compare.canary', 'rollout.yml:11:17 gates.g.compare.baseline']);
    // Equal to the step, raw counters, and subqueries no longer than the step are fine.
    expect(
      errors(
        spec(
          `      canary: rate(b[1m:10s])
      baseline: rate(b[1m])`,
          '1m',
        ),
      ),
    ).toEqual([]);
  });

  it('warns when a window holds fewer than 3 scrapes', () => {
    const warnings: string[] = [];
    const parsed = prometheusGate.schema.parse({
      provider: 'prometheus',
      url: 'http://127.0.0.1:9090',
      compare: { canary: 'sum(rate(b[30s]))', baseline: 'sum(rate(c[30s]))' },
    });
    const env = { ...providerEnv({}), log: { info() {}, debug() {}, mask() {}, warn: (m: string) => warnings.push(m) } };
    prometheusGate.create('latency', parsed, env);
    expect(warnings).toEqual([
      'gate "latency": compare.canary: range window [30s] holds fewer than 3 scrapes (scrapeInterval 15s), so Prometheus extrapolates; use a longer step and window',
      'gate "latency": compare.baseline: range window [30s] holds fewer than 3 scrapes (scrapeInterval 15s), so Prometheus extrapolates; use a longer step and window',
    ]);
  });
});

describe('prometheus gate: replay', () => {
  it('replays a window with one range query and holds each check against the threshold', async () => {
    const from = AT - 60_000;
    api.reply({
      json: matrix([
        [(from + 20_000) / 1000, '0.001'],
        [(from + 40_000) / 1000, '0.05'],
        [(from + 60_000) / 1000, '0.002'],
      ]),
    });
    const { gate: g } = gate({ query: RATIO, threshold: '< 0.01' });
    if (!isReplayable(g)) throw new Error('the prometheus gate replays');
    const checks = await g.replay(measureContext(AT), from, AT, 20_000);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]!.query.get('step')).toBe('20');
    expect(checks.map((c) => [c.at - from, c.verdict, c.evidence.value])).toEqual([
      [20_000, 'pass', 0.001],
      [40_000, 'fail', 0.05],
      [60_000, 'pass', 0.002],
    ]);
  });
});
