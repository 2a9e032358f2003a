// `rollgate backtest` arguments: the times it takes and what it refuses. Replays against a real
// Prometheus are in test/integration/prometheus/.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand, parseTime } from '../../../src/cli/commands/backtest.js';
import { UsageError } from '../../../src/cli/command.js';
import { freePort } from '../../harness/prometheus.js';

const NOW = Date.UTC(2026, 4, 1, 14, 0, 0);

describe('backtest times', () => {
  it('reads RFC 3339 and times relative to now', () => {
    expect(parseTime('2026-05-01T13:30:00Z', NOW, '--from')).toBe(NOW - 30 * 60_000);
    expect(parseTime('2026-05-01T15:30:00+02:00', NOW, '--from')).toBe(NOW - 30 * 60_000);
    expect(parseTime('2026-05-01T13:30:00.250Z', NOW, '--from')).toBe(NOW - 30 * 60_000 + 250);
    expect(parseTime('now', NOW, '--to')).toBe(NOW);
    expect(parseTime('-30m', NOW, '--from')).toBe(NOW - 30 * 60_000);
    expect(parseTime('now-1h30m', NOW, '--from')).toBe(NOW - 90 * 60_000);
  });

  it('refuses anything else, naming the option', () => {
    for (const text of ['yesterday', '2026-05-01', '2026-05-01 13:30:00', '-30 minutes', '30m', 'now+5m']) {
      expect(() => parseTime(text, NOW, '--from'), text).toThrow(UsageError);
    }
    expect(() => parseTime('soon', NOW, '--to')).toThrow(
      '--to: expected RFC 3339 (2026-05-01T14:00:00Z) or a time relative to now (-30m, now), got "soon"',
    );
  });
});

describe('backtest command', () => {
  let dir: string;
  let closedPort: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollgate-backtest-'));
    closedPort = await freePort();
    await writeFile(
      join(dir, 'rollout.yml'),
      `version: 1
traffic: { provider: embedded, url: "http://127.0.0.1:1/_rollgate" }
stages: [{ weight: 10, bake: 1m }]
gates:
  smoke: { provider: http, url: "http://127.0.0.1:1/" }
  ratio: { provider: prometheus, url: "http://127.0.0.1:${closedPort}", query: up, threshold: "> 0", interval: 1s }
`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const run = async (args: string[]) => {
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const code = await backtestCommand.run(args, {
      stdout,
      stderr: new PassThrough(),
      env: {},
      cwd: dir,
      signal: new AbortController().signal,
    });
    return { code, printed };
  };

  it('needs --from before --to, a known gate and a stage of the spec', async () => {
    await expect(run(['--spec', 'rollout.yml'])).rejects.toThrow('--from is required');
    await expect(run(['--spec', 'rollout.yml', '--from', 'now', '--to', '-1h'])).rejects.toThrow(/must be after --from/);
    await expect(run(['--spec', 'rollout.yml', '--from', '-1h', '--gate', 'latency'])).rejects.toThrow(
      'no gate named latency (gates: smoke, ratio)',
    );
    await expect(run(['--spec', 'rollout.yml', '--from', '-1h', '--stage', '3'])).rejects.toThrow('--stage: expected 1 to 2, got "3"');
    await expect(run(['--spec', 'rollout.yml', '--from', '-1h', '--step', 'often'])).rejects.toThrow(
      '--step: expected a duration such as "30s", got "often"',
    );
  });

  it('refuses a window with more checks than anyone reads, and exits 4 when a source cannot answer', async () => {
    const { code, printed } = await run(['--spec', 'rollout.yml', '--from', '-3h', '--gate', 'ratio']);
    expect(code).toBe(4);
    expect(printed).toContain('error: 10800 checks at a 1s step; use a larger --step (at most 5000 checks)');

    const down = await run(['--spec', 'rollout.yml', '--from', '-1m', '--json']);
    expect(down.code).toBe(4);
    const report = JSON.parse(down.printed) as { gates: Array<{ gate: string; skipped?: string; error?: string }> };
    expect(report.gates.map((g) => [g.gate, g.skipped ?? g.error])).toEqual([
      ['smoke', 'http gates probe live and have no history to replay'],
      ['ratio', `cannot reach http://127.0.0.1:${closedPort}: ECONNREFUSED`],
    ]);
  });
});
