import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';

/** "load: 3026 requests in 15s — 0 HTTP 5xx, 0 connection errors (answered by: v1 1939, v2 1087)" */
function loadLine(stdout: string) {
  const m = /load: (\d+) requests in \S+ — (\d+) HTTP 5xx, (\d+) connection errors \(answered by: (.*)\)/.exec(stdout);
  if (!m) throw new Error(`no load line in:\n${stdout}`);
  const byVersion = Object.fromEntries(m[4]!.split(', ').map((part) => [part.split(' ')[0], Number(part.split(' ')[1])]));
  return { sent: Number(m[1]), failed: Number(m[2]), errors: Number(m[3]), byVersion };
}

/** Another CPU-bound process on the machine while `work` runs (bounded: it ends itself after 60 s). */
async function whileBusy<T>(work: () => Promise<T>): Promise<T> {
  const spinner = spawn(process.execPath, ['-e', 'const end = Date.now() + 60000; while (Date.now() < end) {}'], { stdio: 'ignore' });
  try {
    return await work();
  } finally {
    spinner.kill('SIGKILL');
  }
}

describe('rollgate demo (the CLI process)', () => {
  it('promotes a healthy canary with zero failed requests while traffic shifts, on a busy machine', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    const run = await whileBusy(() =>
      runCli(['demo', '--scenario', 'healthy', '--bake', '2s', '--rps', '150', '--report', 'report.md'], { cwd }),
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const weight of [1, 5, 25, 50, 100]) expect(run.stdout).toContain(`% to v2`.replace('%', `${weight}%`));
    expect(run.stdout).toContain('Promoted — v2 serves 100% of demo');
    // The judges compared canary with baseline, and say with what.
    expect(run.stdout).toMatch(
      /errors: pass at stage \d — canary error rate 0% vs baseline 0%, always-valid p=1 > 0\.05: no regression shown/,
    );
    expect(run.stdout).toContain('compared errors:v2 of requests:v2 (canary) with errors:v1 of requests:v1 (baseline)');
    expect(run.stdout).toMatch(/latency: pass at stage \d — canary \S+ vs baseline \(HL shift/);
    const load = loadLine(run.stdout);
    expect(load.sent).toBeGreaterThan(500);
    expect(load.failed).toBe(0);
    expect(load.errors).toBe(0);
    // Both versions answered: the traffic really moved.
    expect(load.byVersion.v1).toBeGreaterThan(0);
    expect(load.byVersion.v2).toBeGreaterThan(0);
    const report = await readFile(join(cwd, 'report.md'), 'utf8');
    expect(report).toContain('**Promoted**');
    expect(report).toContain('```mermaid');
    // The same report as one self-contained HTML page beside it, with its charts drawn as SVG.
    const html = await readFile(join(cwd, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http/);
  });

  it('rolls a faulty canary back on the sequential judge, shows what it compared, and exits 1', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    // 4 s stages: at 10 % errors the canary makes enough errors by the 25 % and 50 % stages, even on a busy machine.
    const run = await runCli(['demo', '--scenario', 'faulty', '--bake', '4s', '--rps', '150', '--report', 'report.md'], { cwd });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Rolled back at stage \d\/5 — v2 serves 100% of demo/);
    // Either part of the judge may catch it: the always-valid e-process during a bake, or the
    // fixed-horizon look at the end of one (a busy machine sends fewer requests, so later).
    expect(run.stdout).toMatch(
      /why: gate "errors" failed 1 time \(failureLimit 0\): canary error rate [\d.]+% vs baseline [\d.]+%.*(always-valid p=\S+ ≤ [\d.]+ at interval \d+ of \d+|p=\S+ ≤ [\d.e-]+ in the fixed-horizon look at the end of stage \d's bake)/,
    );
    expect(run.stdout).toMatch(/judged: canary \d+ errors in \d+ requests, baseline \d+ in \d+/);
    expect(run.stdout).toMatch(/always-valid p at the end of each stage: 1: /);
    // The faulty version never got past half of the traffic.
    expect(run.stdout).not.toContain('100% to v3');
    const report = await readFile(join(cwd, 'report.md'), 'utf8');
    expect(report).toContain('Gate `errors` failed');
  });

  it('catches a slow canary (+200 ms) with the latency gate', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    const run = await runCli(
      ['demo', '--scenario', 'faulty', '--fault', 'latency', '--bake', '2s', '--rps', '150', '--report', 'report.md'],
      { cwd },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /why: gate "latency" failed 1 time \(failureLimit 0\): canary \+[\d.]+% vs baseline \(HL shift [\d.]+, 95% CI [\d.]+ to [\d.]+\), p=\S+ < 0\.05/,
    );
    expect(run.stdout).toContain('compared p50Ms:v3 (canary) with p50Ms:v2 (baseline), one value per step since the stage began');
  });
});
