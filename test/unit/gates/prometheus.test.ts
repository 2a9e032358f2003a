// The requests the prometheus gate sends (HTTP API v1) and how it reads the API's documented
// answers: vector, scalar, matrix, errors. The real server is in test/integration/prometheus/.
import { describe, expect, it } from 'vitest';
import { prometheusGate } from '../../../src/gates/prometheus.js';
import { isReplayable } from '../../../src/gates/metric-gate.js';
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

  it('reads +Inf as infinity, which breaks an upper bound', async () => {
    api.reply({ json: vector('+Inf') });
    const result = await gate({ query: 'x', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('fail');
    expect(result.evidence.value).toBe(Infinity);
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
    const { gate: g } = gate({ compare: { canary: 'a', baseline: 'b', minSamples: 5, step: '10s' } });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(result.verdict).toBe('inconclusive');
    expect(result.evidence.summary).toBe('3 canary and 3 baseline samples; minSamples is 5 (noData: inconclusive)');
  });

  it('takes the last `window` instead of the stage when one is set', async () => {
    api.reply({ json: matrix([]) });
    const { gate: g } = gate({ compare: { canary: 'a', baseline: 'b', window: '5m', step: '1m' } });
    await g.measure(measureContext(AT, { stageStartedAt: AT - 3_600_000 }));
    expect(api.requests[0]!.query.get('start')).toBe(String((AT - 300_000 + 60_000) / 1000));
  });

  it('pairs error and request counts step by step for the sequential judge', async () => {
    // Canary: 6 errors in 100 requests a step; baseline: 1 in 100.
    const counts: Record<string, number> = {
      'errors{v="web-v2"}': 6,
      'errors{v="web-v1"}': 1,
      'requests{v="web-v2"}': 100,
      'requests{v="web-v1"}': 100,
    };
    api.reply((request) => ({ json: matrix(points(() => counts[request.query.get('query')!]!)) }));
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: 'errors{v="{{canary}}"}',
        baseline: 'errors{v="{{stable}}"}',
        requests: { canary: 'requests{v="{{canary}}"}', baseline: 'requests{v="{{stable}}"}' },
        step: '10s',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(api.requests).toHaveLength(4);
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

  it('is noData while too few requests are counted, and an error when the counts are missing', async () => {
    api.reply({ json: matrix(points(() => 1)) });
    const sequential = { judge: 'sequential', canary: 'e1', baseline: 'e2', requests: { canary: 'r1', baseline: 'r2' }, step: '10s' };
    const low = await gate({ compare: sequential }).gate.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(low.verdict).toBe('inconclusive');
    expect(low.evidence.summary).toMatch(
      /^too little traffic: canary 10 requests, baseline 10 \(need 100 each\) \(noData: inconclusive\)$/,
    );

    api.reply({ json: matrix([]) });
    const none = await gate({ compare: sequential, noData: 'fail' }).gate.measure(measureContext(AT, { stageStartedAt: STAGE_START }));
    expect(none.verdict).toBe('fail');
    expect(none.evidence.summary).toBe('no requests counted (canary 0, baseline 0 over 0 steps) (noData: fail)');
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
