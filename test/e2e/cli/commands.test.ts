import pkg from '../../../package.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { formatSpecError, parseSpec } from '../../../src/config/load.js';

async function dirWith(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const SPEC = `version: 1
environment: staging
traffic:
  provider: command
  command: 'echo "$ROLLGATE_WEIGHT" >> weights.txt'
  verify: 'tail -n 1 weights.txt'
stages:
  - weight: 10
    bake: 1s
  - weight: 50
    bake: 1s
    approval: true
  - weight: 100
gates:
  check:
    provider: command
    command: 'echo 0.002'
    threshold: "< 0.01"
    interval: 1s
`;

describe('rollgate CLI', () => {
  it('validate: exit 0 for a valid spec, 2 with every positioned error for a bad one', async () => {
    const dir = await dirWith({ 'good.yml': SPEC, 'bad.yml': SPEC.replace('weight: 50', 'weight: 150').replace('bake: 1s', 'bak: 1s') });
    const good = await runCli(['validate', 'good.yml'], { cwd: dir });
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('good.yml: valid');
    const bad = await runCli(['validate', 'bad.yml'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad.yml:9:5 stages[0].bak: unknown key "bak" (did you mean "bake"?)');
    expect(bad.stderr).toContain('bad.yml:10:13 stages[1].weight: must be at most 100 (got 150)');
  });

  it('validate loads only the providers a spec names, yet reports exactly what the whole schema does', async () => {
    // Errors inside the named providers' fields, a misspelt provider and a missing one: the CLI loads
    // haproxy and prometheus only; this process (test/setup.ts) has every provider loaded.
    const text = `version: 1
traffic:
  provider: haproxy
  socket: "no socket"
  backend: web
  stable: web-v1
  canary: web-v2
  timeout: 5 seconds
stages:
  - weight: 100
gates:
  errors:
    provider: prometheus
    url: ftp://prometheus
    query: up
    threshold: "< 0.01"
    interval: 30s
  latency:
    provider: prometeus
  health:
    url: https://canary.example.com/healthz
`;
    const dir = await dirWith({ 'rollout.yml': text });
    const run = await runCli(['validate', 'rollout.yml'], { cwd: dir });
    const expected = parseSpec(text, 'rollout.yml');
    if (expected.ok) throw new Error('the spec above must be invalid');
    expect(expected.errors.length).toBeGreaterThanOrEqual(5);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(expected.errors.map((e) => `${formatSpecError(e)}\n`).join(''));
  });

  it('validate loads only the sections a spec has, yet reports exactly what the whole schema does', async () => {
    // Errors inside blueGreen, rolling, migrations and notify.alerts (each loaded only because the spec
    // has it) and a misspelt section name; this process (test/setup.ts) has every section loaded.
    const text = `version: 1
strategy: blue-green
traffic:
  provider: command
  command: 'true'
blueGreen:
  rollbackWindow: 5 minutes
  preSwitchGates: [smoke]
  aproval: true
rolling:
  targets: []
migrations:
  postgresVersion: 8
  rules:
    no-such-rule: error
notify:
  alerts:
    - channel: webhook
      urlEnv: not-a-variable
      evnts: [promoted]
migration: {}
`;
    const dir = await dirWith({ 'rollout.yml': text });
    const run = await runCli(['validate', 'rollout.yml'], { cwd: dir });
    const expected = parseSpec(text, 'rollout.yml');
    if (expected.ok) throw new Error('the spec above must be invalid');
    expect(expected.errors.length).toBeGreaterThanOrEqual(8);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(expected.errors.map((e) => `${formatSpecError(e)}\n`).join(''));
  });

  it('plan: prints the timeline with the total time', async () => {
    const dir = await dirWith({ 'rollout.yml': SPEC });
    const run = await runCli(['plan', '--config', 'rollout.yml'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^1\s+10%\s+\+0s\s+1s\s+check\s*$/m);
    expect(run.stdout).toMatch(/^2\s+50%\s+\+1s\s+1s\s+check\s+yes$/m);
    expect(run.stdout).toContain('total: 2s plus 1 approval');
  });

  it('run: pauses at the approval (exit 3), resumes with --approve and promotes (exit 0)', async () => {
    const dir = await dirWith({ 'rollout.yml': SPEC });
    const first = await runCli(['run', '--config', 'rollout.yml'], { cwd: dir });
    expect(first.code, first.stderr).toBe(3);
    expect(first.stdout).toContain('Waiting for approval before stage 2/3');
    expect(await readFile(join(dir, 'weights.txt'), 'utf8')).toBe('10\n');
    const status = await runCli(['status', '--environment', 'staging'], { cwd: dir });
    expect(status.stdout).toContain('Waiting for approval');
    const second = await runCli(['run', '--config', 'rollout.yml', '--approve', '--by', 'alice'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(await readFile(join(dir, 'weights.txt'), 'utf8')).toBe('10\n50\n100\n');
    const report = await readFile(join(dir, '.rollgate/staging-report.md'), 'utf8');
    expect(report).toContain('approved by alice');
  });

  it('run: a failing gate rolls back and exits 1; bad input exits 2; unknown command exits 2', async () => {
    const dir = await dirWith({ 'rollout.yml': SPEC.replace('echo 0.002', 'echo 0.5') });
    const run = await runCli(['run', '--config', 'rollout.yml'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(await readFile(join(dir, 'weights.txt'), 'utf8')).toBe('10\n0\n');
    expect(run.stdout).toContain('why: gate "check" failed 1 time (failureLimit 0): 0.5 breaks < 0.01');
    expect((await runCli(['run', '--config', 'missing.yml'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['launch'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['--version'], { cwd: dir })).stdout).toBe(`${pkg.version}\n`);
  });

  it('refuses a hostile environment name before anything runs; values reach the traffic command as environment variables', async () => {
    const hostile = await dirWith({ 'rollout.yml': SPEC.replace('environment: staging', 'environment: "$(touch pwned)"') });
    const refused = await runCli(['run', '--config', 'rollout.yml', '--yes'], { cwd: hostile });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/rollout\.yml:\d+:\d+ environment: environment names are letters, digits/);
    await expect(readFile(join(hostile, 'weights.txt'))).rejects.toThrow();
    await expect(readFile(join(hostile, 'pwned'))).rejects.toThrow();

    const dir = await dirWith({
      'rollout.yml': SPEC.replace(
        `command: 'echo "$ROLLGATE_WEIGHT" >> weights.txt'`,
        `command: 'printf "%s\\n" "$ROLLGATE_ENVIRONMENT" > env.txt; echo "$ROLLGATE_WEIGHT" >> weights.txt'`,
      ),
    });
    await runCli(['run', '--config', 'rollout.yml', '--yes'], { cwd: dir });
    expect(await readFile(join(dir, 'env.txt'), 'utf8')).toBe('staging\n');
  });
});
