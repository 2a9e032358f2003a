// The GetMetricData requests the cloudwatch gate sends and how it reads the documented
// MetricDataResults, with aws-sdk-client-mock standing in for the API.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { cloudwatchGate, jsurl, validPeriod } from '../../../src/gates/cloudwatch.js';
import { measureContext, providerEnv } from './http-recorder.js';

const cloudwatch = mockClient(CloudWatchClient);
beforeEach(() => cloudwatch.reset());
afterAll(() => cloudwatch.restore());

const AT = Date.UTC(2026, 4, 1, 14, 0, 0);
const MINUTE = 60_000;

function gate(fields: Record<string, unknown>, variables: Record<string, string> = {}) {
  const spec = cloudwatchGate.schema.parse({ provider: 'cloudwatch', region: 'eu-west-1', ...fields });
  return cloudwatchGate.create('errors', spec, providerEnv(variables));
}

const alb = (metric: string) => ({
  namespace: 'AWS/ApplicationELB',
  metric,
  stat: 'Sum',
  dimensions: { LoadBalancer: 'app/web/50dc6c495c0c9188', TargetGroup: 'targetgroup/{{canary}}/73e2d6bc24d8a067' },
});

const answer = (results: GetMetricDataCommandOutput['MetricDataResults'], NextToken?: string) => ({
  MetricDataResults: results,
  Messages: [],
  ...(NextToken ? { NextToken } : {}),
  $metadata: {},
});

