import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sequentialRateTest, type RateInterval, type SequentialRateOptions } from '../../../src/gates/judge/sequential.js';

const increase: SequentialRateOptions = { alpha: 0.05, direction: 'increase', tolerance: 0 };
const interval = (canaryErrors: number, canaryRequests: number, baselineErrors: number, baselineRequests: number): RateInterval => ({
  canaryErrors,
  canaryRequests,
  baselineErrors,
  baselineRequests,
});

/** mulberry32: a seeded PRNG, so the simulated series are the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson(mean) by inversion: the count model the test's guarantee is stated for. */
function poisson(random: () => number, mean: number): number {
  let k = 0;
  let probability = Math.exp(-mean);
  let cumulative = probability;
  const u = random();
  while (u > cumulative && k < 1000) {
    k++;
    probability *= mean / k;
    cumulative += probability;
  }
  return k;
}

function simulate(
  random: () => number,
  intervals: number,
  canary: { requests: number; rate: number },
  baseline: { requests: number; rate: number },
): RateInterval[] {
  return Array.from({ length: intervals }, () =>
    interval(
      poisson(random, canary.requests * canary.rate),
      canary.requests,
      poisson(random, baseline.requests * baseline.rate),
      baseline.requests,
    ),
  );
}

describe('sequentialRateTest verdicts', () => {
  it('fails a canary with twice the baseline error rate, saying where it crossed', () => {
    const series = Array.from({ length: 10 }, () => interval(8, 750, 11, 2250));
    const result = sequentialRateTest(series, increase);
    expect(result.verdict).toBe('fail');
    expect(result.p).toBeLessThanOrEqual(0.05);
    expect(result.estimate).toBeCloseTo(2.1818, 3);
    expect(result.details).toMatchObject({ canaryErrors: 80, baselineErrors: 110, crossedAt: 2 });
    expect(result.summary).toMatch(
      /^canary error rate 1\.07% vs baseline 0\.489% \(×2\.18\), always-valid p=\S+ ≤ 0\.05 at interval 3 of 10 \(increase, tolerance 0%\)$/,
    );
  });

  it('passes a healthy canary once both sides have traffic, even without any error', () => {
    expect(sequentialRateTest([interval(0, 150, 0, 2850)], increase)).toMatchObject({ verdict: 'pass', p: 1 });
    const healthy = sequentialRateTest(
      Array.from({ length: 20 }, () => interval(4, 750, 11, 2250)),
      { ...increase, tolerance: 0.1 },
    );
    expect(healthy.verdict).toBe('pass');
    expect(healthy.summary).toContain('no regression shown');
  });

  it('is inconclusive, never pass, with too little traffic or no intervals', () => {
    expect(sequentialRateTest([], increase)).toMatchObject({ verdict: 'inconclusive', p: 1 });
    const low = sequentialRateTest([interval(0, 40, 1, 900)], increase);
    expect(low.verdict).toBe('inconclusive');
    expect(low.summary).toBe('too little traffic: canary 40 requests, baseline 900 (need 100 each)');
    expect(sequentialRateTest([interval(0, 40, 1, 900)], { ...increase, minRequests: 20 }).verdict).toBe('pass');
  });

  it('still fails on little traffic when the evidence is overwhelming (the guarantee does not need volume)', () => {
    expect(sequentialRateTest([interval(30, 50, 0, 50)], increase).verdict).toBe('fail');
  });

  it('tolerates a regression within tolerance that it would flag without', () => {
    const series = Array.from({ length: 30 }, () => interval(15, 1000, 10, 1000)); // 1.5×
    expect(sequentialRateTest(series, increase).verdict).toBe('fail');
    expect(sequentialRateTest(series, { ...increase, tolerance: 0.6 }).verdict).toBe('pass');
  });

  it('respects direction: a drop fails decrease and either, not increase', () => {
    const series = Array.from({ length: 10 }, () => interval(2, 1000, 10, 1000));
    expect(sequentialRateTest(series, increase).verdict).toBe('pass');
    expect(sequentialRateTest(series, { ...increase, direction: 'decrease' }).verdict).toBe('fail');
    expect(sequentialRateTest(series, { ...increase, direction: 'either' }).verdict).toBe('fail');
    // A decrease beyond 100 % cannot happen, so tolerance 1 leaves nothing to detect below.
    expect(sequentialRateTest(series, { ...increase, direction: 'decrease', tolerance: 1 })).toMatchObject({ verdict: 'pass', p: 1 });
  });

  it('reports no estimate while the baseline has no errors', () => {
    const result = sequentialRateTest([interval(3, 500, 0, 500)], increase);
    expect(result.estimate).toBeUndefined();
    expect(result.summary).toMatch(/^canary error rate 0\.6% vs baseline 0%, /);
  });

  it('names the interval and field of a bad count', () => {
    expect(() => sequentialRateTest([interval(1, 10, 0, 10), interval(-1, 10, 0, 10)], increase)).toThrow(
      /interval 1: canaryErrors must be a finite count ≥ 0, got -1/,
    );
    expect(() => sequentialRateTest([interval(0, 10, 11, 10)], increase)).toThrow(
      /interval 0: baselineErrors \(11\) exceed baselineRequests \(10\)/,
    );
    expect(() => sequentialRateTest([interval(0, NaN, 0, 10)], increase)).toThrow(/canaryRequests/);
    expect(() => sequentialRateTest([], { ...increase, alpha: 1 })).toThrow(/alpha/);
    expect(() => sequentialRateTest([], { ...increase, tolerance: -1 })).toThrow(/tolerance/);
  });
});

