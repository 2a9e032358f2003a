// Threshold expressions of the spec: "< 0.01", "<= 250", "> 0.99", ">= 1", "== 0",
// "between 0 and 0.02" (inclusive). A trailing % divides by 100 ("< 1%" is "< 0.01").

export type Threshold =
  | { kind: 'compare'; op: '<' | '<=' | '>' | '>=' | '==' | '!='; value: number; text: string }
  | { kind: 'between'; low: number; high: number; text: string };

const NUMBER = String.raw`(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)(%?)`;
const COMPARE = new RegExp(String.raw`^\s*(<=|>=|==|!=|<|>)\s*${NUMBER}\s*$`, 'i');
const BETWEEN = new RegExp(String.raw`^\s*between\s+${NUMBER}\s+and\s+${NUMBER}\s*$`, 'i');

function toNumber(digits: string, percent: string): number {
  return percent ? Number(digits) / 100 : Number(digits);
}

/** Parses a threshold, or returns an error message saying what was expected. */
export function parseThreshold(text: string): Threshold | { error: string } {
  const compare = COMPARE.exec(text);
  if (compare) {
    const [, op, digits, percent] = compare;
    const value = toNumber(digits!, percent!);
    if (!Number.isFinite(value)) return { error: `${digits} is too large a number` };
    return { kind: 'compare', op: op as '<', value, text: text.trim() };
  }
  const between = BETWEEN.exec(text);
  if (between) {
    const [, a, pa, b, pb] = between;
    const low = toNumber(a!, pa!);
    const high = toNumber(b!, pb!);
    if (!Number.isFinite(low) || !Number.isFinite(high)) return { error: 'the bounds must be finite numbers' };
    if (low > high) return { error: `"between ${low} and ${high}" has its low end above its high end` };
    return { kind: 'between', low, high, text: text.trim() };
  }
  return { error: 'expected a threshold such as "< 0.01", ">= 0.99" or "between 0 and 0.02"' };
}

/** True when the value satisfies the threshold. NaN and ±Infinity never do (to a gate they are no data). */
export function meetsThreshold(value: number, threshold: Threshold): boolean {
  if (!Number.isFinite(value)) return false;
  if (threshold.kind === 'between') return value >= threshold.low && value <= threshold.high;
  switch (threshold.op) {
    case '<':
      return value < threshold.value;
    case '<=':
      return value <= threshold.value;
    case '>':
      return value > threshold.value;
    case '>=':
      return value >= threshold.value;
    case '==':
      return value === threshold.value;
    case '!=':
      return value !== threshold.value;
  }
}

/** A value held against a threshold, in the one wording every gate uses: "p99 = 0.004 meets < 0.01". */
export function thresholdVerdict(value: number, threshold: Threshold, name?: string): { verdict: 'pass' | 'fail'; summary: string } {
  const ok = meetsThreshold(value, threshold);
  // Six significant digits: enough to compare with the threshold, without float noise.
  const shown = Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
  return { verdict: ok ? 'pass' : 'fail', summary: `${name ? `${name} = ` : ''}${shown} ${ok ? 'meets' : 'breaks'} ${threshold.text}` };
}

/** The verdict of a value that is no measurement (±Inf, 1e999): no data, and never a pass, whatever noData says. */
export function nonFiniteVerdict(noData: 'fail' | 'inconclusive' | 'pass'): 'fail' | 'inconclusive' {
  return noData === 'pass' ? 'inconclusive' : noData;
}
