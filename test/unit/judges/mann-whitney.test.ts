import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exactMannWhitneyP,
  hodgesLehmann,
  judgeMannWhitney,
  mannWhitneyU,
  type Alternative,
} from '../../../src/gates/judge/mann-whitney.js';
import { normalCdf, normalQuantile } from '../../../src/gates/judge/normal.js';

interface Fixture {
  scipy: string;
  cases: Array<{
    name: string;
    x: number[];
    y: number[];
    results: Record<Alternative, { u: number; p: number }>;
    hl?: { confidence: number; estimate: number; low: number | null; high: number | null };
  }>;
  normal: Array<{ x: number; cdf: number }>;
}

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/judges/scipy-mannwhitneyu.json', import.meta.url), 'utf8')) as Fixture;
const ALTERNATIVES: Alternative[] = ['two-sided', 'less', 'greater'];

/** |a − b| ≤ tolerance · |b|; exact equality for zeros. */
function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  if (expected === 0) expect(actual).toBe(0);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe(`mannWhitneyU against scipy ${fixture.scipy}`, () => {
  it('has the cases the fixture promises', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(35);
  });
  for (const c of fixture.cases) {
    for (const alternative of ALTERNATIVES) {
      it(`${c.name}, ${alternative}`, () => {
        const { u, p } = mannWhitneyU(c.x, c.y, { alternative });
        const expected = c.results[alternative];
        expect(u).toBe(expected.u);
        expectRelativelyClose(p, expected.p, 1e-9);
      });
    }
  }
});

describe('hodgesLehmann against scipy-inverted intervals', () => {
  const withInterval = fixture.cases.filter((c) => c.hl);
  it('covers tiny, bounded and 1e-9-scale cases', () => {
    expect(withInterval.length).toBeGreaterThanOrEqual(15);
    expect(withInterval.some((c) => c.hl!.low === null)).toBe(true);
    expect(withInterval.some((c) => c.hl!.low !== null && Math.abs(c.hl!.estimate) < 1e-8)).toBe(true);
  });
  for (const c of withInterval) {
    it(c.name, () => {
      const hl = hodgesLehmann(c.x, c.y, c.hl!.confidence);
      expectRelativelyClose(hl.estimate, c.hl!.estimate, 1e-12);
      expect(hl.low).toBe(c.hl!.low ?? -Infinity);
      expect(hl.high).toBe(c.hl!.high ?? Infinity);
    });
  }
});

describe('normalCdf against scipy.special.ndtr', () => {
  for (const { x, cdf } of fixture.normal) {
    it(`Φ(${x})`, () => expectRelativelyClose(normalCdf(x), cdf, 1e-12));
  }
  it('normalQuantile inverts it', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    for (const p of [1e-300, 1e-10, 0.01, 0.3, 0.5, 0.9, 1 - 1e-12]) expectRelativelyClose(normalCdf(normalQuantile(p)), p, 1e-10);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('mannWhitneyU input checks', () => {
  it('refuses empty samples and non-finite values, naming them', () => {
    expect(() => mannWhitneyU([], [1])).toThrow(/at least one value/);
    expect(() => mannWhitneyU([1, NaN], [1])).toThrow(/x\[1\] is NaN/);
    expect(() => mannWhitneyU([1], [Infinity])).toThrow(/y\[0\] is Infinity/);
  });
});

const smallInts = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 40 });
const anyDoubles = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 });
// Zero or far from the subnormal range, where scaling by a power of two would round and lose exactness.
const normalDouble = fc.oneof(
  fc.constant(0),
  fc.double({ min: 1e-200, max: 1e6, noNaN: true }),
  fc.double({ min: -1e6, max: -1e-200, noNaN: true }),
);
const normalDoubles = fc.array(normalDouble, { minLength: 1, maxLength: 40 });