const intervalArb = fc
  .record({
    canaryRequests: fc.integer({ min: 0, max: 2000 }),
    baselineRequests: fc.integer({ min: 0, max: 4000 }),
    canaryShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
    baselineShare: fc.double({ min: 0, max: 0.2, noNaN: true }),
  })
  .map(({ canaryRequests, baselineRequests, canaryShare, baselineShare }) =>
    interval(Math.floor(canaryRequests * canaryShare), canaryRequests, Math.floor(baselineRequests * baselineShare), baselineRequests),
  );
const seriesArb = fc.array(intervalArb, { minLength: 1, maxLength: 25 });
const directionArb = fc.constantFrom('increase', 'decrease', 'either') as fc.Arbitrary<SequentialRateOptions['direction']>;

describe('sequentialRateTest properties', () => {
  it('keeps p above 0 when the evidence is overwhelming (found by a wider property run)', () => {
    const series = [interval(477, 499, 0, 1999), interval(7, 7, 0, 1682), interval(0, 0, 0, 0)];
    const result = sequentialRateTest(series, increase);
    expect(result.verdict).toBe('fail');
    expect(result.p).toBeGreaterThan(0);
  });

  it('p is in (0, 1] and never rises as intervals are added; a failure stays a failure', () => {
    fc.assert(
      fc.property(seriesArb, directionArb, fc.double({ min: 0, max: 0.5, noNaN: true }), (series, direction, tolerance) => {
        const options = { alpha: 0.05, direction, tolerance };
        let previous = sequentialRateTest([], options);
        for (let t = 1; t <= series.length; t++) {
          const current = sequentialRateTest(series.slice(0, t), options);
          expect(current.p).toBeGreaterThan(0);
          expect(current.p).toBeLessThanOrEqual(previous.p!);
          if (previous.verdict === 'fail') expect(current.verdict).toBe('fail');
          previous = current;
        }
      }),
    );
  });

  it('checking after every interval or once at the end gives the same alarm at the same interval (stateless)', () => {
    fc.assert(
      fc.property(seriesArb, directionArb, (series, direction) => {
        const options = { alpha: 0.05, direction, tolerance: 0 };
        const crossedAt = sequentialRateTest(series, options).details!.crossedAt as number | null;
        const firstFail = series.findIndex((_, i) => sequentialRateTest(series.slice(0, i + 1), options).verdict === 'fail');
        expect(firstFail).toBe(crossedAt ?? -1);
      }),
    );
  });

  it('moving an error from the baseline to the canary never makes an increase look less likely', () => {
    fc.assert(
      fc.property(seriesArb, fc.nat(), (series, pick) => {
        const movable = series.map((s, i) => (s.baselineErrors > 0 && s.canaryErrors < s.canaryRequests ? i : -1)).filter((i) => i >= 0);
        fc.pre(movable.length > 0);
        const at = movable[pick % movable.length]!;
        const moved = series.map((s, i) =>
          i === at ? { ...s, canaryErrors: s.canaryErrors + 1, baselineErrors: s.baselineErrors - 1 } : s,
        );
        const before = sequentialRateTest(series, increase);
        const after = sequentialRateTest(moved, increase);
        expect(after.details!.maxLogLikelihoodRatio as number).toBeGreaterThanOrEqual(
          (before.details!.maxLogLikelihoodRatio as number) - 1e-9,
        );
      }),
    );
  });

  it('at tolerance 0, decrease on (canary, baseline) is increase on (baseline, canary), and either is symmetric', () => {
    fc.assert(
      fc.property(seriesArb, (series) => {
        const swapped = series.map((s) => interval(s.baselineErrors, s.baselineRequests, s.canaryErrors, s.canaryRequests));
        const down = sequentialRateTest(series, { ...increase, direction: 'decrease' }).p!;
        const upSwapped = sequentialRateTest(swapped, increase).p!;
        expect(Math.abs(down - upSwapped)).toBeLessThanOrEqual(1e-9 * upSwapped);
        const either = sequentialRateTest(series, { ...increase, direction: 'either' }).p!;
        const eitherSwapped = sequentialRateTest(swapped, { ...increase, direction: 'either' }).p!;
        expect(Math.abs(either - eitherSwapped)).toBeLessThanOrEqual(1e-9 * eitherSwapped);
      }),
    );
  });
});

