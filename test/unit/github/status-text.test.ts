import { describe, expect, it } from 'vitest';
import { initialState } from '../../../src/engine/engine.js';
import type { RolloutState } from '../../../src/engine/types.js';
import { MAX_DESCRIPTION, parsePosition, readStatus, statusText } from '../../../src/github/status-text.js';
import { permissionFor, isPermissionRefusal, MissingPermissionError } from '../../../src/github/permissions.js';
import { planFrom } from '../../harness/sim.js';

const plan = planFrom(`
version: 1
traffic: { provider: command, command: "true" }
stages:
  - { weight: 1, bake: 10m }
  - { weight: 5, bake: 20m }
  - { weight: 25, bake: 30m, approval: true }
  - { weight: 50, bake: 30m }
  - { weight: 100 }
gates:
  error-rate: { provider: command, command: "true", threshold: "< 0.01", interval: 30s }
  latency: { provider: command, command: "true", threshold: "< 300", interval: 30s }
  health: { provider: command, command: "true", interval: 30s }
`);

function at(overrides: Partial<RolloutState>): RolloutState {
  return { ...initialState('r1', 0), status: 'progressing', phase: 'baking', ...overrides };
}

const measured = (verdicts: Record<string, 'pass' | 'fail'>) =>
  Object.entries(verdicts).map(([gate, verdict], i) => ({
    gate,
    verdict,
    at: i,
    stage: 1,
    weight: 5,
    evidence: { summary: '', value: 0.001, threshold: '< 0.01' },
  }));

describe('deployment status descriptions', () => {
  it('says stage, weight and gates the way the issue shows it', () => {
    const state = at({ stage: 1, weight: 5, measurements: measured({ 'error-rate': 'pass', latency: 'pass', health: 'pass' }) });
    expect(statusText(plan, state)).toEqual({ state: 'in_progress', description: 'stage 2/5 · 5% · 3/3 gates passing' });
  });

  it('reads every in-progress and waiting form back to the same position', () => {
    const cases: RolloutState[] = [
      at({ stage: 0, weight: 1 }),
      at({ stage: 3, weight: 50, measurements: measured({ 'error-rate': 'pass', latency: 'fail' }) }),
      at({ status: 'awaiting-approval', stage: 2, weight: 5, pause: { kind: 'approval', reason: 'approval needed', at: 0 } }),
      at({ status: 'paused', stage: 1, weight: 5, pause: { kind: 'inconclusive', reason: 'latency: 4 inconclusive measurements', at: 0 } }),
    ];
    for (const state of cases) {
      const text = statusText(plan, state);
      const position = parsePosition(text.state, text.description);
      expect(position, text.description).toMatchObject({ status: state.status, stage: state.stage, stages: 5, weight: state.weight });
    }
    expect(parsePosition('queued', 'stage 2/5 · 5% · paused: latency: 4 inconclusive measurements')?.reason).toBe(
      'latency: 4 inconclusive measurements',
    );
  });

  it('names the failed gate with its value and threshold, as a failure', () => {
    const state = at({
      status: 'rolled-back',
      stage: 1,
      weight: 0,
      failure: {
        reason: 'error-rate failed',
        gate: 'error-rate',
        evidence: { summary: 'too many 5xx', value: 0.0523, threshold: '< 0.01' },
        at: 0,
      },
    });
    expect(statusText(plan, state)).toEqual({
      state: 'failure',
      description: 'rolled back at stage 2/5 · gate error-rate 0.0523 (< 0.01)',
    });
    expect(readStatus('failure', 'rolled back at stage 2/5 · gate error-rate 0.0523 (< 0.01)')).toEqual({
      outcome: 'rolled-back',
      stage: 2,
      weight: 0,
    });
  });

  it('records an interruption or a broken router as an error, a manual abort as a failure', () => {
    const stopped = (reason: string) =>
      statusText(plan, at({ status: 'rolled-back', stage: 2, weight: 0, failure: { reason, at: 0 } })).state;
    expect(stopped('aborted: interrupted')).toBe('error');
    expect(stopped('interrupted: the main step ended without a verdict')).toBe('error');
    expect(stopped('traffic router error: connection refused')).toBe('error');
    expect(stopped('aborted: requested by @alice')).toBe('failure');
    expect(statusText(plan, at({ status: 'failed', failure: { reason: 'rollback failed: refused', at: 0 } })).state).toBe('error');
    expect(statusText(plan, at({ status: 'promoted', stage: 4, weight: 100 }))).toEqual({
      state: 'success',
      description: 'promoted · 100%',
    });
  });

  it('never exceeds 140 characters', () => {
    const reason = 'x'.repeat(500);
    for (const state of [
      at({ status: 'paused', stage: 1, weight: 5, pause: { kind: 'inconclusive', reason, at: 0 } }),
      at({ status: 'rolled-back', stage: 1, weight: 0, failure: { reason, at: 0 } }),
      at({ status: 'failed', stage: 1, weight: 5, failure: { reason, at: 0 } }),
    ]) {
      const { description } = statusText(plan, state);
      expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
      expect(description.endsWith('…')).toBe(true);
    }
  });

  it("finds nothing to resume in another tool's status", () => {
    expect(parsePosition('in_progress', 'Deploying to production')).toBeUndefined();
    expect(parsePosition('success', 'stage 2/5 · 5% · 3/3 gates passing')).toBeUndefined();
    expect(readStatus('success', 'Deployment finished successfully.')).toEqual({});
  });
});

describe('permission messages', () => {
  it('names the permission each route needs', () => {
    expect(permissionFor('POST', '/repos/acme/shop/deployments')).toBe('deployments: write');
    expect(permissionFor('GET', '/repos/acme/shop/deployments/12/statuses')).toBe('deployments: read');
    expect(permissionFor('POST', '/api/v3/repos/acme/shop/deployments/12/statuses')).toBe('deployments: write');
    expect(permissionFor('PATCH', '/repos/acme/shop/issues/comments/99')).toBe('pull-requests: write');
    expect(permissionFor('POST', '/repos/acme/shop/issues/7/comments')).toBe('pull-requests: write');
    expect(permissionFor('GET', '/repos/acme/shop/commits/abc/pulls')).toBe('pull-requests: read');
    expect(permissionFor('GET', '/rate_limit')).toBeUndefined();
  });

  it('tells a refused permission from a rate limit (both are 403)', () => {
    expect(isPermissionRefusal(403, 'Resource not accessible by integration')).toBe(true);
    expect(isPermissionRefusal(403, 'API rate limit exceeded for installation ID 1')).toBe(false);
    expect(isPermissionRefusal(404, 'Resource not accessible by integration')).toBe(false);
    expect(new MissingPermissionError('POST /repos/a/b/deployments', 'deployments: write').message).toContain(
      "Add `deployments: write` to the job's permissions",
    );
  });
});
