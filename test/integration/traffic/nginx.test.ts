// The nginx router against a real NGINX, real backends and real load: a full canary, a canary that
// fails its gate, a configuration broken mid-rollout, and a server drained under slow requests.
//
// NGINX 1.22 (Debian 12) closes idle keep-alive client connections when a reload retires the old
// workers; a request that went out on one at that instant gets no byte back and is sent again by
// the client (counted as `retried`, see test/harness/load.ts). At most one per connection per reload.
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startBackend, type Backend } from '../../harness/backend.js';
import { nginxTrafficYaml, startNginx, type Nginx } from '../../harness/nginx.js';
import { waitUntil } from '../../harness/wait.js';
import { between, failed, share, startLoad } from '../../harness/load.js';
import { createNginxRouter, renderUpstream, type NginxSpec } from '../../../src/traffic/nginx.js';
import { drainServer } from '../../../src/traffic/fleet.js';
import { systemClock } from '../../../src/driver/clock.js';
import { runRollout } from '../../harness/rollout.js';

const CONNECTIONS = 10;
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setUp(stableCount = 1): Promise<{ nginx: Nginx; stable: Backend[]; canary: Backend }> {
  const backends = await Promise.all([...Array.from({ length: stableCount }, () => startBackend('v1')), startBackend('v2')]);
  cleanup.push(() => backends.forEach((b) => b.kill()));
  const stable = backends.slice(0, stableCount);
  const canary = backends[stableCount]!;
  const nginx = await startNginx({ upstream: stable.map((b) => `server ${b.address};\n`).join('') });
  cleanup.push(() => nginx.stop());
  return { nginx, stable, canary };
}

const trafficYaml = (nginx: Nginx, stable: Backend[], canary: Backend, extra = '') =>
  `\n${nginxTrafficYaml(nginx, { stable: stable.map((b) => b.address), canary: [canary.address] }, undefined, extra)}`;

const stages = (bake: string) => [1, 5, 25, 50, 100].map((w) => `  - weight: ${w}\n    bake: ${bake}`).join('\n');

