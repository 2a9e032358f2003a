// Gate `newrelic`: NRQL through NerdGraph (POST to the GraphQL endpoint with a user API key).
// Rollgate adds the time clauses itself (SINCE … UNTIL … in epoch milliseconds, and TIMESERIES for
// comparisons), so queries leave them out.
import { readBodyCapped } from '../util/body.js';
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration, httpUrl } from '../config/common.js';
import { parseDuration } from '../config/duration.js';
import { envVarName, readSecret } from '../util/credentials.js';
import {
  createMetricGate,
  metricGateFields,
  refineMetricGate,
  requestFailure,
  type MetricGateSpec,
  type MetricSource,
  type Point,
} from './metric-gate.js';

const ENDPOINTS = { us: 'https://api.newrelic.com/graphql', eu: 'https://api.eu.newrelic.com/graphql' } as const;
const UI = { us: 'https://one.newrelic.com', eu: 'https://one.eu.newrelic.com' } as const;
const TIME_CLAUSE = /\b(SINCE|UNTIL|TIMESERIES)\b/i;

export const NRQL_DOCUMENT =
  'query RollgateNrql($accountId: Int!, $nrql: Nrql!) { actor { account(id: $accountId) { nrql(query: $nrql) { results } } } }';

export const newrelicGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('newrelic'),
      accountId: z.int().positive().describe('The New Relic account the NRQL runs in.'),
      region: z.enum(['us', 'eu']).default('us').describe('Data center of the account.'),
      endpoint: httpUrl.optional().describe("NerdGraph URL (default: the region's, e.g. https://api.newrelic.com/graphql)."),
      apiKeyEnv: envVarName.default('NEW_RELIC_API_KEY').describe('Environment variable holding a user API key (NRAK-…).'),
      field: z.string().min(1).optional().describe('Result field holding the number, when a row has several (e.g. "percentile.duration").'),
      lookback: duration.default('5m').describe('A threshold gate aggregates over this much time before the check.'),
      timeout: duration.default('15s').describe('Time limit of one query.'),
      ...metricGateFields,
    })
    .superRefine((gate, ctx) => {
      refineMetricGate(gate, ctx);
      for (const [query, path] of nrqlQueries(gate)) {
        if (TIME_CLAUSE.test(query))
          ctx.addIssue({
            code: 'custom',
            path,
            message: 'leave out SINCE, UNTIL and TIMESERIES: Rollgate adds the time range of each check',
          });
      }
    }),
  create(name, spec, env) {
    const source = newrelicSource({
      endpoint: spec.endpoint ?? ENDPOINTS[spec.region],
      uiUrl: UI[spec.region],
      accountId: spec.accountId,
      apiKey: readSecret(env, spec.apiKeyEnv, `gate "${name}"`),
      ...(spec.field ? { field: spec.field } : {}),
      lookbackMs: parseDuration(spec.lookback) ?? 300_000,
      timeoutMs: parseDuration(spec.timeout) ?? 15_000,
    });
    return createMetricGate(name, 'newrelic', spec, source);
  },
});

function nrqlQueries(gate: MetricGateSpec): Array<[string, string[]]> {
  const c = gate.compare;
  return [
    ...(gate.query ? [[gate.query, ['query']] as [string, string[]]] : []),
    ...(c
      ? ([
          [c.canary, ['compare', 'canary']],
          [c.baseline, ['compare', 'baseline']],
        ] as Array<[string, string[]]>)
      : []),
    ...(c?.requests
      ? ([
          [c.requests.canary, ['compare', 'requests', 'canary']],
          [c.requests.baseline, ['compare', 'requests', 'baseline']],
        ] as Array<[string, string[]]>)
      : []),
  ];
}

interface NewRelicOptions {
  endpoint: string;
  uiUrl: string;
  accountId: number;
  apiKey: string;
  field?: string;
  lookbackMs: number;
  timeoutMs: number;
}

type Row = Record<string, unknown>;
const TIME_KEYS = new Set(['beginTimeSeconds', 'endTimeSeconds']);

