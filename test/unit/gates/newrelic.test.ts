// The NerdGraph requests the newrelic gate sends (POST, API-Key header, the NRQL as a variable) and
// how it reads the documented `results` of an NRQL query, on a recording endpoint.
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { newrelicGate, NRQL_DOCUMENT } from '../../../src/gates/newrelic.js';
import { parseSpec } from '../../../src/config/load.js';
import { measureContext, providerEnv, useRecorder } from './http-recorder.js';

const api = useRecorder();

const AT = Date.UTC(2026, 4, 1, 14, 0, 0);
const KEY = { NEW_RELIC_API_KEY: 'NRAK-0123456789ABCDEF' };
const results = (rows: unknown[]) => ({ json: { data: { actor: { account: { nrql: { results: rows } } } } } });

function gate(fields: Record<string, unknown>, variables: Record<string, string> = KEY) {
  const spec = newrelicGate.schema.parse({ provider: 'newrelic', accountId: 1234567, endpoint: `${api.url}/graphql`, ...fields });
  const env = providerEnv(variables);
  return { gate: newrelicGate.create('errors', spec, env), env };
}

const NRQL = "SELECT percentage(count(*), WHERE error IS true) FROM Transaction WHERE appName = 'web' AND tags.version = '{{canary}}'";
const RENDERED = "SELECT percentage(count(*), WHERE error IS true) FROM Transaction WHERE appName = 'web' AND tags.version = 'web-v2'";

