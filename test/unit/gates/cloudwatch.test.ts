// The cloudwatch gate's pure parts. Its requests and answers are tested against moto
// (test/integration/aws/cloudwatch.test.ts).
import { describe, expect, it } from 'vitest';
import { cloudwatchGate, jsurl, validPeriod } from '../../../src/gates/cloudwatch.js';
import { providerEnv } from './http-recorder.js';

describe('cloudwatch gate', () => {
  it('encodes JSURL as the console reads it', () => {
    expect(jsurl({ a: 'x/y z', b: [1, true, null], c: { d$: 'é' } })).toBe("~(a~'x*2fy*20z~b~(~1~true~null)~c~(d!~'*e9))");
    expect(jsurl([])).toBe('~(~)');
  });

  it('needs a region, takes it from AWS_REGION, and masks the keys it is given', () => {
    const spec = cloudwatchGate.schema.parse({ provider: 'cloudwatch', query: 'x', threshold: '< 1' });
    expect(() => cloudwatchGate.create('errors', spec, providerEnv({}))).toThrow(
      'gate "errors": no AWS region (set region: in the spec, or AWS_REGION)',
    );
    const env = providerEnv({
      AWS_REGION: 'us-east-2',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(cloudwatchGate.create('errors', spec, env).provider).toBe('cloudwatch');
    expect(env.masked).toEqual(['secret', 'token']);
  });

  it('rounds steps up to periods GetMetricData takes', () => {
    expect([1, 3, 7, 15, 20, 25, 45, 60, 90].map(validPeriod)).toEqual([1, 5, 10, 20, 20, 30, 60, 60, 120]);
  });
});
