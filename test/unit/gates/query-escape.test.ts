// Issue #16: template values are escaped for the query language and the spot they land in, so an
// environment of `self"}) * 0 #` cannot turn a failing gate into a pass.
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../../src/gates/template.js';
import { TemplateValueError } from '../../../src/gates/query-escape.js';

const context = (values: Partial<Record<'canary' | 'stable' | 'environment', string>>) => ({
  canary: 'v2',
  stable: 'v1',
  baseline: 'v1',
  weight: 10,
  stage: 1,
  environment: 'production',
  interval: '30s',
  ...values,
});

describe('PromQL', () => {
  const query = 'sum(rate(errors{env="{{environment}}", version=\'{{canary}}\'}[{{interval}}]))';
  it.each([
    ["the issue's environment", { environment: 'self"}) * 0 #' }, 'sum(rate(errors{env="self\\"}) * 0 #", version=\'v2\'}[30s]))'],
    ['a backslash', { environment: 'a\\"b' }, 'sum(rate(errors{env="a\\\\\\"b", version=\'v2\'}[30s]))'],
    [
      'a single quote in single quotes',
      { canary: "v2'}) or vector(0) #" },
      "sum(rate(errors{env=\"production\", version='v2\\'}) or vector(0) #'}[30s]))",
    ],
    ['a double quote in single quotes stays as it is', { canary: 'a"b' }, 'sum(rate(errors{env="production", version=\'a"b\'}[30s]))'],
  ])('escapes %s inside its string', (_name, values, expected) => {
    expect(renderTemplate(query, context(values), 'promql')).toBe(expected);
  });
  it.each([
    ['a newline', { environment: 'a\nb' }, /holds a control character/],
    ['a value outside quotes', { environment: 'x) or vector(1' }, /cannot stand outside a quoted string/],
  ])('refuses %s', (_name, values, message) => {
    const template = _name === 'a value outside quotes' ? 'up{job="x"} * {{environment}}' : query;
    expect(() => renderTemplate(template, context(values), 'promql')).toThrow(TemplateValueError);
    expect(() => renderTemplate(template, context(values), 'promql')).toThrow(message);
  });
  it('refuses a backtick inside a raw `…` string, which has no escapes', () => {
    expect(() => renderTemplate('up{job=`{{canary}}`}', context({ canary: 'a`b' }), 'promql')).toThrow(/inside `…`/);
  });
  it('leaves plain values outside strings alone (weights, durations)', () => {
    expect(renderTemplate('x[{{interval}}] * {{weight}}', context({}), 'promql')).toBe('x[30s] * 10');
  });
});

describe('NRQL, Datadog, URLs', () => {
  it("escapes ' and \\ inside an NRQL string", () => {
    expect(renderTemplate("SELECT count(*) FROM T WHERE env = '{{environment}}'", context({ environment: "x' OR 1=1 --" }), 'nrql')).toBe(
      "SELECT count(*) FROM T WHERE env = 'x\\' OR 1=1 --'",
    );
  });
  it('turns characters a Datadog tag cannot hold into _ (as Datadog does)', () => {
    expect(renderTemplate('sum:errors{env:{{environment}},version:{{canary}}}', context({ canary: 'v2} by {host' }), 'datadog')).toBe(
      'sum:errors{env:production,version:v2__by__host}',
    );
  });
  it('percent-encodes values in an http gate URL', () => {
    const url = renderTemplate('http://127.0.0.1:8080/health?v={{canary}}', context({ canary: 'a&b=c#d/../x' }), 'url');
    expect(new URL(url).host).toBe('127.0.0.1:8080');
    expect(new URL(url).pathname).toBe('/health');
    expect(new URL(url).searchParams.get('v')).toBe('a&b=c#d/../x');
  });
});