describe('nginx router on a real NGINX', () => {
  it('runs a canary 1→5→25→50→100 under 1,500 requests/s: every stage holds its split, nothing fails', async () => {
    const { nginx, stable, canary } = await setUp();
    const load = startLoad({ url: `${nginx.url}/`, rate: 1_500, maxRequests: 40_000, maxSeconds: 40, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    await waitUntil(async () => load.counts().responses >= 300, 10_000); // full rate before the first stage
    const run = await runRollout(
      `version: 1\nenvironment: integration\n${trafficYaml(nginx, stable, canary)}stages:\n${stages('3s')}\n`,
      load,
    );
    const total = await load.stop();

    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([1, 5, 25, 50, 100]);
    for (const segment of run.segments) {
      // A floor that keeps the split check meaningful; a busy machine's load reaches about half its rate.
      expect(segment.counts.responses, `responses at ${segment.weight}%`).toBeGreaterThanOrEqual(1_000);
      expect(
        Math.abs(share(segment.counts, 'v2') - segment.weight),
        `split at ${segment.weight}% (${JSON.stringify(segment.counts.byVersion)})`,
      ).toBeLessThanOrEqual(2);
    }
    expect(failed(total)).toBe(0);
    expect(total.retried).toBeLessThanOrEqual(5 * CONNECTIONS);
    expect(await readFile(nginx.upstreamFile, 'utf8')).toContain(`server ${canary.address} weight=1; # rollgate: canary ready`);
    expect(await readFile(nginx.upstreamFile, 'utf8')).toContain(`server ${stable[0]!.address} down; # rollgate: stable ready`);
  });

  it('rolls a canary that fails its gate at 25 % back to 0 % (reload by a configured command)', async () => {
    const { nginx, stable, canary } = await setUp();
    const load = startLoad({ url: `${nginx.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    const spec = `version: 1
environment: integration
${trafficYaml(nginx, stable, canary, `  reload: [/bin/kill, -HUP, "${nginx.pid}"]`)}stages:
${stages('1s')}
gates:
  error-rate:
    provider: command
    command: test "$ROLLGATE_WEIGHT" -lt 25
    interval: 1s
`;
    const run = await runRollout(spec, load, { tail: 1_000 });
    const total = await load.stop();

    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => [s.weight, s.rollback])).toEqual([
      [1, false],
      [5, false],
      [25, false],
      [0, true],
    ]);
    expect(run.tail!.weight).toBe(0);
    expect(run.tail!.counts.responses).toBeGreaterThanOrEqual(1_000);
    expect(run.tail!.counts.byVersion.v2 ?? 0).toBe(0);
    expect(await run.router.getWeight()).toBe(0);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBeLessThanOrEqual(4 * CONNECTIONS);
  });

  it('stops a rollout whose NGINX configuration breaks mid-way; NGINX keeps serving the last good one', async () => {
    const { nginx, stable, canary } = await setUp();
    const load = startLoad({ url: `${nginx.url}/`, rate: 1_200, maxRequests: 30_000, maxSeconds: 30, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    // The gate at 5 % stands in for a colleague's bad edit landing in an included file mid-rollout.
    const spec = `version: 1
environment: integration
${trafficYaml(nginx, stable, canary)}stages:
${stages('1s')}
gates:
  bad-edit:
    provider: command
    command: 'if [ "$ROLLGATE_WEIGHT" = 5 ]; then echo "bogus_directive on;" > "$EXTRA_CONF"; fi'
    env: { EXTRA_CONF: ${nginx.extraFile} }
    interval: 1s
`;
    const run = await runRollout(spec, load, { tail: 2_000 });
    const total = await load.stop();

    expect(run.result.outcome).toBe('failed');
    const reason = run.result.state.failure?.reason ?? '';
    expect(reason).toContain('unknown directive "bogus_directive"');
    expect(reason).toContain(nginx.extraFile);
    expect(reason).toContain('the last good file is back in place');
    // Traffic stayed where the last good configuration put it: 5 %.
    const routerSpec = {
      upstream: 'web',
      stable: 'v1',
      canary: 'v2',
      servers: { stable: stable.map((b) => b.address), canary: [canary.address] },
    } as NginxSpec;
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(renderUpstream(routerSpec, 5, new Map()));
    expect(run.segments.map((s) => s.weight)).toEqual([1, 5]);
    const tail = run.tail!;
    expect(tail.weight).toBe(5);
    expect(tail.counts.responses).toBeGreaterThanOrEqual(2_000);
    expect(Math.abs(share(tail.counts, 'v2') - 5)).toBeLessThanOrEqual(2);
    expect(failed(total)).toBe(0);
  });

  it('drains a server with 2 s requests in flight, then the backend shuts down gracefully: none cut off', async () => {
    const { nginx, stable, canary } = await setUp(2);
    const retire = stable[1]!; // stable[0] keeps serving
    const spec = nginxSpec(nginx, stable, canary);
    const router = createNginxRouter(spec);
    await router.setWeight(0, { stage: 1, stageName: '0%', environment: 'it', rollback: false });
    const load = startLoad({ url: `${nginx.url}/`, rate: 800, maxRequests: 20_000, maxSeconds: 20, connections: CONNECTIONS });
    cleanup.push(() => load.stop());
    const slow = Array.from({ length: 8 }, () => fetch(`${nginx.url}/slow?ms=2000`).then((r) => r.status));
    await new Promise((resolve) => setTimeout(resolve, 300));

    const drained = drainServer(router, retire.address, { timeoutMs: 10_000, pollMs: 100, clock: systemClock });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await router.servers()).find((s) => s.name === retire.address)?.state).toBe('drain');
    expect(await router.isDrained(retire.address)).toBe(false); // old workers still serve the slow requests
    const afterDrain = load.counts();
    const result = await drained;
    expect(result.drained).toBe(true);
    expect(result.waitedMs).toBeGreaterThan(1_000);

    const exit = await retire.stop();
    expect(exit.cutOff).toBe(0);
    expect(retire.events.map((e) => e.event)).toEqual(['listening', 'draining', 'quiet', 'closed', 'exit']);
    expect(await Promise.all(slow)).toEqual(Array(8).fill(200));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const total = await load.stop();
    expect(between(afterDrain, total).byVersion.v1).toBeGreaterThan(500);
    expect(failed(total)).toBe(0);
    expect(total.retried).toBeLessThanOrEqual(2 * CONNECTIONS);
  });

  it('a failed check restores the last good file and names the problem; the reload never happens', async () => {
    const { nginx, stable, canary } = await setUp();
    const router = createNginxRouter(nginxSpec(nginx, stable, canary));
    await router.setWeight(10, { stage: 1, stageName: '10%', environment: 'it', rollback: false });
    const good = await readFile(nginx.upstreamFile, 'utf8');
    await writeFile(nginx.extraFile, 'location = /x { proxy_pass http://nowhere-upstream }\n');
    await expect(router.setWeight(20, { stage: 2, stageName: '20%', environment: 'it', rollback: false })).rejects.toThrow(
      /unexpected "}"/,
    );
    expect(await readFile(nginx.upstreamFile, 'utf8')).toBe(good);
    expect(await readFile(`${nginx.upstreamFile}.last-good`, 'utf8')).toBe(good);
    expect(await router.verify(10)).toBe(true);
    expect(await router.getWeight()).toBe(10);
  });
});

function nginxSpec(nginx: Nginx, stable: Backend[], canary: Backend): NginxSpec {
  return {
    provider: 'nginx',
    upstream: 'web',
    file: nginx.upstreamFile,
    conf: nginx.conf,
    nginx: '/usr/sbin/nginx',
    pid: nginx.pidFile,
    stable: 'v1',
    canary: 'v2',
    servers: { stable: stable.map((b) => b.address), canary: [canary.address] },
    timeout: '10s',
  };
}
