// The ranges the clouds enforce, checked by Rollgate itself (the emulator stores what it is given).
import { describe, expect, it } from 'vitest';
import { albWeights, awsAlbTraffic } from '../../../src/traffic/aws/aws-alb.js';
import { aliasRouting, awsLambdaTraffic } from '../../../src/traffic/aws/aws-lambda.js';
import { awsEcsTraffic, notSteady } from '../../../src/traffic/aws/aws-ecs.js';
import { cloudRunTraffic } from '../../../src/traffic/gcp/cloud-run.js';

const prefix = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const alb = {
  provider: 'aws-alb',
  listener: `${prefix}:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2`,
  stable: `${prefix}:targetgroup/web-v1/73e2d6bc24d8a067`,
  canary: `${prefix}:targetgroup/web-v2/83e2d6bc24d8a068`,
};
const issues = (
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } } },
  value: unknown,
) => schema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];

describe('aws-alb ranges', () => {
  it('splits 0..100 into ALB weights and refuses anything else before a call', () => {
    expect(albWeights(0)).toEqual({ stable: 100, canary: 0 });
    expect(albWeights(25)).toEqual({ stable: 75, canary: 25 });
    expect(albWeights(100)).toEqual({ stable: 0, canary: 100 });
    for (const bad of [-1, 101, 2.5, Number.NaN]) expect(() => albWeights(bad)).toThrow('canary weight must be a whole number 0..100');
  });

  it('checks ARNs, the rule against the listener, distinct groups and the stickiness range', () => {
    expect(issues(awsAlbTraffic.schema, alb)).toEqual([]);
    expect(issues(awsAlbTraffic.schema, { ...alb, stable: 'web-v1' })).toEqual([
      `stable: expected an ARN such as ${prefix}:targetgroup/web-v2/73e2d6bc24d8a067`,
    ]);
    expect(issues(awsAlbTraffic.schema, { ...alb, canary: alb.stable })).toEqual(['canary: is the same target group as stable']);
    expect(
      issues(awsAlbTraffic.schema, { ...alb, rule: `${prefix}:listener-rule/app/web/50dc6c495c0c9188/aaaaaaaaaaaaaaaa/9683b2d02a6cabee` }),
    ).toEqual(['rule: is not a rule of `listener`']);
    expect(
      issues(awsAlbTraffic.schema, { ...alb, rule: `${prefix}:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee` }),
    ).toEqual([]);
    for (const stickiness of ['0s', '500ms', '8d', '1.5s'])
      expect(issues(awsAlbTraffic.schema, { ...alb, stickiness })).toEqual([
        'stickiness: ALB stickiness is a whole number of seconds from 1s to 7d',
      ]);
    expect(issues(awsAlbTraffic.schema, { ...alb, stickiness: '7d' })).toEqual([]);
    expect(issues(awsAlbTraffic.schema, { ...alb, region: 'Europe' })).toEqual(['region: expected an AWS region such as eu-west-1']);
  });
});

describe('aws-lambda ranges', () => {
  const lambda = { provider: 'aws-lambda', function: 'web', alias: 'live', canary: '8' };
  it('turns a percentage into a fraction 0–1 of one additional version; 100 % repoints the alias', () => {
    expect(aliasRouting(0, '7', '8')).toEqual({ FunctionVersion: '7', weights: {} });
    expect(aliasRouting(5, '7', '8')).toEqual({ FunctionVersion: '7', weights: { '8': 0.05 } });
    expect(aliasRouting(99, '7', '8')).toEqual({ FunctionVersion: '7', weights: { '8': 0.99 } });
    expect(aliasRouting(100, '7', '8')).toEqual({ FunctionVersion: '8', weights: {} });
    for (const bad of [-1, 101, 0.5]) expect(() => aliasRouting(bad, '7', '8')).toThrow('canary weight must be a whole number 0..100');
  });

  it('checks names, published versions and distinct versions', () => {
    expect(issues(awsLambdaTraffic.schema, lambda)).toEqual([]);
    expect(issues(awsLambdaTraffic.schema, { ...lambda, function: 'arn:aws:lambda:eu-west-1:123456789012:function:web' })).toEqual([]);
    expect(issues(awsLambdaTraffic.schema, { ...lambda, canary: '$LATEST' })).toEqual([
      'canary: expected a published version number such as "7" (an alias cannot weight $LATEST)',
    ]);
    expect(issues(awsLambdaTraffic.schema, { ...lambda, alias: '42' })).toEqual([
      'alias: an alias name is letters, digits, "-" and "_", and not only digits',
    ]);
    expect(issues(awsLambdaTraffic.schema, { ...lambda, stable: '8' })).toEqual(['canary: is the same version as stable']);
    expect(issues(awsLambdaTraffic.schema, { ...lambda, function: 'web:live' })[0]).toMatch(/^function: expected a function name/);
  });
});

describe('aws-ecs ranges', () => {
  const ecs = { provider: 'aws-ecs', cluster: 'web', stable: 'web-v1', canary: 'web-v2', listener: alb.listener };
  it('checks names and the listener fields it shares with aws-alb', () => {
    expect(issues(awsEcsTraffic.schema, ecs)).toEqual([]);
    expect(issues(awsEcsTraffic.schema, { ...ecs, canary: 'web-v1' })).toEqual(['canary: is the same service as stable']);
    expect(issues(awsEcsTraffic.schema, { ...ecs, stable: 'web v1' })).toEqual([
      'stable: an ECS service name is up to 255 letters, digits, "-" and "_"',
    ]);
    expect(issues(awsEcsTraffic.schema, { ...ecs, stickiness: '8d' })).toEqual([
      'stickiness: ALB stickiness is a whole number of seconds from 1s to 7d',
    ]);
  });

  it('calls a service steady only with every desired task running in one deployment', () => {
    const base = { status: 'ACTIVE', desiredCount: 2, runningCount: 2, deployments: [{ rolloutState: 'COMPLETED' as const }] };
    expect(notSteady(base)).toBeUndefined();
    expect(notSteady({ ...base, runningCount: 1 })).toBe('runs 1 of 2 tasks');
    expect(notSteady({ ...base, desiredCount: 0, runningCount: 0 })).toBe('has a desired count of 0');
    expect(notSteady({ ...base, status: 'DRAINING' })).toBe('is DRAINING');
    expect(notSteady({ ...base, deployments: [{}, {}] })).toBe('has 2 deployments in progress');
  });
});

describe('cloud-run ranges', () => {
  const run = {
    provider: 'cloud-run',
    project: 'shop-prod',
    region: 'europe-west1',
    service: 'web',
    stable: 'web-00001-abc',
    canary: 'web-00002-def',
  };
  it("checks Google's name rules before any call", () => {
    expect(issues(cloudRunTraffic.schema, run)).toEqual([]);
    expect(issues(cloudRunTraffic.schema, { ...run, project: 'Shop' })).toEqual([
      'project: expected a Google Cloud project id such as my-project-123',
    ]);
    expect(issues(cloudRunTraffic.schema, { ...run, service: 'Web_1' })[0]).toMatch(/^service: a Cloud Run service name is up to 49/);
    expect(issues(cloudRunTraffic.schema, { ...run, canary: 'x'.repeat(64) })[0]).toMatch(/^canary: a revision name is up to 63/);
    expect(issues(cloudRunTraffic.schema, { ...run, canary: run.stable })).toEqual(['canary: is the same revision as stable']);
    expect(issues(cloudRunTraffic.schema, { ...run, region: 'europe west' })).toEqual([
      'region: expected a Cloud Run region such as europe-west1',
    ]);
  });
});
