// Metric gates against a real Prometheus (the Debian binary, 1 s scrapes) scraping a real service
// instrumented with prom-client, whose canary (v2) error rate and latency the tests set. Rollouts
// run through the real driver, the real embedded router provider and the system clock.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestCommand } from '../../../src/cli/commands/backtest.js';
import { systemClock } from '../../../src/driver/clock.js';
import { drive } from '../../../src/driver/driver.js';
import { buildProviders } from '../../../src/driver/providers.js';
import { compilePlan } from '../../../src/config/compile.js';
import type { Logger, ProviderEnv, RolloutRecord, StateStore } from '../../../src/ports.js';
import { parseSpec } from '../../../src/config/load.js';
import type { Spec } from '../../../src/config/schema.js';
import { startInstrumentedService, startLoad, type InstrumentedService, type Load } from '../../harness/instrumented-service.js';
import { startPrometheus, type PrometheusServer } from '../../harness/prometheus.js';

const ERROR_RATIO = (version: string) =>
  `sum(rate(http_requests_total{version="${version}",code="500"}[5s])) / sum(rate(http_requests_total{version="${version}"}[5s]))`;
// A window of one step (2 s, two 1 s scrapes): compared samples must not overlap.
const P90 = (version: string) =>
  `histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{version="${version}"}[2s])))`;
// A raw counter: Rollgate differences it per series (the canary has no 500 series while healthy).
const COUNT = (version: string, code = '') => `http_requests_total{version="${version}"${code ? `,code="${code}"` : ''}}`;

let service: InstrumentedService;
let prometheus: PrometheusServer;
let load: Load;
let dir: string;

const quiet: Logger = { info() {}, warn() {}, debug() {}, mask() {} };
const env: ProviderEnv = { env: process.env, log: quiet, cwd: process.cwd() };

function memoryStore(): StateStore & { record?: RolloutRecord } {
  const store: StateStore & { record?: RolloutRecord } = {
    load: async () => store.record,
    save: async (record) => {
      store.record = structuredClone(record);
    },
  };
  return store;
}

function spec(stages: string, gates: string): Spec {
  const text = `
version: 1
environment: test
traffic: { provider: embedded, url: "${service.url}/_rollgate", stable: v1, canary: v2 }
stages:
${stages}
gates:
${gates}`;
  const result = parseSpec(text, 'rollout.yml');
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  return result.spec;
}

async function rollout(s: Spec) {
  // Each rollout starts from stable, as a new one does (a weight left by the previous test is drift).
  await fetch(`${service.url}/_rollgate/weight`, { method: 'PUT', body: JSON.stringify({ weight: 0 }) });
  const { router, gates } = buildProviders(s, env);
  const store = memoryStore();
  return drive(
    { router, gates, store, reporters: [], clock: systemClock, log: quiet },
    { plan: compilePlan(s), id: 'it', routerAttempts: 1 },
  );
}

