// The action under GitHub's @github/local-action: its own stand-ins for @actions/core and
// @actions/github (swapped in with quibble) around the action's entry, src/action/main.ts, which
// exports run(), then the post step's, src/action/post.ts, in the same process with the state the
// main step saved. local-action runs sources, not bundles ("transpiled code … simply doesn't work").
// The stand-in core has no ExitCode: a rollout that rolls back must still end as a failure.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'node_modules/@github/local-action/bin/local-action.js');

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function workspace(): string {
  dir = mkdtempSync(join(tmpdir(), 'rollgate-local-action-'));
  mkdirSync(join(dir, '.github'));
  mkdirSync(join(dir, 'traffic'));
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(
    join(dir, '.github/rollout.yml'),
    `version: 1
environment: production
traffic: { provider: command, command: sh traffic.sh, verify: cat traffic/weight, stable: shop-v1, canary: shop-v2 }
stages:
  - { weight: 10, bake: 1s }
  - { weight: 50, bake: 1s }
  - { weight: 100 }
gates:
  error-rate: { provider: command, command: sh gate.sh, threshold: "< 0.01", interval: 1s }
notify: { pullRequest: false, deployment: false, summary: false }
`,
  );
  writeFileSync(
    join(dir, 'traffic.sh'),
    'printf "%s\\n" "$ROLLGATE_WEIGHT" >> traffic/history\nprintf "%s" "$ROLLGATE_WEIGHT" > traffic/weight\n',
  );
  // FAIL_FROM comes from the credentials input: it reaches the gate only through the action.
  writeFileSync(join(dir, 'gate.sh'), 'if [ "$ROLLGATE_WEIGHT" -ge "$FAIL_FROM" ]; then echo 0.2; else echo 0.001; fi\n');
  return dir;
}

/** Runs local-action until it prints the outputs table (it may keep its process alive after), bounded. */
function localAction(env: Record<string, string>): Promise<string> {
  const file = join(dir, '.env');
  writeFileSync(
    file,
    Object.entries(env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join('\n') + '\n',
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'run', ROOT, 'src/action/main.ts', file, '--post', 'src/action/post.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, NODE_PACKAGE_MANAGER: 'npm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      if (error) reject(error);
      else resolve(out);
    };
    const timer = setTimeout(() => finish(new Error(`local-action printed no outputs within 150 s:\n${out.slice(-3000)}`)), 150_000);
    const take = (chunk: Buffer) => {
      out += chunk.toString();
      // The outputs table ends with its bottom border.
      if (/Action Outputs[\s\S]*└/.test(out)) finish();
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', () => finish());
  });
}

describe('@github/local-action', () => {
  it('runs the action and its post step: credentials reach the gate, a failing gate rolls back, the outputs and the failure are reported', async () => {
    expect(existsSync(BIN), 'npm install @github/local-action').toBe(true);
    const ws = workspace();
    const out = await localAction({
      INPUT_COMMAND: 'run',
      INPUT_CONFIG: '.github/rollout.yml',
      'INPUT_GITHUB-TOKEN': 'ghs_localActionToken0123456789',
      INPUT_CREDENTIALS: 'FAIL_FROM=50\nPROM_TOKEN=hunter2-local',
      GITHUB_WORKSPACE: ws,
      RUNNER_TEMP: join(ws, 'tmp'),
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SHA: 'a'.repeat(40),
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'alice',
    });
    expect(readFileSync(join(ws, 'traffic/history'), 'utf8').trim().split('\n').map(Number)).toEqual([10, 50, 0]);
    expect(out).toContain('::set-output name=outcome::rolled-back');
    expect(out).toContain('::set-output name=stage::2');
    expect(out).toMatch(/production rolled back at stage 2\/3/);
    // The post step ran on what the main step saved: the verdict is there, traffic is not touched again.
    expect(out).toContain('the main step ended with a verdict (rolled-back): nothing to restore');
    expect(out).not.toContain('hunter2-local');
    expect(out).not.toMatch(/Cannot read properties|ExitCode|TypeError/);
  }, 180_000);
});
