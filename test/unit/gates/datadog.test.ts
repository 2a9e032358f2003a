// The requests the datadog gate sends (GET /api/v1/query, over fetch) and
// how it reads the documented MetricsQueryResponse, on a recording endpoint standing in for the API.
import { describe, expect, it } from 'vitest';
import { datadogGate } from '../../../src/gates/datadog.js';
import { measureContext, providerEnv, useRecorder } from './http-recorder.js';

const api = useRecorder();

const AT = Date.UTC(2026, 4, 1, 14, 0, 0);
const KEYS = { DD_API_KEY: 'api-key-0123456789', DD_APP_KEY: 'app-key-0123456789' };

// The shape of the documented 200 answer of GET /api/v1/query.
function response(series: Array<{ scope: string; pointlist: Array<[number, number | null]> }>) {
  return {
    status: 'ok',
    res_type: 'time_series',
    from_date: AT - 300_000,
    to_date: AT,
    group_by: [],
    message: '',
    query: 'q',
    series: series.map((s) => ({
      aggr: 'sum',
      display_name: 'trace.http.request.errors',
      end: AT,
      expression: `sum:trace.http.request.errors{${s.scope}}`,
      interval: 60,
      length: s.pointlist.length,
      metric: 'trace.http.request.errors',
      pointlist: s.pointlist,
      query_index: 0,
      scope: s.scope,
      start: AT - 300_000,
      tag_set: [],
      unit: [{ family: 'percentage', name: 'fraction', plural: 'fractions', scale_factor: 1, short_name: '' }, null],
    })),
  };
}

function gate(fields: Record<string, unknown>, variables: Record<string, string> = KEYS) {
  const spec = datadogGate.schema.parse({ provider: 'datadog', apiUrl: api.url, ...fields });
  const env = providerEnv(variables);
  return { gate: datadogGate.create('errors', spec, env), env };
}

const QUERY =
  'sum:trace.http.request.errors{service:web,version:{{canary}}}.as_count() / sum:trace.http.request.hits{service:web,version:{{canary}}}.as_count()';
const RENDERED =
  'sum:trace.http.request.errors{service:web,version:web-v2}.as_count() / sum:trace.http.request.hits{service:web,version:web-v2}.as_count()';