const errorRateGate = (extra: string) => `
  error-rate:
    provider: prometheus
    url: ${prometheus.url}
    query: '${ERROR_RATIO('{{canary}}')}'
    threshold: "< 0.01"
    interval: 1s
${extra}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rollgate-prom-it-'));
  service = await startInstrumentedService({ v1: { latencyMs: 5 }, v2: { latencyMs: 5 } });
  // Both versions get traffic from the start, so rate windows are full when the first check runs.
  await fetch(`${service.url}/_rollgate/weight`, { method: 'PUT', body: JSON.stringify({ weight: 50 }) });
  load = startLoad(service.url, { rps: 40, maxRequests: 40 * 90 });
  prometheus = await startPrometheus([service.target]);
  await prometheus.targetsUp();
  // A few scrapes, so a 5 s rate window has data on both versions.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
});

afterAll(async () => {
  await load?.stop();
  await prometheus?.close();
  await service?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('prometheus gates on a real server', () => {
  it('promotes a healthy canary: error ratio under threshold, latency and error counts no worse than baseline', async () => {
    const s = spec(
      `  - weight: 50
    bake: 6s`,
      errorRateGate('') +
        `
  latency:
    provider: prometheus
    url: ${prometheus.url}
    compare:
      canary: '${P90('{{canary}}')}'
      baseline: '${P90('{{stable}}')}'
      judge: mann-whitney
      direction: increase
      tolerance: 50%
      minSamples: 2
      step: 2s
      warmup: 0s
    interval: 2s
  errors-vs-baseline:
    provider: prometheus
    url: ${prometheus.url}
    compare:
      judge: sequential
      canary: '${COUNT('{{canary}}', '500')}'
      baseline: '${COUNT('{{stable}}', '500')}'
      requests:
        canary: '${COUNT('{{canary}}')}'
        baseline: '${COUNT('{{stable}}')}'
      minRequests: 20
    interval: 2s`,
    );
    const result = await rollout(s);

    expect(result.state.failure).toBeUndefined();
    expect(result.outcome).toBe('promoted');
    expect(service.weight()).toBe(100);
    const measured = result.state.measurements;
    expect(measured.filter((m) => m.verdict === 'fail' || m.verdict === 'error')).toEqual([]);
    for (const gate of ['error-rate', 'latency', 'errors-vs-baseline']) {
      expect(
        measured.some((m) => m.gate === gate && m.verdict === 'pass'),
        `${gate} passed at least once`,
      ).toBe(true);
    }

    const ratio = measured.find((m) => m.gate === 'error-rate' && m.verdict === 'pass')!;
    expect(ratio.evidence.query).toBe(ERROR_RATIO('v2'));
    expect(ratio.evidence.value).toBe(0);
    expect(ratio.evidence.threshold).toBe('< 0.01');
    const graph = new URL(ratio.evidence.link!);
    expect(`${graph.origin}${graph.pathname}`).toBe(`${prometheus.url}/graph`);
    expect(graph.searchParams.get('g0.expr')).toBe(ERROR_RATIO('v2'));

    const latency = measured.find((m) => m.gate === 'latency' && m.verdict === 'pass')!;
    expect(latency.evidence.query).toBe(`canary: ${P90('v2')}\nbaseline: ${P90('v1')}`);
    expect(latency.evidence.canary).toBeGreaterThan(0.004);
    expect(latency.evidence.canary).toBeLessThan(0.05);
    expect(latency.evidence.details).toMatchObject({ judge: 'mann-whitney' });
    expect(new URL(latency.evidence.link!).searchParams.get('g1.expr')).toBe(P90('v1'));

    const counts = measured.find((m) => m.gate === 'errors-vs-baseline' && m.verdict === 'pass')!;
    expect(counts.evidence.summary).toMatch(/no regression shown/);
    const totals = (counts.evidence.details as { totals: { canaryRequests: number; baselineRequests: number } }).totals;
    expect(totals.canaryRequests).toBeGreaterThanOrEqual(20);
    expect(totals.baselineRequests).toBeGreaterThanOrEqual(20);
  });

  let failingWindow: { from: number; to: number };

  it('rolls back a canary with 5 % errors once it fails more than its failureLimit', async () => {
    service.set('v2', { errorRate: 0.05 });
    const from = Date.now();
    const result = await rollout(
      spec(
        `  - weight: 50
    bake: 15s`,
        errorRateGate('    failureLimit: 1'),
      ),
    );
    failingWindow = { from, to: Date.now() };

    expect(result.outcome).toBe('rolled-back');
    expect(service.weight()).toBe(0);
    const failures = result.state.measurements.filter((m) => m.verdict === 'fail');
    expect(failures).toHaveLength(2);
    expect(result.state.failure?.gate).toBe('error-rate');
    expect(result.state.failure?.reason).toMatch(/failed 2 times \(failureLimit 1\)/);
    for (const failure of failures) {
      expect(failure.evidence.value).toBeGreaterThanOrEqual(0.01);
      expect(failure.evidence.value).toBeLessThan(0.2);
      expect(failure.evidence.summary).toMatch(/breaks < 0\.01/);
    }
    // It stopped at the second failure, long before the 15 s bake was over.
    expect(failingWindow.to - from).toBeLessThan(12_000);
  });

  it('backtests the recorded window and reports the failure', async () => {
    const file = join(dir, 'rollout.yml');
    await writeFile(
      file,
      `version: 1
environment: test
traffic: { provider: embedded, url: "${service.url}/_rollgate", stable: v1, canary: v2 }
stages:
  - weight: 50
    bake: 15s
gates:${errorRateGate('    failureLimit: 1')}
  smoke:
    provider: http
    url: ${service.url}/
`,
    );
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const iso = (ms: number) => new Date(ms).toISOString();
    const code = await backtestCommand.run(
      ['--spec', file, '--from', iso(failingWindow.from - 2_000), '--to', iso(failingWindow.to), '--step', '1s'],
      { stdout, stderr, env: process.env, cwd: dir, signal: new AbortController().signal },
    );

    expect(code, printed).toBe(0);
    expect(printed).toContain('gate error-rate (prometheus, a check every 1s)');
    expect(printed).toContain(ERROR_RATIO('v2'));
    const rows = printed.split('\n').filter((line) => /^\s+\d{4}-\d\d-\d\dT/.test(line));
    expect(rows.filter((row) => /\sfail\s/.test(row)).length).toBeGreaterThanOrEqual(2);
    expect(printed).toMatch(/would have rolled back at \S+: gate "error-rate" failed 2 times \(failureLimit 1\)/);
    expect(printed).toMatch(/gate smoke \(http, a check every 1s\)\n {2}skipped: http gates probe live and have no history/);
    expect(printed).toContain(`${prometheus.url}/graph?g0.expr=`);
  });

  it('measures errors while Prometheus is down and rolls back after consecutiveErrorLimit', async () => {
    await prometheus.stop();
    service.set('v2', { errorRate: 0 });
    const result = await rollout(
      spec(
        `  - weight: 50
    bake: 15s`,
        errorRateGate('    consecutiveErrorLimit: 2'),
      ),
    );

    expect(result.outcome).toBe('rolled-back');
    expect(service.weight()).toBe(0);
    const errors = result.state.measurements.filter((m) => m.gate === 'error-rate');
    expect(errors.map((m) => m.verdict)).toEqual(['error', 'error', 'error']);
    expect(errors[0]!.evidence.summary).toMatch(/^Prometheus: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(result.state.failure?.reason).toMatch(/could not be measured 3 times in a row \(consecutiveErrorLimit 2\)/);
  });
});