describe('mannWhitneyU properties', () => {
  it('U of x plus U of y is n·m, and p stays in [0, 1]', () => {
    fc.assert(
      fc.property(anyDoubles, anyDoubles, (x, y) => {
        const forward = mannWhitneyU(x, y);
        const backward = mannWhitneyU(y, x);
        expect(forward.u + backward.u).toBe(x.length * y.length);
        for (const alternative of ALTERNATIVES) {
          const { p } = mannWhitneyU(x, y, { alternative });
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('two-sided p is twice the smaller one-sided p (capped at 1); swapping samples swaps less and greater', () => {
    fc.assert(
      fc.property(smallInts, smallInts, (x, y) => {
        const less = mannWhitneyU(x, y, { alternative: 'less' }).p;
        const greater = mannWhitneyU(x, y, { alternative: 'greater' }).p;
        expect(mannWhitneyU(x, y).p).toBe(Math.min(1, 2 * Math.min(less, greater)));
        expect(mannWhitneyU(y, x, { alternative: 'less' }).p).toBe(greater);
      }),
    );
  });

  it('adding the same constant to both samples changes nothing (integers: no rounding)', () => {
    fc.assert(
      fc.property(smallInts, smallInts, fc.integer({ min: -1000, max: 1000 }), (x, y, shift) => {
        expect(
          mannWhitneyU(
            x.map((v) => v + shift),
            y.map((v) => v + shift),
            { alternative: 'greater' },
          ),
        ).toEqual(mannWhitneyU(x, y, { alternative: 'greater' }));
      }),
    );
  });
});

/** All n·m differences, sorted: the brute-force reference for the selection algorithm. */
function sortedDifferences(x: number[], y: number[]): number[] {
  return x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);
}

describe('hodgesLehmann properties', () => {
  it('equals the order statistics of all pairwise differences, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 70 }),
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 70 }),
        fc.constantFrom(0.8, 0.9, 0.95, 0.99),
        (x, y, confidence) => {
          const d = sortedDifferences(x, y);
          const total = d.length;
          const middle = total % 2 ? d[(total - 1) / 2]! : (d[total / 2 - 1]! + d[total / 2]!) / 2;
          const hl = hodgesLehmann(x, y, confidence);
          expect(hl.estimate).toBe(middle);
          const accepted = Math.floor(
            total / 2 + 0.5 + normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt((total * (x.length + y.length + 1)) / 12),
          );
          if (accepted >= total) expect([hl.low, hl.high]).toEqual([-Infinity, Infinity]);
          else expect([hl.low, hl.high]).toEqual([d[total - accepted - 1], d[accepted]]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the estimate lies within its interval, and the interval narrows as confidence drops', () => {
    fc.assert(
      fc.property(anyDoubles, anyDoubles, (x, y) => {
        const wide = hodgesLehmann(x, y, 0.99);
        const narrow = hodgesLehmann(x, y, 0.8);
        expect(wide.low).toBeLessThanOrEqual(wide.estimate);
        expect(wide.estimate).toBeLessThanOrEqual(wide.high);
        expect(wide.low).toBeLessThanOrEqual(narrow.low);
        expect(narrow.high).toBeLessThanOrEqual(wide.high);
      }),
    );
  });

  it('is as precise on 1e-9-scale data as on unit-scale data (scaling by 2^-30 is exact)', () => {
    fc.assert(
      fc.property(normalDoubles, normalDoubles, (x, y) => {
        const scale = 2 ** -30;
        const small = hodgesLehmann(
          x.map((v) => v * scale),
          y.map((v) => v * scale),
        );
        const unit = hodgesLehmann(x, y);
        expect(small.estimate).toBe(unit.estimate * scale);
        expect(small.low).toBe(unit.low * scale);
        expect(small.high).toBe(unit.high * scale);
      }),
    );
  });

  it('selects exactly on samples too large to enumerate cheaply', () => {
    const x = Array.from({ length: 400 }, (_, i) => Math.sin(i * 12.9898) * 1e-9 + 2e-10);
    const y = Array.from({ length: 350 }, (_, i) => Math.cos(i * 78.233) * 1e-9);
    const d = sortedDifferences(x, y);
    const hl = hodgesLehmann(x, y);
    expect(hl.estimate).toBe((d[d.length / 2 - 1]! + d[d.length / 2]!) / 2);
    expect(hl.low).toBeGreaterThan(0);
  });
});

const options = { direction: 'increase', tolerance: 0.1, alpha: 0.05, minSamples: 10 } as const;
/** Deterministic, spread-out sample around `center` (no PRNG needed). */
const sample = (n: number, center: number, spread: number, phase = 0) =>
  Array.from({ length: n }, (_, i) => center + spread * Math.sin(i * 2.399 + phase));

describe('judgeMannWhitney', () => {
  it('fails a canary clearly above baseline + tolerance, with a one-line summary', () => {
    const result = judgeMannWhitney(sample(30, 0.123, 0.01), sample(30, 0.1, 0.01, 1), { ...options, label: 'p99' });
    expect(result.verdict).toBe('fail');
    expect(result.p).toBeLessThan(0.05);
    expect(result.estimate).toBeGreaterThan(0.015);
    expect(result.low).toBeLessThanOrEqual(result.estimate!);
    expect(result.summary).toMatch(
      /^canary p99 \+2\d(\.\d)?% vs baseline \(HL shift 0\.02\d+, 95% CI 0\.0\d+ to 0\.0\d+\), p=\S+ < 0\.05 \(increase, tolerance 10%\)$/,
    );
    expect(result.summary).not.toContain('\n');
  });

  it('passes a shift smaller than the tolerance, however many samples show it', () => {
    const result = judgeMannWhitney(sample(400, 0.105, 0.001), sample(400, 0.1, 0.001, 1), options);
    expect(result.verdict).toBe('pass');
    expect(result.low).toBeGreaterThan(0); // the shift is real, just tolerated
  });

  it('fails the same shift once it exceeds the tolerance', () => {
    expect(judgeMannWhitney(sample(400, 0.105, 0.001), sample(400, 0.1, 0.001, 1), { ...options, tolerance: 0.01 }).verdict).toBe('fail');
  });

  it('respects direction: a drop fails decrease and either, not increase', () => {
    const canary = sample(40, 0.7, 0.05);
    const baseline = sample(40, 1, 0.05, 1);
    expect(judgeMannWhitney(canary, baseline, options).verdict).toBe('pass');
    expect(judgeMannWhitney(canary, baseline, { ...options, direction: 'decrease' }).verdict).toBe('fail');
    const either = judgeMannWhitney(canary, baseline, { ...options, direction: 'either' });
    expect(either.verdict).toBe('fail');
    expect(either.p).toBe(Math.min(1, 2 * judgeMannWhitney(canary, baseline, { ...options, direction: 'decrease' }).p!));
  });

  it('is inconclusive, never pass, below minSamples; NaN values do not count', () => {
    const result = judgeMannWhitney([1, 2, NaN, 3, 4, 5, 6, 7, 8, 9], sample(20, 5, 1), options);
    expect(result.verdict).toBe('inconclusive');
    expect(result.summary).toBe('too few samples: canary 9, baseline 20 (need 10 each)');
    expect(result.details).toMatchObject({ dropped: 1 });
    expect(judgeMannWhitney([], [], options).verdict).toBe('inconclusive');
  });

  it('passes identical samples and all-zero samples with p = 1', () => {
    const same = sample(15, 3, 1);
    expect(judgeMannWhitney(same, same, options)).toMatchObject({ verdict: 'pass' });
    expect(judgeMannWhitney(new Array(12).fill(0), new Array(12).fill(0), options)).toMatchObject({ verdict: 'pass', p: 1, estimate: 0 });
  });

  it('gives the same verdict and p when both samples are rescaled by a power of two', () => {
    fc.assert(
      fc.property(
        fc.array(normalDouble, { minLength: 10, maxLength: 40 }),
        fc.array(normalDouble, { minLength: 10, maxLength: 40 }),
        fc.integer({ min: -40, max: 40 }),
        fc.constantFrom('increase', 'decrease', 'either'),
        (canary, baseline, exponent, direction) => {
          const scale = 2 ** exponent;
          const judge = (c: number[], b: number[]) => judgeMannWhitney(c, b, { ...options, direction });
          const original = judge(canary, baseline);
          const scaled = judge(
            canary.map((v) => v * scale),
            baseline.map((v) => v * scale),
          );
          expect(scaled.verdict).toBe(original.verdict);
          expect(scaled.p).toBe(original.p);
        },
      ),
    );
  });

  it('refuses options that make no sense', () => {
    expect(() => judgeMannWhitney([1], [1], { ...options, alpha: 0 })).toThrow(/alpha/);
    expect(() => judgeMannWhitney([1], [1], { ...options, tolerance: -0.1 })).toThrow(/tolerance/);
    expect(() => judgeMannWhitney([1], [1], { ...options, minSamples: 0 })).toThrow(/minSamples/);
  });
});

describe('judgeMannWhitney on tiny samples', () => {
  it('leaves out an interval that the samples cannot bound, and says so', () => {
    const result = judgeMannWhitney([1.2, 1.3], [1, 1.1], { ...options, minSamples: 2 });
    expect(result.verdict).toBe('pass');
    expect(result.low).toBeUndefined();
    expect(result.high).toBeUndefined();
    expect(result.summary).toContain('95% CI unbounded at this sample size');
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('exact Mann-Whitney p-values for small and tied samples', () => {
  /** Every split of the pooled values into |x| and |y|, by brute force: the oracle. */
  function enumerated(x: number[], y: number[], alternative: 'greater' | 'less'): number {
    const pooled = [...x, ...y];
    const sorted = [...pooled].sort((a, b) => a - b);
    const rank = (v: number) => {
      const first = sorted.indexOf(v);
      const last = sorted.lastIndexOf(v);
      return (first + last + 2) / 2;
    };
    const ranks = pooled.map(rank);
    const observed = x.reduce((sum, v) => sum + rank(v), 0);
    let total = 0;
    let tail = 0;
    for (let mask = 0; mask < 1 << pooled.length; mask++) {
      let bits = 0;
      let sum = 0;
      for (let i = 0; i < pooled.length; i++)
        if (mask & (1 << i)) {
          bits++;
          sum += ranks[i]!;
        }
      if (bits !== x.length) continue;
      total++;
      if (alternative === 'greater' ? sum >= observed - 1e-9 : sum <= observed + 1e-9) tail++;
    }
    return tail / total;
  }

  it('is 1/6 for the most extreme split of 2 against 2', () => {
    expect(exactMannWhitneyP([1.2, 1.3], [1, 1.1], 'greater')).toBeCloseTo(1 / 6, 12);
    expect(exactMannWhitneyP([1.2, 1.3], [1, 1.1], 'less')).toBe(1);
  });

  it('equals the enumeration of every split, ties included', () => {
    const small = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 });
    fc.assert(
      fc.property(small, small, fc.constantFrom('greater', 'less') as fc.Arbitrary<'greater' | 'less'>, (x, y, alternative) => {
        expect(exactMannWhitneyP(x, y, alternative)).toBeCloseTo(enumerated(x, y, alternative), 12);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps the judge at alpha on tiny, heavily tied A/A samples', () => {
    // Latency in whole milliseconds from a few distinct values: many ties, 10 samples a side.
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) % 2147483648), state / 2147483648);
    const draw = () => Array.from({ length: 10 }, () => 100 + Math.floor(next() * 3));
    let alarms = 0;
    const runs = 300;
    for (let i = 0; i < runs; i++) {
      const result = judgeMannWhitney(draw(), draw(), { direction: 'increase', tolerance: 0, alpha: 0.05, minSamples: 10 });
      expect(result.details).toMatchObject({ method: 'exact' });
      if (result.verdict === 'fail') alarms++;
    }
    // At most alpha in expectation; 2.5 binomial standard deviations of room for the draw.
    expect(alarms).toBeLessThanOrEqual(0.05 * runs + 2.5 * Math.sqrt(runs * 0.05 * 0.95));
  });
});
