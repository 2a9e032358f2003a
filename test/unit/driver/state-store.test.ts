// The local record: one run at a time (lock with stale-lock detection, re-checked before every
// traffic change), every record checked against the schema and bound to the spec it started with.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { drive } from '../../../src/driver/driver.js';
import { FileStateStore } from '../../../src/driver/state-file.js';
import { bindingOf, UnusableRecordError } from '../../../src/driver/record.js';
import { RolloutLockedError, StateLock } from '../../../src/driver/state-lock.js';
import { planFrom, quietLog, world } from '../../harness/sim.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rollgate-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly belongs to no process: one that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

const TWO_STAGES = `
version: 1
traffic: { provider: command, command: "true" }
stages: [{ weight: 10, bake: 10m }, { weight: 50, bake: 10m }, { weight: 100 }]
gates:
  errors: { provider: command, command: "true", interval: 1m }
`;

describe('the lock on a state file', () => {
  it('lets one run in and names the holder to the second', async () => {
    const path = join(dir, 'production.json.lock');
    const first = new StateLock(path);
    await first.acquire('production');
    const second = new StateLock(path);
    const refused = await second.acquire('production').catch((e: Error) => e);
    expect(refused).toBeInstanceOf(RolloutLockedError);
    expect((refused as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    await first.release();
    await second.acquire('production');
    await second.release();
  });

  it('takes over a lock whose process is gone, but never one whose process lives', async () => {
    const path = join(dir, 'production.json.lock');
    writeFileSync(path, JSON.stringify({ token: 'old', pid: deadPid(), host: hostname(), at: '2026-01-01T00:00:00Z' }));
    const lock = new StateLock(path);
    await lock.acquire('production');
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    // A live process (this one's parent) on this host, or any process on another host: held.
    writeFileSync(path, JSON.stringify({ token: 'live', pid: process.ppid, host: hostname(), at: 'now' }));
    await expect(new StateLock(path).acquire('production')).rejects.toThrow(/held by another run/);
    writeFileSync(path, JSON.stringify({ token: 'far', pid: deadPid(), host: 'another-host', at: 'now' }));
    await expect(new StateLock(path).acquire('production')).rejects.toThrow(/another-host/);
  });

  it('a run whose lock was taken over stops before its next traffic change', async () => {
    const plan = planFrom(TWO_STAGES);
    const w = world(plan);
    const store = new FileStateStore(join(dir, 'production.json'));
    let measured = 0;
    w.gates.errors = {
      name: 'errors',
      provider: 'scripted',
      async measure() {
        // Mid-bake of stage 1, another run (an abort) takes the lock.
        if (++measured === 3) await new StateLock(store.lock.path).takeOver();
        return { verdict: 'pass', evidence: { summary: 'ok' } };
      },
    };
    const error = await drive(
      { router: w.router, gates: w.gates, store, reporters: [], clock: w.clock, log: quietLog },
      { plan, id: 'a' },
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RolloutLockedError);
    expect((error as Error).message).toMatch(/no longer holds .* took it over; it stops without touching the router/);
    expect(w.router.history).toEqual([10]);
  });

  it('is released when the run ends, and left (stale) only when the process dies', async () => {
    const plan = planFrom(TWO_STAGES);
    const w = world(plan);
    const store = new FileStateStore(join(dir, 'production.json'));
    const result = await drive(
      { router: w.router, gates: w.gates, store, reporters: [], clock: w.clock, log: quietLog },
      { plan, id: 'a' },
    );
    expect(result.outcome).toBe('promoted');
    expect(() => readFileSync(store.lock.path)).toThrow(/ENOENT/);
  });
});

describe('a loaded record', () => {
  const run = (plan = planFrom(TWO_STAGES), options: { abort?: boolean; binding?: string } = {}) => {
    const w = world(plan);
    const store = new FileStateStore(join(dir, 'production.json'));
    return {
      w,
      store,
      go: () =>
        drive(
          { router: w.router, gates: w.gates, store, reporters: [], clock: w.clock, log: quietLog },
          {
            plan,
            id: 'b',
            ...(options.binding ? { binding: options.binding } : {}),
            ...(options.abort ? { command: { type: 'abort' as const, reason: 'on call' } } : {}),
          },
        ),
    };
  };

  it('is refused, naming the file, when it is empty, not a journal, or not a Rollgate record', async () => {
    for (const [text, why] of [
      ['', /is empty/],
      ['{"plan": ', /production\.json: no snapshot in the journal/],
      ['{"snapshot": {}}\nnot a line\n', /production\.json:2: not a journal line/],
      ['{"plan": {}, "state": {"schema": 1}}', /not a valid Rollgate record \(plan\.strategy/],
      [JSON.stringify({ plan: planFrom(TWO_STAGES), state: { schema: 1, status: 'progressing' } }), /state\.id/],
    ] as const) {
      writeFileSync(join(dir, 'production.json'), text);
      const { go, w } = run();
      const error = await go().catch((e: Error) => e);
      expect(error).toBeInstanceOf(UnusableRecordError);
      expect((error as Error).message).toContain(join(dir, 'production.json'));
      expect((error as Error).message).toMatch(why);
      expect(w.router.history).toEqual([]);
    }
  });

  it('is refused under another spec or router, and aborted anyway with --abort', async () => {
    const plan = planFrom(TWO_STAGES);
    const first = run(plan, { binding: bindingOf(plan, { provider: 'haproxy', backend: 'web' }) });
    // A run that dies mid-bake of stage 1 (its gate never answers): its record stays in progress.
    first.w.gates.errors = { name: 'errors', provider: 'x', measure: () => new Promise(() => undefined) };
    void first.go();
    await expect.poll(() => first.w.router.weight).toBe(10);
    // Read back through the journal: the binding survives the changes appended after the snapshot.
    const recorded = (await first.store.load())!;
    await first.store.release();

    const otherPlan = planFrom(TWO_STAGES.replace('weight: 50', 'weight: 60'));
    const other = run(otherPlan, { binding: bindingOf(otherPlan, { provider: 'haproxy', backend: 'web' }) });
    other.w.router.weight = 10;
    await expect(other.go()).rejects.toThrow(/started with another spec or router; Rollgate will not drive it/);
    const otherRouter = run(plan, { binding: bindingOf(plan, { provider: 'haproxy', backend: 'api' }) });
    await expect(otherRouter.go()).rejects.toThrow(/another spec or router/);
    expect(other.w.router.history).toEqual([]);
    expect(otherRouter.w.router.history).toEqual([]);

    const abort = run(otherPlan, { abort: true, binding: bindingOf(otherPlan, {}) });
    abort.w.router.weight = 10;
    const result = await abort.go();
    expect(result.outcome).toBe('rolled-back');
    expect(abort.w.router.history).toEqual([0]);
    expect(recorded.binding).toBe(bindingOf(plan, { provider: 'haproxy', backend: 'web' }));
  });

  it('--abort works from the spec alone when the record is unreadable or missing', async () => {
    writeFileSync(join(dir, 'production.json'), '{"truncated');
    const unreadable = run(planFrom(TWO_STAGES), { abort: true });
    unreadable.w.router.weight = 50;
    expect((await unreadable.go()).outcome).toBe('rolled-back');
    expect(unreadable.w.router.weight).toBe(0);

    rmSync(join(dir, 'production.json'));
    const missing = run(planFrom(TWO_STAGES), { abort: true });
    missing.w.router.weight = 10;
    expect((await missing.go()).outcome).toBe('rolled-back');
    expect(missing.w.router.history).toEqual([0]);
  });

  it('--abort after a promotion is refused: it would send everyone back to the old version', async () => {
    const plan = planFrom(TWO_STAGES);
    const done = run(plan);
    expect((await done.go()).outcome).toBe('promoted');
    const abort = run(plan, { abort: true });
    abort.w.router.weight = 100;
    await expect(abort.go()).rejects.toThrow(/no rollout in progress .* \(the last one promoted\)/);
    expect(abort.w.router.history).toEqual([]);
  });
});
