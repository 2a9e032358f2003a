// How fast Rollgate starts and how much GitHub downloads, beside Node's own start: CPU time (user +
// system, from the kernel's accounting of waited-for children) of `node -e 0`, `rollgate --help`,
// `validate` and `plan` of the README spec; wall time of the action's main step to its first log
// line; the size of dist/ by chunk. Runs the committed dist/ (build first to measure the sources).
//
//   npx tsx bench/startup.ts [--runs 21] [--node /path/to/node]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, node: { type: 'string', default: process.execPath } } });
const RUNS = Number(values.runs);
const NODE = values.node!;
const LIMIT_MB = 6;

/** CPU seconds the kernel charged to this process's waited-for children so far (/proc/self/stat cutime + cstime). */
function childrenCpu(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, so cutime (16) and cstime (17) sit at 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function cpuOf(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const before = childrenCpu();
  const result = spawnSync(NODE, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return childrenCpu() - before;
}

/** Milliseconds from spawning the action's main step until it writes its first line. */
function firstLine(env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(NODE, ['dist/main/index.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the action wrote nothing within 30 s'));
    }, 30_000);
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
      child.kill('SIGKILL');
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'rollgate-startup-'));
const readme = readFileSync('README.md', 'utf8');
const spec = /```yaml\n(# yaml-language-server[\s\S]*?)```/.exec(readme)?.[1];
if (!spec) throw new Error('README.md has no spec example');
const specFile = join(dir, 'rollout.yml');
writeFileSync(specFile, spec);

const commands: Array<[string, string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['rollgate --help', ['dist/cli/index.js', '--help']],
  ['rollgate validate (README spec)', ['dist/cli/index.js', 'validate', specFile]],
  ['rollgate plan (README spec)', ['dist/cli/index.js', 'plan', '--config', specFile]],
];
const samples = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of commands) samples.get(name)!.push(cpuOf(args));
}
const base = median(samples.get('node -e 0')!);

const actionEnv = {
  ...process.env,
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: dir,
  GITHUB_REPOSITORY: 'octo/app',
  GITHUB_EVENT_NAME: 'workflow_dispatch',
  GITHUB_EVENT_PATH: join(dir, 'event.json'),
  RUNNER_TEMP: dir,
  INPUT_CONFIG: specFile,
  INPUT_COMMAND: 'status',
  INPUT_TOKEN: 'bench-token',
  GITHUB_API_URL: 'http://127.0.0.1:9',
};
writeFileSync(actionEnv.GITHUB_EVENT_PATH, '{}');
const nodeFirst: number[] = [];
const actionFirst: number[] = [];
for (let i = 0; i < Math.min(RUNS, 11); i++) {
  nodeFirst.push(
    await new Promise<number>((resolve) => {
      const started = performance.now();
      const child = spawn(NODE, ['-e', 'console.log(1)'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => resolve(performance.now() - started));
    }),
  );
  actionFirst.push(await firstLine(actionEnv));
}

console.log(`Startup on ${NODE === process.execPath ? `Node ${process.version}` : NODE}, ${RUNS} runs, medians (CPU = user + system)\n`);
console.log('| command | CPU s (median) | × node -e 0 | goal |');
console.log('|---|---|---|---|');
for (const [name] of commands) {
  const m = median(samples.get(name)!);
  const goal = name === 'node -e 0' ? '' : name.includes('--help') || name.includes('validate') || name.includes('plan') ? '≤ 1.5×' : '';
  console.log(`| ${name} | ${m.toFixed(2)} | ${(m / base).toFixed(2)} | ${goal} |`);
}
const nf = median(nodeFirst);
const af = median(actionFirst);
console.log(
  `| action main → first log line (wall ms) | ${af.toFixed(0)} ms | ${(af / nf).toFixed(2)} × node's first line (${nf.toFixed(0)} ms) | ≤ 1.5× |`,
);

const files = readdirSync('dist', { recursive: true, withFileTypes: true })
  .filter((f) => f.isFile())
  .map((f) => {
    const path = join(f.parentPath, f.name);
    return { path, size: statSync(path).size };
  })
  .sort((a, b) => b.size - a.size);
const total = files.reduce((sum, f) => sum + f.size, 0);
console.log(
  `\ndist/: ${(total / 1024 / 1024).toFixed(2)} MiB in ${files.length} files (limit ${LIMIT_MB} MiB; actions/checkout's dist is about 1.5 MB)\n`,
);
console.log('| file | KiB |');
console.log('|---|---|');
for (const f of files.slice(0, 12)) console.log(`| ${f.path} | ${(f.size / 1024).toFixed(0)} |`);
if (files.length > 12)
  console.log(`| ${files.length - 12} smaller files | ${(files.slice(12).reduce((s, f) => s + f.size, 0) / 1024).toFixed(0)} |`);
