// The fault suite on a real HAProxy under load, driven through the CLI as a user drives it:
// two runs at once, a crash mid-rollback, a record that cannot be saved, a rollback that fails,
// a corrupt record, a record from another spec, someone else changing the router. Each case asserts
// that traffic ends safe, nothing a gate failed is promoted, the record matches the router, and the
// message names the cause.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { replay } from '../../src/driver/journal.js';
import type { RolloutState } from '../../src/engine/types.js';
import { createHaproxyRouter, HaproxyRuntimeApi } from '../../src/traffic/haproxy.js';
import { startBackend, type Backend } from '../harness/backend.js';
import { startHaproxy, type Haproxy } from '../harness/haproxy.js';
import { waitUntil } from '../harness/wait.js';
import { failed, startLoad, type Load } from '../harness/load.js';

let stable: Backend;
let canary: Backend;
let haproxy: Haproxy;
let load: Load;
let dir: string;

beforeAll(async () => {
  [stable, canary] = await Promise.all([startBackend('v1'), startBackend('v2')]);
  haproxy = await startHaproxy([
    { name: 'web-v1', address: stable.address, weight: 100 },
    { name: 'web-v2', address: canary.address, weight: 0 },
  ]);
  // Load through every case: bounded in rate, count and time.
  load = startLoad({ url: `${haproxy.url}/`, rate: 200, maxRequests: 60_000, maxSeconds: 300 });
});
afterAll(async () => {
  await load?.stop();
  await haproxy?.stop();
  await stable?.kill();
  await canary?.kill();
});
afterEach(async () => {
  await router().setWeight(0, { stage: 0, stageName: '', environment: 'x', rollback: true });
  rmSync(dir, { recursive: true, force: true });
});

const router = () =>
  createHaproxyRouter({ provider: 'haproxy', socket: haproxy.socket, backend: 'web', stable: 'web-v1', canary: 'web-v2' } as never);
const weightNow = () => router().getWeight();

/** A checkout: the spec, and a gate script that fails from FAIL_FROM % on. */
function checkout(options: { failFrom?: number; bake?: string; socket?: string; extra?: string } = {}) {
  dir = mkdtempSync(join(tmpdir(), 'rollgate-faults-'));
  writeFileSync(join(dir, 'gate.sh'), `if [ "$ROLLGATE_WEIGHT" -ge "${options.failFrom ?? 101}" ]; then echo 0.2; else echo 0.001; fi\n`);
  writeFileSync(
    join(dir, 'rollout.yml'),
    `version: 1
environment: faults
traffic: { provider: haproxy, socket: ${options.socket ?? haproxy.socket}, backend: web, stable: web-v1, canary: web-v2 }
stages:
  - { weight: 10, bake: ${options.bake ?? '2s'} }
  - { weight: 50, bake: ${options.bake ?? '2s'} }
  - { weight: 100 }
gates:
  errors: { provider: command, command: sh ${join(dir, 'gate.sh')}, threshold: "< 0.01", interval: 1s }
${options.extra ?? ''}`,
  );
  return { state: join(dir, '.rollgate/faults.json'), spec: join(dir, 'rollout.yml') };
}

/** The record in a state file (a journal: a snapshot and the changes appended since). */
const record = (path: string) => replay(readFileSync(path, 'utf8'), path) as unknown as { state: RolloutState };

/** `rollgate <args>` in this process, as the CLI runs it. */
async function cli(args: string[], signal = new AbortController().signal) {
  let out = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
  const code = await main(args, { stdout: sink, stderr: sink, env: { ...process.env, CI: '1' }, cwd: dir, signal });
  return { code, out };
}

/** `rollgate <args>` as its own process (to be killed). */
function cliProcess(args: string[]) {
  const entry = join(dir, 'rollgate.mts');
  writeFileSync(entry, `import { runCliProcess } from ${JSON.stringify(join(process.cwd(), 'src/cli/bin.ts'))};\nrunCliProcess();\n`);
  // From the repository (where tsx resolves); every path it needs is absolute.
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: process.cwd(),
    env: { ...process.env, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, done, out: () => out };
}

