import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/engine/engine.js';
import type { RolloutState } from '../../../src/engine/types.js';
import { commentBody, decodeRecord, encodeRecord, MAX_COMMENT, MAX_RECORD } from '../../../src/github/comment.js';

function busyState(measurements: number): RolloutState {
  const state: RolloutState = { ...initialState('r1', 0), status: 'progressing', stage: 2, weight: 25 };
  for (let i = 0; i < measurements; i++) {
    state.measurements.push({
      gate: `gate-${i % 7}`,
      verdict: i % 50 === 0 ? 'fail' : 'pass',
      at: 1_700_000_000_000 + i * 30_000,
      stage: Math.floor(i / 100),
      weight: 25,
      evidence: {
        summary: `measured ${Math.random()}`,
        query: `sum(rate(http_requests_total{code=~"5..",version="v${i}"}[1m]))`,
        value: Math.random(),
        threshold: '< 0.01',
      },
    });
    state.timeline.push({ at: i, stage: 0, weight: 1, kind: 'measured', message: `entry ${i} ${Math.random()}` });
  }
  return state;
}

describe('the sticky comment body', () => {
  it('carries the state in a hidden marker that reads back exactly', () => {
    const state = busyState(20);
    const body = commentBody('production', '### report', { deployment: 42, state });
    expect(body).toContain('<!-- rollgate:comment environment=production -->');
    expect(decodeRecord(body)).toEqual({ deployment: 42, state });
  });

  it('keeps the marker within its budget by dropping the oldest passing measurements first', () => {
    const state = busyState(400);
    const marker = encodeRecord({ deployment: 1, state })!;
    expect(marker.length).toBeLessThanOrEqual(MAX_RECORD);
    const kept = decodeRecord(marker)!.state;
    expect(kept.measurements.length).toBeLessThan(400);
    // Every failing measurement survives; the newest one too.
    expect(kept.measurements.filter((m) => m.verdict === 'fail')).toHaveLength(8);
    expect(kept.measurements.at(-1)).toEqual(state.measurements.at(-1));
  });

  it('stays under 60,000 characters however long the report is', () => {
    const body = commentBody('production', 'x'.repeat(200_000), { deployment: 1, state: busyState(400) });
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(body).toContain('_(report truncated)_');
    expect(decodeRecord(body)?.deployment).toBe(1);
  });

  it('names the environment, so each environment keeps its own comment', () => {
    expect(commentBody('staging eu', 'r')).toContain('environment=staging%20eu');
    expect(decodeRecord('no marker here')).toBeUndefined();
    expect(decodeRecord('<!-- rollgate:record v1 deployment=3 bm90IGd6aXA= -->')).toBeUndefined();
  });
});