describe('sequentialRateTest validity on simulated A/A data (seeded)', () => {
  // 400 rollouts × 60 checks each, at the null's boundary (canary exactly as bad as tolerated).
  // Ville's inequality bounds the rate of ever failing by alpha = 0.05, i.e. 20 of 400.
  const runs = 400;
  it('fails at most alpha of equal-rate canaries checked 60 times each', () => {
    const random = prng(42);
    let alarms = 0;
    for (let run = 0; run < runs; run++) {
      const series = simulate(random, 60, { requests: 750, rate: 0.01 }, { requests: 2250, rate: 0.01 });
      if (sequentialRateTest(series, increase).verdict === 'fail') alarms++;
    }
    expect(alarms).toBeLessThanOrEqual(0.05 * runs);
  });

  it('fails at most alpha of canaries exactly at the tolerated ratio, for every direction', () => {
    const random = prng(7);
    const boundaryRuns = 250;
    for (const direction of ['increase', 'decrease', 'either'] as const) {
      let alarms = 0;
      for (let run = 0; run < boundaryRuns; run++) {
        // increase tolerates ×1.2; decrease tolerates ×0.8: put the canary on that boundary.
        const ratio = direction === 'decrease' ? 0.8 : 1.2;
        const series = simulate(random, 60, { requests: 300, rate: 0.02 * ratio }, { requests: 2700, rate: 0.02 });
        if (sequentialRateTest(series, { alpha: 0.05, direction, tolerance: 0.2 }).verdict === 'fail') alarms++;
      }
      expect(alarms, direction).toBeLessThanOrEqual(0.05 * boundaryRuns);
    }
  });

  it('catches a 2× regression at a quarter of the traffic in nearly every run', () => {
    const random = prng(3);
    let caught = 0;
    for (let run = 0; run < 200; run++) {
      const series = simulate(random, 60, { requests: 750, rate: 0.01 }, { requests: 2250, rate: 0.005 });
      if (sequentialRateTest(series, increase).verdict === 'fail') caught++;
    }
    expect(caught).toBeGreaterThanOrEqual(190);
  });
});
