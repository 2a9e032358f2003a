import { describe, expect, it } from 'vitest';
import { meetsThreshold, parseThreshold, type Threshold } from '../../../src/gates/judge/threshold.js';

function parsed(text: string): Threshold {
  const result = parseThreshold(text);
  if ('error' in result) throw new Error(`"${text}" did not parse: ${result.error}`);
  return result;
}

describe('parseThreshold', () => {
  it('reads comparisons, percentages, exponents and between', () => {
    expect(parsed('< 0.01')).toEqual({ kind: 'compare', op: '<', value: 0.01, text: '< 0.01' });
    expect(parsed('<=250')).toMatchObject({ op: '<=', value: 250 });
    expect(parsed('  > 0.99 ')).toMatchObject({ op: '>', value: 0.99, text: '> 0.99' });
    expect(parsed('>= -1.5e-3')).toMatchObject({ op: '>=', value: -0.0015 });
    expect(parsed('< 1%')).toMatchObject({ op: '<', value: 0.01 });
    expect(parsed('!= .5')).toMatchObject({ op: '!=', value: 0.5 });
    expect(parsed('between 0 and 0.02')).toEqual({ kind: 'between', low: 0, high: 0.02, text: 'between 0 and 0.02' });
    expect(parsed('BETWEEN 1% AND 2%')).toMatchObject({ low: 0.01, high: 0.02 });
  });

  it('says what it expected for text it cannot read', () => {
    for (const text of ['', '0.01', '<', '=< 1', 'less than 1', '< 1 2', 'between 1']) {
      expect(parseThreshold(text), text).toEqual({ error: expect.stringContaining('expected a threshold') });
    }
    expect(parseThreshold('between 2 and 1')).toEqual({ error: '"between 2 and 1" has its low end above its high end' });
  });
});

describe('meetsThreshold', () => {
  it('applies each operator at, above and below its bound', () => {
    const cases: Array<[string, number, boolean]> = [
      ['< 0.01', 0.009, true],
      ['< 0.01', 0.01, false],
      ['<= 250', 250, true],
      ['<= 250', 250.1, false],
      ['> 0.99', 0.995, true],
      ['> 0.99', 0.99, false],
      ['>= 1', 1, true],
      ['>= 1', 0.999, false],
      ['== 0', 0, true],
      ['== 0', 1e-12, false],
      ['!= 0', 1, true],
      ['!= 0', 0, false],
      ['between 0 and 0.02', 0, true],
      ['between 0 and 0.02', 0.02, true],
      ['between 0 and 0.02', 0.0201, false],
      ['between 0 and 0.02', -0.001, false],
    ];
    for (const [text, value, expected] of cases) expect(meetsThreshold(value, parsed(text)), `${value} ${text}`).toBe(expected);
  });

  it('never lets NaN (no data) meet any threshold', () => {
    for (const text of ['< 1', '<= 1', '> 0', '>= 0', '!= 5', 'between -1 and 1'])
      expect(meetsThreshold(NaN, parsed(text)), text).toBe(false);
  });
});
