// The cloudwatch gate against moto: metric data is put with the real CloudWatch client, then read
// through the gate (GetMetricData, really serialised and parsed). moto computes statistics per period
// for MetricStat queries and passes a metric id through as an expression, but no other metric math,
// no Metrics Insights filtering, no paging and no per-query status: those answers are given by the
// harness front in AWS's JSON form, still parsed by the real SDK.
import { describe, expect, it } from 'vitest';
import { CloudWatchClient, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { cloudwatchGate } from '../../../src/gates/cloudwatch.js';
import { measureContext, providerEnv } from '../../unit/gates/http-recorder.js';
import { ROLLOUT_TIMEOUT, clientConfig, iamUser, useMoto } from './fixtures.js';
import { MOTO_CREDENTIALS, MOTO_REGION } from '../../harness/moto.js';

const { moto } = useMoto((m) => new CloudWatchClient(clientConfig(m)).send(new ListMetricsCommand({})));
const MINUTE = 60_000;
/** The start of the current minute: periods before it are complete, the one after it is not. */
const minute = () => Math.floor(Date.now() / MINUTE) * MINUTE;
const keys = { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey };

const dimensions = (version: string) => [
  { Name: 'LoadBalancer', Value: 'app/web/50dc6c495c0c9188' },
  { Name: 'TargetGroup', Value: `targetgroup/${version}/73e2d6bc24d8a067` },
];
const metric = (name: string, version = '{{canary}}') => ({
  namespace: 'AWS/ApplicationELB',
  metric: name,
  stat: 'Sum',
  dimensions: { LoadBalancer: 'app/web/50dc6c495c0c9188', TargetGroup: `targetgroup/${version}/73e2d6bc24d8a067` },
});

/** One point per minute: `[minutes before now's minute, value]`, 1 s into that minute. */
async function put(name: string, version: string, points: Array<[number, number]>, at: number) {
  await new CloudWatchClient(clientConfig(moto())).send(
    new PutMetricDataCommand({
      Namespace: 'AWS/ApplicationELB',
      MetricData: points.map(([ago, value]) => ({
        MetricName: name,
        Dimensions: dimensions(version),
        Timestamp: new Date(at - ago * MINUTE + 1_000),
        Value: value,
        Unit: 'Count',
      })),
    }),
  );
}

function gate(fields: Record<string, unknown>, env: Record<string, string> = keys) {
  const spec = cloudwatchGate.schema.parse({ provider: 'cloudwatch', region: MOTO_REGION, endpoint: moto().endpoint, ...fields });
  return cloudwatchGate.create('errors', spec, providerEnv(env));
}

describe('cloudwatch gate on moto', { timeout: ROLLOUT_TIMEOUT }, () => {
  it('sends the metrics the query names with their dimensions rendered, and reads the latest complete period', async () => {
    const now = minute();
    await put(
      'HTTPCode_Target_5XX_Count',
      'web-v2',
      [
        [4, 1],
        [3, 2],
        [2, 9],
        [1, 3],
        [0, 500],
      ],
      now,
    );
    await put('HTTPCode_Target_5XX_Count', 'web-v1', [[1, 77]], now);
    const result = await gate({
      metrics: { errors: metric('HTTPCode_Target_5XX_Count'), unused: metric('TargetResponseTime') },
      query: 'errors',
      threshold: '< 5',
    }).measure(measureContext(now));
    // The minute in progress (500) is not over; the latest complete one is the canary's 3, not the stable's 77.
    // (moto aligns periods to StartTime, AWS to the clock: a whole minute makes them the same.)
    expect(result.evidence).toMatchObject({ query: 'errors', value: 3, threshold: '< 5' });
    expect(result.verdict).toBe('pass');
    const sent = moto().requests.filter((r) => r.action === 'GetMetricData');
    expect(sent).toHaveLength(1);
    const queries = (JSON.parse(sent[0]!.body) as { MetricDataQueries: Array<{ Id: string }> }).MetricDataQueries;
    expect(queries.map((q) => q.Id)).toEqual(['errors', 'rollgate']);
    expect(sent[0]!.body).toContain('targetgroup/web-v2/73e2d6bc24d8a067');
    expect(result.evidence.link).toContain(
      "~metrics~(~(~'AWS*2fApplicationELB~'HTTPCode_Target_5XX_Count~'LoadBalancer~'app*2fweb*2f50dc6c495c0c9188~'TargetGroup~'targetgroup*2fweb-v2*2f73e2d6bc24d8a067~(id~'errors~stat~'Sum~visible~false))~(~(expression~'errors~label~'rollgate~id~'q1))))",
    );
    expect(
      result.evidence.link!.startsWith(
        `https://${MOTO_REGION}.console.aws.amazon.com/cloudwatch/home?region=${MOTO_REGION}#metricsV2:graph=`,
      ),
    ).toBe(true);
  });

  it('breaks the threshold, and gives noData when only the stable version has points', async () => {
    const now = minute();
    await put('HTTPCode_Target_5XX_Count', 'web-v2', [[1, 12]], now);
    const failing = await gate({ metrics: { errors: metric('HTTPCode_Target_5XX_Count') }, query: 'errors', threshold: '< 5' }).measure(
      measureContext(now + 30_000),
    );
    expect(failing.verdict).toBe('fail');
    expect(failing.evidence.value).toBe(12);
    const none = await gate({
      metrics: { errors: metric('HTTPCode_Target_5XX_Count', '{{stable}}') },
      query: 'errors',
      threshold: '< 5',
    }).measure(measureContext(now + 30_000));
    expect(none.verdict).toBe('inconclusive');
  });

  it('compares canary and baseline minutes since the stage began', async () => {
    const now = minute();
    const start = now - 10 * MINUTE;
    const minutes = Array.from({ length: 10 }, (_, i) => 10 - i);
    await put(
      'TargetResponseTime',
      'web-v2',
      minutes.map((ago, i) => [ago, 300 + i]),
      now,
    );
    await put(
      'TargetResponseTime',
      'web-v1',
      minutes.map((ago, i) => [ago, 100 + i]),
      now,
    );
    const result = await gate({
      metrics: { canaryLatency: metric('TargetResponseTime'), stableLatency: metric('TargetResponseTime', '{{stable}}') },
      compare: { canary: 'canaryLatency', baseline: 'stableLatency', step: '1m', minSamples: 5 },
    }).measure(measureContext(now + 1_000, { stageStartedAt: start }));
    expect(result.verdict).toBe('fail');
    expect(result.evidence.details).toMatchObject({ samples: { canary: 10, baseline: 10 } });
  });

  it('retries a throttled GetMetricData, and names cloudwatch:GetMetricData when it is not allowed', async () => {
    const now = minute();
    await put('HTTPCode_Target_5XX_Count', 'web-v2', [[1, 1]], now);
    const spec = { metrics: { errors: metric('HTTPCode_Target_5XX_Count') }, query: 'errors', threshold: '< 5' };
    moto().throttle('GetMetricData', 2, 'json');
    expect((await gate(spec).measure(measureContext(now + 30_000))).verdict).toBe('pass');
    expect(moto().actions.filter((a) => a === 'GetMetricData')).toHaveLength(3);

    const user = await iamUser(moto(), 'no-metrics', ['cloudwatch:PutMetricData']);
    await moto().enforceIam(true);
    const denied = await gate(spec, { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey }).measure(
      measureContext(now + 30_000),
    );
    expect(denied.verdict).toBe('error');
    expect(denied.evidence.summary).toMatch(
      /^CloudWatch: GetMetricData \(eu-west-1\): access denied to cloudwatch:GetMetricData; allow the IAM action "cloudwatch:GetMetricData"/,
    );
  });

  it('joins pages, and reports a Forbidden query and a query of several series (answers moto cannot give)', async () => {
    const at = minute() + 30_000;
    const stamp = (ago: number) => (minute() - ago * MINUTE) / 1000; // JSON protocol: epoch seconds
    const series = (label: string, ago: number, value: number, status = 'Complete') => ({
      Id: 'rollgate',
      Label: label,
      StatusCode: status,
      Timestamps: [stamp(ago)],
      Values: [value],
    });
    moto().answer('GetMetricData', 1, {
      json: { MetricDataResults: [series('rollgate', 3, 1, 'PartialData')], NextToken: 'page-2', Messages: [] },
    });
    moto().answer('GetMetricData', 1, { json: { MetricDataResults: [series('rollgate', 2, 2)], Messages: [] } });
    const paged = await gate({
      query: 'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)',
      threshold: '> 1',
    }).measure(measureContext(at));
    const tokens = moto()
      .requests.filter((r) => r.action === 'GetMetricData')
      .map((r) => (JSON.parse(r.body) as { NextToken?: string }).NextToken);
    expect(tokens).toEqual([undefined, 'page-2']);
    expect(paged.evidence.value).toBe(2);

    moto().answer('GetMetricData', 1, {
      json: {
        MetricDataResults: [
          { Id: 'rollgate', Label: 'rollgate', StatusCode: 'Forbidden', Messages: [{ Code: 'Forbidden', Value: 'not authorized' }] },
        ],
      },
    });
    const forbidden = await gate({ query: 'x', threshold: '< 1' }).measure(measureContext(at));
    expect(forbidden.verdict).toBe('error');
    expect(forbidden.evidence.summary).toBe('CloudWatch: Forbidden: not authorized');

    moto().answer('GetMetricData', 1, { json: { MetricDataResults: [series('web-v1', 2, 1), series('web-v2', 2, 2)] } });
    const several = await gate({ query: "SEARCH('{AWS/ApplicationELB,TargetGroup} RequestCount', 'Sum', 60)", threshold: '< 1' }).measure(
      measureContext(at),
    );
    expect(several.evidence.summary).toBe(
      'CloudWatch: the query returns 2 series (web-v1, web-v2); aggregate it to one, e.g. SUM(SEARCH(…))',
    );
  });
});
