// Counts a request once. Count metrics reach the sequential judge as per-step counts; where a
// source hands out raw counters (Prometheus without a range function), Rollgate takes the
// differences itself: a drop is a counter reset (the new value is what was counted since), and a
// series that appears after the first step was born in between (its whole value is new). Range
// windows in PromQL are checked against the step, so no two samples share data.
import type { Point } from './metric-gate.js';

/**
 * Per-step increases of a set of counter series sampled at the same steps, summed over series.
 * Samples at or before `anchor` (the step before the first one wanted) only give the counters'
 * starting values; every later step where any series has a sample gets a point (0 when nothing
 * moved). A series whose first sample comes after the anchor was born in between: its whole
 * value is new. A drop is a reset: the new value is what was counted since.
 */
export function counterIncreases(series: Point[][], anchor: number): Point[] {
  const totals = new Map<number, number>();
  for (const points of series) {
    const sorted = points.filter((p) => Number.isFinite(p.value)).sort((a, b) => a.at - b.at);
    let previous: number | undefined;
    for (const { at, value } of sorted) {
      if (at > anchor) {
        const increase = previous === undefined || value < previous ? value : value - previous;
        totals.set(at, (totals.get(at) ?? 0) + increase);
      }
      previous = value;
    }
  }
  return [...totals].sort(([a], [b]) => a - b).map(([at, value]) => ({ at, value }));
}
