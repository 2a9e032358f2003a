// Starts the built action the way the GitHub runner does: `node dist/main/index.js` with INPUT_*
// variables, the GITHUB_* context, an event payload file and the file commands (GITHUB_OUTPUT,
// GITHUB_STATE, GITHUB_STEP_SUMMARY); then the post entry with the main step's state as STATE_*.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCommands, readFileCommand } from '../../harness/runner-files.js';

export const ENTRY = {
  main: fileURLToPath(new URL('../../../dist/main/index.js', import.meta.url)),
  post: fileURLToPath(new URL('../../../dist/post/index.js', import.meta.url)),
};

export interface Job {
  /** The checked-out repository (GITHUB_WORKSPACE, the step's cwd). */
  workspace: string;
  /** RUNNER_TEMP: one per job; a re-run gets a new one. */
  runnerTemp: string;
  env: Record<string, string>;
}

export interface StepResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** With workflow commands (::error::, ::group::) decoded as the runner shows them. */
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

export interface RunningStep {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  done: Promise<StepResult>;
  output(): string;
}

let stepCount = 0;

/** Starts one step (main or post) of the job. `state` is what the main step saved (post only). */
export function startStep(
  job: Job,
  entry: 'main' | 'post',
  inputs: Record<string, string>,
  state: Record<string, string> = {},
): RunningStep {
  if (!existsSync(ENTRY[entry])) throw new Error(`${ENTRY[entry]} is missing: run \`npm run build\` first`);
  const files = join(job.runnerTemp, '_runner_file_commands', `step-${++stepCount}`);
  mkdirSync(files, { recursive: true });
  const paths = { output: join(files, 'output'), state: join(files, 'state'), summary: join(files, 'summary') };
  for (const path of Object.values(paths)) writeFileSync(path, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? job.runnerTemp,
    ...job.env,
    GITHUB_WORKSPACE: job.workspace,
    RUNNER_TEMP: job.runnerTemp,
    GITHUB_OUTPUT: paths.output,
    GITHUB_STATE: paths.state,
    GITHUB_STEP_SUMMARY: paths.summary,
  };
  // The runner upper-cases input names and keeps their dashes: INPUT_GITHUB-TOKEN.
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value;
  const child = spawn(process.execPath, [ENTRY[entry]], { cwd: job.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const done = new Promise<StepResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: decodeCommands(stdout),
        stderr,
        outputs: readFileCommand(paths.output),
        state: readFileCommand(paths.state),
        summary: readFileSync(paths.summary, 'utf8'),
      });
    });
  });
  return { child, done, output: () => stdout + stderr };
}

/** Runs main to its end, then post with main's state, as the runner does for a `uses:` step. */
export async function runStep(job: Job, inputs: Record<string, string>): Promise<{ main: StepResult; post: StepResult }> {
  const main = await startStep(job, 'main', inputs).done;
  const post = await startStep(job, 'post', inputs, main.state).done;
  return { main, post };
}

/** Resolves once `check` is true, polling; fails with `what` after `timeoutMs` (a bound for a hang, not a pace: the machine may be busy). */
export async function until(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