describe('datadog gate', () => {
  it('queries the last lookback with both keys as headers, masks them, and takes the latest complete point', async () => {
    // 60 s rollups: the one that began at AT is not over, the one before it is the latest complete one.
    api.reply({
      json: response([
        {
          scope: 'service:web,version:web-v2',
          pointlist: [
            [AT - 180_000, 0.02],
            [AT - 120_000, 0.03],
            [AT - 60_000, 0.004],
            [AT, 0.9],
          ],
        },
      ]),
    });
    const { gate: g, env } = gate({ query: QUERY, threshold: '< 0.01', lookback: '5m' });
    const result = await g.measure(measureContext(AT));

    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.method).toBe('GET');
    expect(request!.path).toBe('/api/v1/query');
    expect(Object.fromEntries(request!.query)).toEqual({ from: String((AT - 300_000) / 1000), to: String(AT / 1000), query: RENDERED });
    expect(request!.headers['dd-api-key']).toBe(KEYS.DD_API_KEY);
    expect(request!.headers['dd-application-key']).toBe(KEYS.DD_APP_KEY);
    expect(request!.headers.accept).toBe('application/json');
    expect(env.masked).toEqual([KEYS.DD_API_KEY, KEYS.DD_APP_KEY]);

    expect(result.verdict).toBe('pass');
    expect(result.evidence).toMatchObject({ query: RENDERED, value: 0.004, threshold: '< 0.01', summary: '0.004 meets < 0.01' });
    expect(JSON.stringify(result)).not.toContain(KEYS.DD_API_KEY);
  });

  it('reads the keys from the variables the spec names', async () => {
    api.reply({ json: response([{ scope: '*', pointlist: [[AT - 60_000, 1]] }]) });
    const { gate: g } = gate(
      { query: 'avg:x{*}', threshold: '> 0', apiKeyEnv: 'STAGING_DD_API', appKeyEnv: 'STAGING_DD_APP' },
      { STAGING_DD_API: 'k1-long', STAGING_DD_APP: 'k2-long' },
    );
    await g.measure(measureContext(AT));
    expect(api.requests[0]!.headers['dd-api-key']).toBe('k1-long');
    expect(api.requests[0]!.headers['dd-application-key']).toBe('k2-long');
  });

  it('refuses to start without its keys', () => {
    expect(() => gate({ query: 'avg:x{*}', threshold: '> 0' }, { DD_API_KEY: 'only-one' })).toThrow(
      'gate "errors": environment variable DD_APP_KEY is not set',
    );
  });

  it('links to the metric explorer of the site with the first metric, its scope and the window', async () => {
    api.reply({ json: response([{ scope: 'service:web,version:web-v2', pointlist: [[AT - 60_000, 0.5]] }]) });
    const result = await gate({ query: QUERY, threshold: '< 1', site: 'datadoghq.eu' }).gate.measure(measureContext(AT));
    const link = new URL(result.evidence.link!);
    expect(`${link.origin}${link.pathname}`).toBe('https://app.datadoghq.eu/metric/explorer');
    expect(Object.fromEntries(link.searchParams)).toMatchObject({
      exp_metric: 'trace.http.request.errors',
      exp_scope: 'service:web,version:web-v2',
      exp_agg: 'sum',
      live: 'false',
      to_ts: String(AT),
    });
    const us5 = await gate({ query: QUERY, threshold: '< 1', site: 'us5.datadoghq.com' }).gate.measure(measureContext(AT));
    expect(us5.evidence.link).toMatch(/^https:\/\/us5\.datadoghq\.com\/metric\/explorer\?/);
  });

  it('gives noData for no series or only null points', async () => {
    api.reply({ json: response([]) });
    expect((await gate({ query: QUERY, threshold: '< 0.01' }).gate.measure(measureContext(AT))).verdict).toBe('inconclusive');
    api.reply({ json: response([{ scope: '*', pointlist: [[AT - 60_000, null]] }]) });
    const nulls = await gate({ query: QUERY, threshold: '< 0.01', noData: 'fail' }).gate.measure(measureContext(AT));
    expect(nulls.verdict).toBe('fail');
    expect(nulls.evidence.summary).toBe('no data (noData: fail)');
  });

  it('is an error when the query is grouped into several series', async () => {
    api.reply({
      json: response([
        { scope: 'version:web-v1', pointlist: [[AT - 60_000, 1]] },
        { scope: 'version:web-v2', pointlist: [[AT - 60_000, 2]] },
      ]),
    });
    const result = await gate({ query: 'sum:x{*} by {version}', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe(
      'Datadog: the query returns 2 series (version:web-v1; version:web-v2); aggregate it to one, e.g. sum:metric{…} without "by {…}"',
    );
  });

  it("reports the API's documented error body", async () => {
    api.reply({ status: 403, json: { errors: ['Forbidden'] } });
    const result = await gate({ query: QUERY, threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toBe('Datadog: HTTP 403: Forbidden');
  });

  it('reports an unreachable API as an error measurement', async () => {
    const spec = datadogGate.schema.parse({ provider: 'datadog', apiUrl: 'http://127.0.0.1:1', query: QUERY, threshold: '< 1' });
    const result = await datadogGate.create('errors', spec, providerEnv(KEYS)).measure(measureContext(AT));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toMatch(/^Datadog: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });

  it('compares canary and baseline points since the stage began with mann-whitney', async () => {
    const start = AT - 600_000;
    // Rollup intervals of 60 s, the last one ending at the check.
    const points = (base: number) => Array.from({ length: 10 }, (_, i): [number, number] => [start + i * 60_000, base + i / 1000]);
    api.reply((request) => ({
      json: response([{ scope: '*', pointlist: points(request.query.get('query')!.includes('web-v2') ? 0.25 : 0.2) }]),
    }));
    const { gate: g } = gate({
      compare: {
        canary: 'p99:latency{version:{{canary}}}',
        baseline: 'p99:latency{version:{{stable}}}',
        tolerance: '50%',
        step: '1m',
        minSamples: 5,
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: start }));
    expect(api.requests.map((r) => [r.query.get('query'), r.query.get('from'), r.query.get('to')])).toEqual([
      ['p99:latency{version:web-v2}', String((start + 60_000) / 1000), String(AT / 1000)],
      ['p99:latency{version:web-v1}', String((start + 60_000) / 1000), String(AT / 1000)],
    ]);
    expect(result.verdict).toBe('pass');
    expect(result.evidence.details).toMatchObject({ judge: 'mann-whitney', samples: { canary: 10, baseline: 10 } });
  });

  // The gate speaks the endpoint itself (the official client is a 22 MB bundle); the official client,
  // sent the same query, must put the same request on the wire and read the same answer.
  it('sends the request the official @datadog/datadog-api-client sends for the same query', async () => {
    const answer = response([{ scope: 'service:web', pointlist: [[AT - 60_000, 0.004]] }]);
    api.reply({ json: answer });
    await gate({ query: QUERY, threshold: '< 0.01', lookback: '5m' }).gate.measure(measureContext(AT));
    const ours = api.requests[0]!;

    const { client, v1 } = await import('@datadog/datadog-api-client');
    const configuration = client.createConfiguration({
      authMethods: { apiKeyAuth: KEYS.DD_API_KEY, appKeyAuth: KEYS.DD_APP_KEY },
      baseServer: new client.BaseServerConfiguration(api.url, {}),
    });
    const official = await new v1.MetricsApi(configuration).queryMetrics({ from: (AT - 300_000) / 1000, to: AT / 1000, query: RENDERED });
    const theirs = api.requests[1]!;

    expect([ours.method, ours.path, Object.fromEntries(ours.query)]).toEqual([
      theirs.method,
      theirs.path,
      Object.fromEntries(theirs.query),
    ]);
    for (const header of ['dd-api-key', 'dd-application-key', 'accept']) expect(ours.headers[header]).toBe(theirs.headers[header]);
    expect(official.series?.[0]?.pointlist).toEqual(answer.series[0]!.pointlist);
  }, 120_000); // the official client takes seconds to load on a busy machine
});