describe('faults on a real HAProxy under load', () => {
  it('two runs at once: one drives, the other is refused naming the holder and never touches the router', async () => {
    const c = checkout({ failFrom: 50 });
    const args = ['run', '--config', c.spec, '--state', c.state, '--yes'];
    const [a, b] = await Promise.all([cli(args), cli(args)]);
    const [ran, refused] = a.code === 4 ? [b, a] : [a, b];
    expect(refused.code).toBe(4);
    expect(refused.out).toMatch(/is held by another run \(pid \d+ on .*; lock .*faults\.json\.lock\)/);
    expect(ran.code).toBe(1); // the gate failed at 50 %: rolled back
    expect(await weightNow()).toBe(0);
    expect(record(c.state).state).toMatchObject({ status: 'rolled-back', weight: 0, failure: { gate: 'errors' } });
    // A third run after the rollback starts a new rollout; it never resumes the rejected one.
    expect(failed(load.counts())).toBe(0);
  });

  it('kill -9 once the rollback verdict is saved: the re-run finishes the rollback, never the canary', { timeout: 120_000 }, async () => {
    const c = checkout({ failFrom: 50 });
    const aside = `${haproxy.socket}.away`;
    const run = cliProcess(['run', '--config', c.spec, '--state', c.state, '--yes']);
    // Stage 2 in force (its gate fails): the admin socket goes away, so the rollback's traffic
    // change keeps retrying with the verdict saved. Then the process is killed.
    await waitUntil(async () => (await weightNow()) === 50, 60_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${run.out()}`);
    });
    renameSync(haproxy.socket, aside);
    try {
      await waitUntil(async () => {
        try {
          return record(c.state).state.status === 'rolling-back';
        } catch {
          return false;
        }
      }, 30_000);
      run.child.kill('SIGKILL');
      await run.done;
    } finally {
      renameSync(aside, haproxy.socket);
    }
    expect(await weightNow()).toBe(50);
    const again = await cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
    expect(again.code, again.out).toBe(1);
    expect(again.out).not.toMatch(/stage \d\/3: \d+% to web-v2/);
    expect(await weightNow()).toBe(0);
    expect(record(c.state).state).toMatchObject({ status: 'rolled-back', weight: 0, failure: { gate: 'errors' } });
  });

  it('a record that cannot be saved mid-bake: traffic back to stable first, then exit 4 naming the cause', async () => {
    const c = checkout({ bake: '3s' });
    const running = cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
    await waitUntil(async () => (await weightNow()) === 10, 30_000);
    // The state file cannot be written any more: a directory stands in its place (a save may be
    // writing a new snapshot this very moment: try again until the directory is there).
    await waitUntil(async () => {
      try {
        rmSync(c.state, { force: true });
        mkdirSync(c.state);
        return true;
      } catch {
        return false;
      }
    }, 10_000);
    const { code, out } = await running;
    expect(code).toBe(4);
    expect(out).toMatch(/could not save the rollout's record: .*EISDIR.*; the rollout was rolled back first \(web-v1 serves 100%\)/);
    expect(await weightNow()).toBe(0);
  });

  it('a rollback that fails (router unreachable) is finished by the re-run, not restarted at stage 1', async () => {
    const c = checkout({ failFrom: 50 });
    const aside = `${haproxy.socket}.away`;
    const running = cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
    // Once stage 2 is in force (the gate fails there), the admin socket goes away.
    await waitUntil(async () => (await weightNow()) === 50, 30_000);
    renameSync(haproxy.socket, aside);
    const first = await running.finally(() => undefined);
    renameSync(aside, haproxy.socket);
    expect(first.code).toBe(4);
    expect(record(c.state).state.status).toBe('failed');
    expect(await weightNow()).toBe(50);
    const again = await cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
    expect(again.code, again.out).toBe(1);
    expect(await weightNow()).toBe(0);
    expect(record(c.state).state).toMatchObject({ status: 'rolled-back', weight: 0 });
    expect(record(c.state).state.failure?.reason).toMatch(/rolled back on a later run; before: rollback failed: .*admin\.sock/);
  });

  it('--abort with a corrupt or empty record returns traffic from the spec alone, naming the file', async () => {
    const c = checkout();
    await router().setWeight(50, { stage: 1, stageName: '', environment: 'faults', rollback: false });
    mkdirSync(join(dir, '.rollgate'));
    for (const text of ['', '{"plan": {"stages": [']) {
      writeFileSync(c.state, text);
      const status = await cli(['status', '--state', c.state]);
      expect(status.code).toBe(4);
      expect(status.out).toContain(c.state);
      const run = await cli(['run', '--config', c.spec, '--state', c.state]);
      expect(run.code).toBe(4);
      expect(run.out).toContain(c.state);
      expect(run.out).toContain('`rollgate run --abort` returns traffic to web-v1');
      expect(await weightNow()).toBe(50);
    }
    const abort = await cli(['run', '--config', c.spec, '--state', c.state, '--abort']);
    expect(abort.code, abort.out).toBe(1);
    expect(abort.out).toContain(`the state file ${c.state}: no snapshot in the journal; aborting from the spec alone`);
    expect(await weightNow()).toBe(0);
    expect(record(c.state).state).toMatchObject({ status: 'rolled-back', weight: 0 });
  });

  it('a record from another spec is refused, and aborted only on request', async () => {
    const c = checkout({ extra: '' });
    writeFileSync(join(dir, 'gate.sh'), 'sleep 30; echo 0.001\n'); // the run stops mid-bake of stage 1
    const stop = new AbortController();
    const running = cli(['run', '--config', c.spec, '--state', c.state, '--yes'], stop.signal);
    await waitUntil(async () => (await weightNow()) === 10, 30_000);
    // The process dies (its lock is left behind, stale once the holder is gone: here, we drop it).
    const saved = readFileSync(c.state, 'utf8');
    stop.abort();
    await running;
    writeFileSync(c.state, saved);
    await router().setWeight(10, { stage: 0, stageName: '', environment: 'faults', rollback: false });
    writeFileSync(c.spec, readFileSync(c.spec, 'utf8').replace('weight: 50', 'weight: 60'));
    const other = await cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
    expect(other.code).toBe(4);
    expect(other.out).toMatch(/was started with another spec or router; Rollgate will not drive it with this one/);
    expect(await weightNow()).toBe(10);
    const abort = await cli(['run', '--config', c.spec, '--state', c.state, '--abort']);
    expect(abort.code, abort.out).toBe(1);
    expect(await weightNow()).toBe(0);
  });

  it(
    'someone else resets the router mid-stage: paused with both weights, the record and report show what is in force',
    { timeout: 90_000 },
    async () => {
      const c = checkout({ bake: '10s' });
      const running = cli(['run', '--config', c.spec, '--state', c.state, '--yes']);
      await waitUntil(async () => (await weightNow()) === 50, 30_000);
      // As a reload from an unchanged config file would: the canary back to 0.
      await new HaproxyRuntimeApi(haproxy.socket).request('set weight web/web-v2 0; set weight web/web-v1 100');
      const { code, out } = await running;
      expect(code, out).toBe(3);
      expect(out).toContain('drift: the router sends 0% to web-v2, but this rollout set 50% (changed outside Rollgate)');
      expect(record(c.state).state).toMatchObject({ status: 'paused', weight: 0, pause: { kind: 'drift' } });
      const report = readFileSync(join(dir, '.rollgate/faults-report.md'), 'utf8');
      expect(report).toContain('**Paused** at stage 2/3 (0%) — drift: the router sends 0% to web-v2, but this rollout set 50%');
      // Approving sets the stage weight again and goes on to the end.
      const approved = await cli(['run', '--config', c.spec, '--state', c.state, '--approve', '--yes']);
      expect(approved.code, approved.out).toBe(0);
      expect(await weightNow()).toBe(100);
    },
  );
});