describe('newrelic gate', () => {
  it('posts the NRQL with the time range to NerdGraph with the API key, and reads a single aggregate', async () => {
    api.reply(results([{ percentage: 0.4 }]));
    const { gate: g, env } = gate({ query: NRQL, threshold: '< 1', lookback: '5m' });
    const result = await g.measure(measureContext(AT));

    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/graphql');
    expect(request!.headers['api-key']).toBe(KEY.NEW_RELIC_API_KEY);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({
      query: NRQL_DOCUMENT,
      variables: { accountId: 1234567, nrql: `${RENDERED} SINCE ${AT - 300_000} UNTIL ${AT}` },
    });
    expect(env.masked).toEqual([KEY.NEW_RELIC_API_KEY]);

    expect(result.verdict).toBe('pass');
    expect(result.evidence).toMatchObject({ query: RENDERED, value: 0.4, threshold: '< 1' });
    expect(JSON.stringify(result)).not.toContain(KEY.NEW_RELIC_API_KEY);
  });

  it('sends a well-formed GraphQL document', () => {
    const document = parse(NRQL_DOCUMENT);
    expect(document.definitions).toHaveLength(1);
    expect(NRQL_DOCUMENT).toContain('account(id: $accountId)');
    expect(NRQL_DOCUMENT).toContain('nrql(query: $nrql)');
  });

  it('links to the query builder with the NRQL and the account', async () => {
    api.reply(results([{ percentage: 0.4 }]));
    const result = await gate({ query: NRQL, threshold: '< 1', region: 'eu' }).gate.measure(measureContext(AT));
    const link = new URL(result.evidence.link!);
    expect(`${link.origin}${link.pathname}`).toBe('https://one.eu.newrelic.com/launcher/data-exploration.query-builder');
    expect(link.searchParams.get('platform[accountId]')).toBe('1234567');
    const pane = JSON.parse(Buffer.from(link.searchParams.get('pane')!, 'base64').toString()) as Record<string, unknown>;
    expect(pane).toMatchObject({ nerdletId: 'data-exploration.query-builder', initialAccountId: 1234567 });
    expect(pane.initialNrqlValue).toMatch(new RegExp(`^${RENDERED.replace(/[()*.]/g, '\\$&')} SINCE \\d+ UNTIL ${AT}$`));
  });

  it('reads nested function results (percentile) and picks a field by name', async () => {
    api.reply(results([{ 'percentile.duration': { '99': 0.41 } }]));
    const p99 = await gate({ query: 'SELECT percentile(duration, 99) FROM Transaction', threshold: '< 0.5' }).gate.measure(
      measureContext(AT),
    );
    expect(p99.evidence.value).toBe(0.41);

    api.reply(results([{ count: 1000, 'average.duration': 0.2 }]));
    const several = await gate({ query: 'SELECT count(*), average(duration) FROM Transaction', threshold: '< 0.5' }).gate.measure(
      measureContext(AT),
    );
    expect(several.verdict).toBe('error');
    expect(several.evidence.summary).toBe('New Relic: a result row has several numbers (count, average.duration); name one with field:');

    const picked = await gate({
      query: 'SELECT count(*), average(duration) FROM Transaction',
      threshold: '< 0.5',
      field: 'average.duration',
    }).gate.measure(measureContext(AT));
    expect(picked.evidence.value).toBe(0.2);
  });

  it('gives noData for an empty or null result', async () => {
    api.reply(results([]));
    expect((await gate({ query: NRQL, threshold: '< 1' }).gate.measure(measureContext(AT))).verdict).toBe('inconclusive');
    api.reply(results([{ percentage: null }]));
    const nulls = await gate({ query: NRQL, threshold: '< 1', noData: 'fail' }).gate.measure(measureContext(AT));
    expect(nulls.verdict).toBe('fail');
    expect(nulls.evidence.summary).toBe('no data (noData: fail)');
  });

  it("reports NerdGraph's errors array and FACET rows as error measurements", async () => {
    api.reply({
      json: {
        data: { actor: { account: { nrql: null } } },
        errors: [{ message: 'NRDB query error: Unknown function percentag()', path: ['actor', 'account', 'nrql'] }],
      },
    });
    const bad = await gate({ query: 'SELECT percentag(x) FROM T', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(bad.verdict).toBe('error');
    expect(bad.evidence.summary).toBe('New Relic: NRDB query error: Unknown function percentag()');

    api.reply(
      results([
        { facet: 'web-v1', count: 1 },
        { facet: 'web-v2', count: 2 },
      ]),
    );
    const faceted = await gate({ query: 'SELECT count(*) FROM T FACET tags.version', threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(faceted.evidence.summary).toBe('New Relic: the query returns 2 rows; aggregate it to one (no FACET)');

    api.reply({ status: 401, text: 'unauthorized' });
    const denied = await gate({ query: NRQL, threshold: '< 1' }).gate.measure(measureContext(AT));
    expect(denied.evidence.summary).toBe('New Relic: NerdGraph answered 401: unauthorized');
  });

  it('asks for TIMESERIES buckets ending at each step and pairs counts for the sequential judge', async () => {
    const start = AT - 10 * 60_000;
    const rows = (value: number) =>
      Array.from({ length: 10 }, (_, i) => ({
        beginTimeSeconds: (start + i * 60_000) / 1000,
        endTimeSeconds: (start + (i + 1) * 60_000) / 1000,
        count: value,
      }));
    const counts: Record<string, number> = { 'errors web-v2': 8, 'errors web-v1': 2, 'requests web-v2': 200, 'requests web-v1': 200 };
    api.reply((request) => {
      const nrql = (JSON.parse(request.body) as { variables: { nrql: string } }).variables.nrql;
      const key = Object.keys(counts).find((k) =>
        nrql.startsWith(`SELECT count(*) FROM ${k.split(' ')[0]} WHERE v = '${k.split(' ')[1]}'`),
      )!;
      return results(rows(counts[key]!));
    });
    const { gate: g } = gate({
      compare: {
        judge: 'sequential',
        canary: "SELECT count(*) FROM errors WHERE v = '{{canary}}'",
        baseline: "SELECT count(*) FROM errors WHERE v = '{{stable}}'",
        requests: {
          canary: "SELECT count(*) FROM requests WHERE v = '{{canary}}'",
          baseline: "SELECT count(*) FROM requests WHERE v = '{{stable}}'",
        },
        step: '1m',
      },
    });
    const result = await g.measure(measureContext(AT, { stageStartedAt: start }));
    const sent = api.requests.map((r) => (JSON.parse(r.body) as { variables: { nrql: string } }).variables.nrql);
    expect(sent[0]).toBe(`SELECT count(*) FROM errors WHERE v = 'web-v2' SINCE ${start} UNTIL ${AT} TIMESERIES 60 seconds`);
    expect(sent).toHaveLength(4);
    expect(result.verdict).toBe('fail');
    expect(result.evidence.details).toMatchObject({
      steps: 10,
      totals: { canaryErrors: 80, canaryRequests: 2000, baselineErrors: 20, baselineRequests: 2000 },
    });
  });

  it('refuses queries with their own time clauses, and starts only with its key', () => {
    const parsed = parseSpec(
      `version: 1
traffic: { provider: embedded, url: "http://127.0.0.1:1/x" }
stages: [{ weight: 10 }]
gates:
  e:
    provider: newrelic
    accountId: 1
    query: SELECT count(*) FROM T SINCE 1 hour ago
    threshold: "< 1"
`,
      'rollout.yml',
    );
    expect(parsed.ok).toBe(false);
    expect(parsed.errors.map((e) => `${e.line} ${e.path}: ${e.message}`)).toEqual([
      '8 gates.e.query: leave out SINCE, UNTIL and TIMESERIES: Rollgate adds the time range of each check',
    ]);
    expect(() => gate({ query: NRQL, threshold: '< 1' }, {})).toThrow('gate "errors": environment variable NEW_RELIC_API_KEY is not set');
  });
});
