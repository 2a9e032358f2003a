// The rollout's charts on a real time axis: the canary weight and the main value of each gate,
// sampled at evenly spaced moments (minutes since the rollout started), with the gate's threshold
// drawn and the rollback marked. One model, two drawings: Mermaid for GitHub (PR comment, job
// summary) and inline SVG for the self-contained HTML report.
import type { Plan } from '../engine/plan.js';
import type { RolloutState } from '../engine/types.js';

/** Evenly spaced samples per chart: enough to show a stage, few enough for a comment. */
const SAMPLES = 41;
/** Gates charted at most, besides the weight (the failing gate first). */
const MAX_GATE_CHARTS = 4;

export interface TimeChart {
  title: string;
  yLabel: string;
  /** Minutes since the rollout started of the first and the last sample. */
  fromMinute: number;
  toMinute: number;
  /** Values at evenly spaced moments from fromMinute to toMinute. */
  values: number[];
  yMin: number;
  yMax: number;
  threshold?: number;
  /** Minutes since the start at which the canary was rolled back. */
  rollbackMinute?: number;
}

export function rolloutCharts(plan: Plan, state: RolloutState): TimeChart[] {
  const start = state.startedAt;
  const end = Math.max(state.updatedAt, ...state.timeline.map((e) => e.at), ...state.measurements.map((m) => m.at));
  if (end - start < 1_000) return [];
  const minute = (at: number) => (at - start) / 60_000;
  const rolledBack = state.timeline.find((e) => e.kind === 'rolled-back' || e.kind === 'failed');
  const rollbackMinute = rolledBack && state.failure ? minute(rolledBack.at) : undefined;

  const weights = [{ at: start, value: 0 }];
  for (const entry of state.timeline) {
    if (entry.kind === 'stage-started' || entry.kind === 'rolled-back' || entry.kind === 'promoted')
      weights.push({ at: entry.at, value: entry.weight });
  }
  const charts: TimeChart[] = [
    {
      title: `Traffic to ${plan.canary}, percent`,
      yLabel: 'weight, percent',
      ...sampled(weights, start, end, minute),
      yMin: 0,
      yMax: 100,
      ...(rollbackMinute !== undefined ? { rollbackMinute } : {}),
    },
  ];

  const byGate = new Map<string, Array<{ at: number; value: number }>>();
  const thresholds = new Map<string, string | undefined>();
  for (const m of state.measurements) {
    if (typeof m.evidence.value !== 'number' || !Number.isFinite(m.evidence.value)) continue;
    byGate.set(m.gate, [...(byGate.get(m.gate) ?? []), { at: m.at, value: m.evidence.value }]);
    thresholds.set(m.gate, m.evidence.threshold);
  }
  const failing = state.failure?.gate;
  const gates = [...byGate.keys()].sort((a, b) => Number(b === failing) - Number(a === failing)).slice(0, MAX_GATE_CHARTS);
  for (const gate of gates) {
    const points = byGate.get(gate)!;
    if (points.length < 2) continue;
    const threshold = thresholdNumber(thresholds.get(gate));
    const series = sampled(points, points[0]!.at, end, minute);
    const all = [...series.values, ...(threshold !== undefined ? [threshold] : [])];
    const low = Math.min(0, ...all);
    const high = Math.max(...all);
    charts.push({
      title: threshold !== undefined ? `${gate}, limit ${round(threshold)}` : gate,
      yLabel: gate,
      ...series,
      yMin: low,
      yMax: high > low ? high + (high - low) * 0.1 : low + 1,
      ...(threshold !== undefined ? { threshold } : {}),
      ...(rollbackMinute !== undefined ? { rollbackMinute } : {}),
    });
  }
  return charts;
}

/** The value in force (the last point at or before) at SAMPLES evenly spaced moments from `from` to `to`. */
function sampled(points: Array<{ at: number; value: number }>, from: number, to: number, minute: (at: number) => number) {
  const values: number[] = [];
  let i = 0;
  for (let k = 0; k < SAMPLES; k++) {
    const at = from + ((to - from) * k) / (SAMPLES - 1);
    while (i + 1 < points.length && points[i + 1]!.at <= at) i++;
    values.push(points[i]!.value);
  }
  return { fromMinute: minute(from), toMinute: minute(to), values };
}

/** "< 0.01", "<= 250", "> 0.99" → the number; comparisons ("mann-whitney …") have none. */
function thresholdNumber(text: string | undefined): number | undefined {
  const match = /^\s*[<>]=?\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(%?)\s*$/i.exec(text ?? '');
  if (!match) return undefined;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return Number.isFinite(value) ? value : undefined;
}

