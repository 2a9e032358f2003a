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

describe('rollgate demo (the CLI process)', () => {
  it('promotes a healthy canary with zero failed requests while traffic shifts', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    const run = await runCli(['demo', '--scenario', 'healthy', '--bake', '2s', '--rps', '150', '--report', 'report.md'], { cwd });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const weight of [1, 5, 25, 50, 100]) expect(run.stdout).toContain(`% to v2`.replace('%', `${weight}%`));
    expect(run.stdout).toContain('Promoted — v2 serves 100% of demo');
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

  it('rolls a faulty canary back, shows the evidence, and exits 1', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    const run = await runCli(['demo', '--scenario', 'faulty', '--bake', '2s', '--rps', '150', '--report', 'report.md'], { cwd });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/Rolled back at stage \d\/5 — v2 serves 100% of demo/);
    expect(run.stdout).toMatch(/why: gate "error-rate" failed \d+ times? \(failureLimit 1\): errorRate = [\d.]+ breaks < 0\.01/);
    expect(run.stdout).toMatch(/evidence: errorRate = [\d.]+ breaks < 0\.01/);
    // The faulty version never got past half of the traffic.
    expect(run.stdout).not.toContain('100% to v3');
    const report = await readFile(join(cwd, 'report.md'), 'utf8');
    expect(report).toContain('Gate `error-rate` failed');
  });

  it('catches a slow canary (+200 ms) with the latency gate', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rollgate-e2e-'));
    const run = await runCli(
      ['demo', '--scenario', 'faulty', '--fault', 'latency', '--bake', '2s', '--rps', '150', '--report', 'report.md'],
      { cwd },
    );
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/why: gate "latency" failed \d+ times? \(failureLimit 1\): p50Ms = \d+(\.\d+)? breaks < 100/);
  });
});
