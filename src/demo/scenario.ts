// One demo run: two versions of the service, the embedded router in front, load through it, and a
// real rollout driven from a real spec file — the same code path as `rollgate run`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type Fault } from './service.js';
import { startRouter } from './router.js';
import { startLoad, type LoadCounts } from './load.js';
import { loadSpecOrThrow } from '../config/load.js';
import { compilePlan } from '../config/compile.js';
import { drive, type DriveResult } from '../driver/driver.js';
import { buildProviders } from '../driver/providers.js';
import { FileStateStore } from '../driver/state-file.js';
import { systemClock } from '../driver/clock.js';
import type { Logger, Reporter } from '../ports.js';
import { parseDuration } from '../config/duration.js';

export interface ScenarioOptions {
  stable: string;
  canary: string;
  fault: Fault;
  /** Bake of each stage, e.g. "10s". */
  bake: string;
  rps: number;
  reporter: Reporter;
  log: Logger;
  signal?: AbortSignal;
}

export interface ScenarioResult extends DriveResult {
  load: LoadCounts;
  /** The spec the run used, as written to disk. */
  spec: string;
  durationMs: number;
}

export function demoSpec(adminUrl: string, stable: string, canary: string, bake: string): string {
  const bakeMs = parseDuration(bake) ?? 10_000;
  const interval = `${Math.max(1_000, Math.round(bakeMs / 6))}ms`; // gates measure at most once a second
  // Latency samples: one median per step, enough steps that a stage holds minSamples after its warm-up.
  const step = `${Math.max(100, Math.round(bakeMs / 16))}ms`;
  return `# The demo's rollout spec, written by \`rollgate demo\`.
version: 1
strategy: canary
environment: demo
traffic:
  provider: embedded
  url: ${adminUrl}
  stable: ${stable}
  canary: ${canary}
stages:
  - weight: 1
    bake: ${bake}
  - weight: 5
    bake: ${bake}
  - weight: 25
    bake: ${bake}
  - weight: 50
    bake: ${bake}
  - weight: 100
    bake: ${bake}
gates:
  # Canary against baseline, never against a fixed number: what the machine does to both is no regression.
  errors:
    provider: embedded      # what the embedded router saw of each version, step by step
    url: ${adminUrl}
    compare:
      judge: sequential     # always-valid: checked every ${interval} over the whole rollout, alpha spent once
      canary: "errors:{{canary}}"
      baseline: "errors:{{baseline}}"
      requests: { canary: "requests:{{canary}}", baseline: "requests:{{baseline}}" }
      tolerance: 10%
      minRequests: 50       # fewer canary requests is no data, not a pass
    interval: ${interval}
    inconclusiveLimit: 20   # at 1 % the canary sees a handful of requests
  latency:
    provider: embedded
    url: ${adminUrl}
    compare:
      judge: mann-whitney   # per-step medians of canary vs baseline
      canary: "p50Ms:{{canary}}"
      baseline: "p50Ms:{{baseline}}"
      step: ${step}
      minSamples: 5
      tolerance: 50%
      minDifference: 50     # ms: slower by less is not worth a rollback
    interval: ${interval}
    inconclusiveLimit: 20
`;
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-demo-'));
  const stable = await startService(options.stable);
  const canary = await startService(options.canary, options.fault);
  const router = await startRouter({ name: options.stable, url: stable.url }, { name: options.canary, url: canary.url });
  const bakeMs = parseDuration(options.bake) ?? 10_000;
  const load = startLoad(router.url, { rps: options.rps, maxRequests: Math.ceil(options.rps * (bakeMs / 1000) * 5 * 3) + 1_000 });
  const started = Date.now();
  try {
    const specPath = join(dir, 'rollout.yml');
    const specText = demoSpec(router.adminUrl, options.stable, options.canary, options.bake);
    await writeFile(specPath, specText);
    const spec = await loadSpecOrThrow(specPath);
    const { router: traffic, gates } = buildProviders(spec, { env: {}, log: options.log, cwd: dir });
    const result = await drive(
      {
        router: traffic,
        gates,
        store: new FileStateStore(join(dir, 'state.json')),
        reporters: [options.reporter],
        clock: systemClock,
        log: options.log,
      },
      { plan: compilePlan(spec), id: `demo-${options.canary}`, ...(options.signal ? { signal: options.signal } : {}) },
    );
    return { ...result, load: await load.stop(), spec: specText, durationMs: Date.now() - started };
  } finally {
    await load.stop();
    await router.close();
    await Promise.all([stable.close(), canary.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}
