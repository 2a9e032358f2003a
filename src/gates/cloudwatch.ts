// Gate `cloudwatch`: Amazon CloudWatch GetMetricData. A query is one expression — a Metrics Insights
// query (SELECT … FROM SCHEMA(…)) or metric math — that may name metrics declared under `metrics:`
// by their id ("errors / requests"). Credentials come from the default AWS chain (environment,
// OIDC web identity in GitHub Actions, profile, instance role).
import type { CloudWatchClient, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import { defineGateProvider } from './provider.js';
import { duration } from '../config/common.js';
import { parseDuration } from '../config/duration.js';
import { renderTemplate } from './template.js';
import { awsCall, awsClientConfig, awsFields, type AwsClientConfig } from '../util/aws.js';
import {
  createMetricGate,
  latestValue,
  metricGateFields,
  refineMetricGate,
  type MetricSource,
  type Point,
  type TemplateContext,
} from './metric-gate.js';

const metricId = z
  .string()
  .regex(/^[a-z][A-Za-z0-9_]*$/, { error: 'metric ids start with a lower-case letter, then letters, digits and _' });

const metric = z.strictObject({
  namespace: z.string().min(1).describe('e.g. AWS/ApplicationELB'),
  metric: z.string().min(1).describe('Metric name, e.g. HTTPCode_Target_5XX_Count'),
  dimensions: z.record(z.string(), z.string()).default({}).describe('Dimension values; may use {{canary}}, {{stable}}... templates.'),
  stat: z.string().min(1).default('Average').describe('Sum, Average, Minimum, Maximum, SampleCount, p99, ...'),
  unit: z.string().optional(),
});

const RESULT_ID = 'rollgate';

export const cloudwatchGate = defineGateProvider({
  schema: z
    .strictObject({
      provider: z.literal('cloudwatch'),
      ...awsFields,
      metrics: z.record(metricId, metric).default({}).describe('Metrics the query names by id.'),
      period: z.int().min(1).default(60).describe('Seconds each point of a threshold gate covers (1, 5, 10, 20, 30 or a multiple of 60).'),
      lookback: duration.default('5m').describe('A threshold gate takes the latest complete point over this much time.'),
      ...metricGateFields,
    })
    .superRefine((gate, ctx) => {
      refineMetricGate(gate, ctx);
      if (validPeriod(gate.period) !== gate.period)
        ctx.addIssue({ code: 'custom', path: ['period'], message: 'a period is 1, 5, 10, 20, 30 or a multiple of 60 seconds' });
      if (RESULT_ID in gate.metrics)
        ctx.addIssue({
          code: 'custom',
          path: ['metrics', RESULT_ID],
          message: `"${RESULT_ID}" is the id of the query itself; name the metric otherwise`,
        });
    }),
  create(name, spec, env) {
    const client = awsClientConfig(spec, env, `gate "${name}"`);
    return createMetricGate(
      name,
      'cloudwatch',
      spec,
      cloudwatchSource(client, spec.metrics, spec.period, parseDuration(spec.lookback) ?? 300_000),
    );
  },
});

type MetricSpec = z.output<typeof metric>;

/** The nearest period GetMetricData takes that is at least `seconds`. */
export function validPeriod(seconds: number): number {
  for (const allowed of [1, 5, 10, 20, 30]) if (seconds <= allowed) return allowed;
  return Math.ceil(seconds / 60) * 60;
}

export function cloudwatchSource(
  config: AwsClientConfig,
  metrics: Record<string, MetricSpec>,
  periodSeconds: number,
  lookbackMs: number,
): MetricSource {
  const { region } = config;
  // The SDK is loaded with the first CloudWatch query, not with every CLI run.
  let sdk:
    | Promise<{ client: CloudWatchClient; GetMetricDataCommand: typeof import('@aws-sdk/client-cloudwatch').GetMetricDataCommand }>
    | undefined;
  const load = () =>
    (sdk ??= import('@aws-sdk/client-cloudwatch').then((m) => ({
      client: new m.CloudWatchClient(config),
      GetMetricDataCommand: m.GetMetricDataCommand,
    })));

  const queries = (expression: string, period: number, context: TemplateContext): MetricDataQuery[] => {
    const named = Object.entries(metrics).filter(([id]) => new RegExp(`\\b${id}\\b`).test(expression));
    return [
      ...named.map(([id, m]): MetricDataQuery => ({
        Id: id,
        MetricStat: {
          Metric: {
            Namespace: m.namespace,
            MetricName: m.metric,
            Dimensions: Object.entries(m.dimensions).map(([Name, value]) => ({ Name, Value: renderTemplate(value, context, 'text') })),
          },
          Period: period,
          Stat: m.stat,
          ...(m.unit ? { Unit: m.unit as never } : {}),
        },
        ReturnData: false,
      })),
      { Id: RESULT_ID, Expression: expression, Period: period, Label: RESULT_ID, ReturnData: true },
    ];
  };

  const points = async (
    expression: string,
    start: number,
    end: number,
    period: number,
    signal: AbortSignal,
    context: TemplateContext,
  ): Promise<Point[]> => {
    const { client, GetMetricDataCommand } = await load();
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    // Every page has every query's next points; a bake's window fits in one or two.
    for (let page = 0; page < 20; page++) {
      const answer = await awsCall(`GetMetricData (${region})`, 'cloudwatch:GetMetricData', () =>
        client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries(expression, period, context),
            StartTime: new Date(start - period * 1000),
            EndTime: new Date(end),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
          { abortSignal: signal },
        ),
      );
      for (const result of answer.MetricDataResults ?? []) {
        const known = results.find((r) => r.Id === result.Id && r.Label === result.Label);
        if (known) {
          known.Timestamps = [...(known.Timestamps ?? []), ...(result.Timestamps ?? [])];
          known.Values = [...(known.Values ?? []), ...(result.Values ?? [])];
        } else results.push({ ...result });
      }
      nextToken = answer.NextToken;
      if (!nextToken) break;
    }
    const failed = results.find((r) => r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden');
    if (failed) throw new Error(`${failed.StatusCode}: ${(failed.Messages ?? []).map((m) => m.Value).join('; ') || 'no details'}`);
    if (results.length > 1) {
      throw new Error(
        `the query returns ${results.length} series (${results
          .slice(0, 3)
          .map((r) => r.Label)
          .join(', ')}); aggregate it to one, e.g. SUM(SEARCH(…))`,
      );
    }
    const result = results[0];
    const stamps = result?.Timestamps ?? [];
    // A timestamp starts its period; the point is the period's end, and only complete periods count.
    return stamps
      .map((stamp, i) => ({ at: stamp.getTime() + period * 1000, value: result!.Values![i]! }))
      .filter((p) => p.at <= end && Number.isFinite(p.value));
  };

  return {
    label: 'CloudWatch',
    language: 'cloudwatch',
    async instant(query, at, signal, context) {
      return latestValue(await points(query, at - lookbackMs, at, periodSeconds, signal, context));
    },
    range: (query, start, end, stepMs, signal, context) =>
      points(query, start, end, validPeriod(Math.max(1, Math.round(stepMs / 1000))), signal, context),
    link(expressions, start, end, context) {
      const lines: unknown[] = [];
      const ids = new Set<string>();
      expressions.forEach((expression, i) => {
        for (const [id, m] of Object.entries(metrics)) {
          if (ids.has(id) || !new RegExp(`\\b${id}\\b`).test(expression)) continue;
          ids.add(id);
          const dimensions = Object.entries(m.dimensions).flatMap(([k, v]) => [k, renderTemplate(v, context, 'text')]);
          lines.push([m.namespace, m.metric, ...dimensions, { id, stat: m.stat, visible: false }]);
        }
        lines.push([{ expression, label: expressions.length > 1 ? `q${i + 1}` : RESULT_ID, id: `q${i + 1}` }]);
      });
      const graph = {
        view: 'timeSeries',
        stacked: false,
        region,
        start: new Date(start).toISOString(),
        end: new Date(end).toISOString(),
        period: periodSeconds,
        metrics: lines,
      };
      return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#metricsV2:graph=${jsurl(graph)}`;
    },
  };
}

/** JSURL, the compact JSON-in-a-URL the CloudWatch console reads its graph state from. */
export function jsurl(value: unknown): string {
  const encode = (s: string) =>
    s.replace(/[^\w.-]/g, (ch) => {
      if (ch === '$') return '!';
      const code = ch.charCodeAt(0);
      return code < 0x100 ? `*${code.toString(16).padStart(2, '0')}` : `**${code.toString(16).padStart(4, '0')}`;
    });
  if (value === null || value === undefined) return '~null';
  if (typeof value === 'number') return Number.isFinite(value) ? `~${value}` : '~null';
  if (typeof value === 'boolean') return `~${value}`;
  if (typeof value === 'string') return `~'${encode(value)}`;
  if (Array.isArray(value)) return `~(${value.map((v) => jsurl(v)).join('') || '~'})`;
  return `~(${Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encode(k)}${jsurl(v)}`)
    .join('~')})`;
}