describe('cloudwatch gate', () => {
  it('sends the expression with the metrics it names, dimensions rendered, and reads the latest complete period', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves(
      answer([
        {
          Id: 'rollgate',
          Label: 'rollgate',
          StatusCode: 'Complete',
          Timestamps: [new Date(AT - 3 * MINUTE), new Date(AT - 2 * MINUTE), new Date(AT - MINUTE), new Date(AT - MINUTE / 2)],
          Values: [0.002, 0.006, 0.004, 0.5],
        },
      ]),
    );
    const result = await gate({
      metrics: { errors: alb('HTTPCode_Target_5XX_Count'), requests: alb('RequestCount'), unused: alb('TargetResponseTime') },
      query: 'FILL(errors, 0) / requests',
      threshold: '< 0.01',
    }).measure(measureContext(AT));

    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date(AT - 5 * MINUTE - MINUTE));
    expect(input.EndTime).toEqual(new Date(AT));
    expect(input.ScanBy).toBe('TimestampAscending');
    const dimensions = [
      { Name: 'LoadBalancer', Value: 'app/web/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/web-v2/73e2d6bc24d8a067' },
    ];
    expect(input.MetricDataQueries).toEqual([
      {
        Id: 'errors',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'HTTPCode_Target_5XX_Count', Dimensions: dimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      {
        Id: 'requests',
        MetricStat: {
          Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dimensions },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: false,
      },
      { Id: 'rollgate', Expression: 'FILL(errors, 0) / requests', Period: 60, Label: 'rollgate', ReturnData: true },
    ]);
    // A timestamp starts its period: the one from 30 s ago is not over, the latest complete one is 0.004.
    expect(result.verdict).toBe('pass');
    expect(result.evidence).toMatchObject({ query: 'FILL(errors, 0) / requests', value: 0.004, threshold: '< 0.01' });
  });

  it('links to the console graph with the metrics and the expression', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves(
        answer([{ Id: 'rollgate', Label: 'rollgate', StatusCode: 'Complete', Timestamps: [new Date(AT - 2 * MINUTE)], Values: [0.1] }]),
      );
    const result = await gate({ metrics: { errors: alb('HTTPCode_Target_5XX_Count') }, query: 'errors', threshold: '< 1' }).measure(
      measureContext(AT),
    );
    const link = result.evidence.link!;
    expect(
      link.startsWith(
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#metricsV2:graph=~(view~'timeSeries~stacked~false~region~'eu-west-1~",
      ),
    ).toBe(true);
    expect(link).toContain(
      "~metrics~(~(~'AWS*2fApplicationELB~'HTTPCode_Target_5XX_Count~'LoadBalancer~'app*2fweb*2f50dc6c495c0c9188~'TargetGroup~'targetgroup*2fweb-v2*2f73e2d6bc24d8a067~(id~'errors~stat~'Sum~visible~false))~(~(expression~'errors~label~'rollgate~id~'q1))))",
    );
  });

  it('encodes JSURL as the console reads it', () => {
    expect(jsurl({ a: 'x/y z', b: [1, true, null], c: { d$: 'é' } })).toBe("~(a~'x*2fy*20z~b~(~1~true~null)~c~(d!~'*e9))");
    expect(jsurl([])).toBe('~(~)');
  });

  it('joins pages of a long answer', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce(
        answer(
          [{ Id: 'rollgate', Label: 'rollgate', StatusCode: 'PartialData', Timestamps: [new Date(AT - 4 * MINUTE)], Values: [1] }],
          'page-2',
        ),
      )
      .resolvesOnce(
        answer([{ Id: 'rollgate', Label: 'rollgate', StatusCode: 'Complete', Timestamps: [new Date(AT - 3 * MINUTE)], Values: [2] }]),
      );
    const result = await gate({
      query: 'SELECT SUM(RequestCount) FROM SCHEMA("AWS/ApplicationELB", LoadBalancer)',
      threshold: '> 1',
    }).measure(measureContext(AT));
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(result.evidence.value).toBe(2);
  });

  it('gives noData without points, and an error for a failed or ambiguous query', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves(answer([{ Id: 'rollgate', Label: 'rollgate', StatusCode: 'Complete', Timestamps: [], Values: [] }]));
    expect(
      (await gate({ query: 'SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2")', threshold: '< 1' }).measure(measureContext(AT))).verdict,
    ).toBe('inconclusive');

    cloudwatch.on(GetMetricDataCommand).resolves(
      answer([
        {
          Id: 'rollgate',
          Label: 'rollgate',
          StatusCode: 'Forbidden',
          Messages: [{ Code: 'Forbidden', Value: 'not authorized to GetMetricData' }],
        },
      ]),
    );
    const forbidden = await gate({ query: 'x', threshold: '< 1' }).measure(measureContext(AT));
    expect(forbidden.verdict).toBe('error');
    expect(forbidden.evidence.summary).toBe('CloudWatch: Forbidden: not authorized to GetMetricData');

    cloudwatch.on(GetMetricDataCommand).resolves(
      answer([
        { Id: 'rollgate', Label: 'web-v1', StatusCode: 'Complete', Timestamps: [new Date(AT - 2 * MINUTE)], Values: [1] },
        { Id: 'rollgate', Label: 'web-v2', StatusCode: 'Complete', Timestamps: [new Date(AT - 2 * MINUTE)], Values: [2] },
      ]),
    );
    const several = await gate({ query: "SEARCH('{AWS/ApplicationELB,TargetGroup} RequestCount', 'Sum', 60)", threshold: '< 1' }).measure(
      measureContext(AT),
    );
    expect(several.evidence.summary).toBe(
      'CloudWatch: the query returns 2 series (web-v1, web-v2); aggregate it to one, e.g. SUM(SEARCH(…))',
    );

    cloudwatch
      .on(GetMetricDataCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }));
    const denied = await gate({ query: 'x', threshold: '< 1' }).measure(measureContext(AT));
    expect(denied.verdict).toBe('error');
    expect(denied.evidence.summary).toBe('CloudWatch: User is not authorized to perform: cloudwatch:GetMetricData');
  });

  it('compares canary and baseline periods since the stage began, the period following the step', async () => {
    const start = AT - 10 * MINUTE;
    cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: Array<{ Expression?: string }> }) => {
      const canary = input.MetricDataQueries.some((q) => q.Expression?.includes('web-v2'));
      const stamps = Array.from({ length: 10 }, (_, i) => new Date(start + i * MINUTE));
      return answer([
        {
          Id: 'rollgate',
          Label: 'rollgate',
          StatusCode: 'Complete',
          Timestamps: stamps,
          Values: stamps.map((_, i) => (canary ? 0.3 : 0.1) + i / 1000),
        },
      ]);
    });
    const result = await gate({
      compare: {
        canary: 'SELECT AVG(TargetResponseTime) FROM SCHEMA("AWS/ApplicationELB", TargetGroup) WHERE TargetGroup = \'{{canary}}\'',
        baseline: 'SELECT AVG(TargetResponseTime) FROM SCHEMA("AWS/ApplicationELB", TargetGroup) WHERE TargetGroup = \'{{stable}}\'',
        step: '1m',
        minSamples: 5,
      },
    }).measure(measureContext(AT, { stageStartedAt: start }));
    const inputs = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(inputs).toHaveLength(2);
    expect(inputs[0]!.StartTime).toEqual(new Date(start));
    expect(inputs[0]!.MetricDataQueries![0]!.Period).toBe(60);
    expect(result.verdict).toBe('fail');
    expect(result.evidence.details).toMatchObject({ samples: { canary: 10, baseline: 10 } });
  });

  it('needs a region, and takes it from AWS_REGION', () => {
    const spec = cloudwatchGate.schema.parse({ provider: 'cloudwatch', query: 'x', threshold: '< 1' });
    expect(() => cloudwatchGate.create('errors', spec, providerEnv({}))).toThrow(
      'gate "errors": no AWS region (set region: in the gate, or AWS_REGION)',
    );
    expect(cloudwatchGate.create('errors', spec, providerEnv({ AWS_REGION: 'us-east-2' })).provider).toBe('cloudwatch');
  });

  it('rounds steps up to periods GetMetricData takes', () => {
    expect([1, 3, 7, 15, 20, 25, 45, 60, 90].map(validPeriod)).toEqual([1, 5, 10, 20, 20, 30, 60, 60, 120]);
  });
});