const round = (value: number) => (Math.abs(value) >= 100 ? Math.round(value * 10) / 10 : Number(value.toPrecision(4)));
/** Mermaid's xychart takes quoted strings: no quotes, line breaks, directives (%%) or markup (<, &). */
const mermaidText = (text: string) => text.replace(/["\n\r`%{}<>&]/g, ' ').slice(0, 60);
const COLORS = { value: '#0969da', threshold: '#bf8700', rollback: '#cf222e' };

/** One ```mermaid xychart: a numeric minutes axis, a bar at the rollback (drawn first, under the
 * lines), the series, a flat threshold line; colours in series order from the front matter. */
export function mermaidChart(chart: TimeChart): string {
  const mark = rollbackIndex(chart);
  const series: Array<[string, string, number[]]> = [];
  if (mark !== undefined) series.push(['bar', COLORS.rollback, chart.values.map((_, k) => (k === mark ? chart.yMax : chart.yMin))]);
  series.push(['line', COLORS.value, chart.values]);
  if (chart.threshold !== undefined) series.push(['line', COLORS.threshold, chart.values.map(() => chart.threshold!)]);
  return [
    '```mermaid',
    '---',
    'config:',
    '  themeVariables:',
    '    xyChart:',
    `      plotColorPalette: "${series.map(([, color]) => color).join(', ')}"`,
    '---',
    'xychart-beta',
    `  title "${mermaidText(chart.title)}"`,
    `  x-axis "minutes since start" ${round(chart.fromMinute)} --> ${round(Math.max(chart.toMinute, chart.fromMinute + 0.1))}`,
    `  y-axis "${mermaidText(chart.yLabel)}" ${round(chart.yMin)} --> ${round(chart.yMax)}`,
    ...series.map(([kind, , values]) => `  ${kind} [${values.map(round).join(', ')}]`),
    '```',
  ].join('\n');
}

function rollbackIndex(chart: TimeChart): number | undefined {
  if (chart.rollbackMinute === undefined || chart.rollbackMinute < chart.fromMinute) return undefined;
  const span = chart.toMinute - chart.fromMinute;
  return span > 0 ? Math.round(((chart.rollbackMinute - chart.fromMinute) / span) * (chart.values.length - 1)) : chart.values.length - 1;
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The same chart as an inline SVG: axes with minute ticks, the series, a dashed threshold, a red rollback line. */
export function svgChart(chart: TimeChart): string {
  const [width, height, left, right, top, bottom] = [640, 220, 56, 16, 28, 36];
  const x = (minute: number) =>
    left + ((minute - chart.fromMinute) / Math.max(chart.toMinute - chart.fromMinute, 1e-9)) * (width - left - right);
  const y = (value: number) => top + (1 - (value - chart.yMin) / Math.max(chart.yMax - chart.yMin, 1e-9)) * (height - top - bottom);
  const step = (chart.toMinute - chart.fromMinute) / (chart.values.length - 1);
  const path = chart.values.map((v, k) => `${x(chart.fromMinute + k * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const ticks = niceTicks(chart.fromMinute, chart.toMinute);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xml(chart.title)}">`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13" font-weight="600">${xml(chart.title)}</text>`,
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#8c959f"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#8c959f"/>`,
    ...ticks.map(
      (t) =>
        `<text x="${x(t).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" font-size="11">${round(t)}</text>` +
        `<line x1="${x(t).toFixed(1)}" y1="${height - bottom}" x2="${x(t).toFixed(1)}" y2="${height - bottom + 4}" stroke="#8c959f"/>`,
    ),
    `<text x="${(left + width - right) / 2}" y="${height - 4}" text-anchor="middle" font-size="11">minutes since start</text>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" font-size="11">${round(chart.yMax)}</text>`,
    `<text x="${left - 6}" y="${height - bottom}" text-anchor="end" font-size="11">${round(chart.yMin)}</text>`,
    `<polyline fill="none" stroke="${COLORS.value}" stroke-width="2" points="${path}"/>`,
  ];
  if (chart.threshold !== undefined) {
    const ty = y(chart.threshold).toFixed(1);
    parts.push(
      `<line x1="${left}" y1="${ty}" x2="${width - right}" y2="${ty}" stroke="${COLORS.threshold}" stroke-dasharray="6 4"/>`,
      `<text x="${width - right}" y="${Number(ty) - 4}" text-anchor="end" font-size="11" fill="${COLORS.threshold}">threshold ${round(chart.threshold)}</text>`,
    );
  }
  if (chart.rollbackMinute !== undefined && chart.rollbackMinute >= chart.fromMinute) {
    const rx = x(chart.rollbackMinute).toFixed(1);
    parts.push(
      `<line x1="${rx}" y1="${top}" x2="${rx}" y2="${height - bottom}" stroke="${COLORS.rollback}" stroke-width="2"/>`,
      `<text x="${rx}" y="${top - 2}" text-anchor="middle" font-size="11" fill="${COLORS.rollback}">rollback</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** About six round minute marks between `from` and `to`. */
function niceTicks(from: number, to: number): number[] {
  const span = Math.max(to - from, 1e-6);
  const raw = span / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const stepSize = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / stepSize) * stepSize; t <= to + 1e-9; t += stepSize) ticks.push(t);
  return ticks;
}