export function newrelicSource(options: NewRelicOptions): MetricSource {
  const run = async (nrql: string, signal: AbortSignal): Promise<Row[]> => {
    let response: Response;
    let text: string;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    try {
      response = await fetch(options.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'api-key': options.apiKey },
        body: JSON.stringify({ query: NRQL_DOCUMENT, variables: { accountId: options.accountId, nrql } }),
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await readBodyCapped(response);
    } catch (error) {
      throw new Error(requestFailure(error, new URL(options.endpoint).origin, options.timeoutMs, timeout.aborted));
    }
    let body: { data?: { actor?: { account?: { nrql?: { results?: Row[] } | null } | null } }; errors?: Array<{ message: string }> };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new Error(`NerdGraph answered ${response.status}: ${text.slice(0, 200)}`);
    }
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
    if (!response.ok) throw new Error(`NerdGraph answered ${response.status}`);
    const results = body.data?.actor?.account?.nrql?.results;
    if (!Array.isArray(results)) throw new Error(`no NRQL results for account ${options.accountId}`);
    return results;
  };

  const number = (row: Row): number | null => {
    if (options.field && !(options.field in row))
      throw new Error(`the results have no field "${options.field}" (fields: ${Object.keys(row).join(', ')})`);
    const candidates: Array<[string, unknown]> = options.field
      ? [[options.field, row[options.field]]]
      : Object.entries(row).filter(([key]) => !TIME_KEYS.has(key) && key !== 'facet');
    // percentile() and friends nest their values: {"percentile.duration": {"99": 0.41}}.
    const numbers = candidates.flatMap(([key, value]) =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).map(([inner, v]) => [`${key}.${inner}`, v] as const)
        : [[key, value] as const],
    );
    const found = numbers.filter(([, v]) => typeof v === 'number');
    if (found.length > 1) throw new Error(`a result row has several numbers (${found.map(([k]) => k).join(', ')}); name one with field:`);
    return found.length ? (found[0]![1] as number) : null;
  };

  return {
    label: 'New Relic',
    language: 'nrql',
    async instant(query, at, signal) {
      const rows = await run(`${query} SINCE ${Math.round(at - options.lookbackMs)} UNTIL ${Math.round(at)}`, signal);
      if (rows.length > 1) throw new Error(`the query returns ${rows.length} rows; aggregate it to one (no FACET)`);
      return rows.length ? number(rows[0]!) : null;
    },
    async range(query, start, end, stepMs, signal) {
      const stepSeconds = Math.max(1, Math.round(stepMs / 1000));
      // Buckets end at start, start + step, …: the first one begins a step before start.
      const rows = await run(
        `${query} SINCE ${Math.round(start - stepSeconds * 1000)} UNTIL ${Math.round(end)} TIMESERIES ${stepSeconds} seconds`,
        signal,
      );
      const points: Point[] = [];
      const seen = new Set<number>();
      for (const row of rows) {
        const endSeconds = row.endTimeSeconds;
        if (typeof endSeconds !== 'number') throw new Error('TIMESERIES results without endTimeSeconds');
        if (seen.has(endSeconds)) throw new Error('the query returns several series (FACET?); aggregate it to one');
        seen.add(endSeconds);
        const value = number(row);
        if (value !== null) points.push({ at: endSeconds * 1000, value });
      }
      return points;
    },
    link(queries, start, end) {
      const nrql = `${queries[0] ?? ''} SINCE ${Math.round(start)} UNTIL ${Math.round(end)}`;
      const pane = {
        nerdletId: 'data-exploration.query-builder',
        initialActiveInterface: 'nrqlEditor',
        initialNrqlValue: nrql,
        initialAccountId: options.accountId,
      };
      const url = new URL('/launcher/data-exploration.query-builder', options.uiUrl);
      url.searchParams.set('pane', Buffer.from(JSON.stringify(pane)).toString('base64'));
      url.searchParams.set('platform[accountId]', String(options.accountId));
      return url.toString();
    },
  };
}
