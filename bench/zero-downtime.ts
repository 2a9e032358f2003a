// Zero downtime on real routers: for HAProxy and NGINX, a full canary 1→5→25→50→100 under steady load
// (requests sent, failed, reset; target vs measured split per stage), then repeated rollbacks timed
// from the failing verdict until the router confirms 0 % canary.
//
//   npx tsx bench/zero-downtime.ts [--rate 1500] [--bake 2s] [--runs 7]
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { startBackend, type Backend } from '../test/harness/backend.js';
import { HAPROXY_BINARY, startHaproxy } from '../test/harness/haproxy.js';
import { NGINX_BINARY, startNginx } from '../test/harness/nginx.js';
import { waitUntil } from '../test/harness/wait.js';
import { failed, share, startLoad, type LoadCounts } from '../test/harness/load.js';
import { runRollout, type Segment } from '../test/harness/rollout.js';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '1500' }, bake: { type: 'string', default: '2s' }, runs: { type: 'string', default: '7' } },
});
const RATE = Number(values.rate);
const RUNS = Number(values.runs);
const CONNECTIONS = 10;
const STAGES = [1, 5, 25, 50, 100];

interface RouterUnderTest {
  name: string;
  version: string;
  url: string;
  traffic: string;
  stop(): Promise<void>;
}

interface Measured {
  router: RouterUnderTest;
  total: LoadCounts;
  seconds: number;
  segments: Segment[];
  rollbacks: number[];
}

async function haproxy(stable: Backend, canary: Backend): Promise<RouterUnderTest> {
  const h = await startHaproxy([
    { name: 'web-v1', address: stable.address, weight: 100 },
    { name: 'web-v2', address: canary.address, weight: 0 },
  ]);
  return {
    name: 'HAProxy',
    version: execFileSync(HAPROXY_BINARY, ['-v'], { encoding: 'utf8' }).split(' ')[2]!,
    url: h.url,
    traffic: `traffic:\n  provider: haproxy\n  socket: ${h.socket}\n  backend: web\n  stable: web-v1\n  canary: web-v2\n`,
    stop: h.stop,
  };
}

async function nginx(stable: Backend, canary: Backend): Promise<RouterUnderTest> {
  const n = await startNginx({ upstream: `server ${stable.address};\n` });
  return {
    name: 'NGINX',
    version: spawnSync(NGINX_BINARY, ['-v'], { encoding: 'utf8' })
      .stderr.replace(/^nginx version:\s*/, '')
      .trim(),
    url: n.url,
    traffic: `traffic:
  provider: nginx
  upstream: web
  file: ${n.upstreamFile}
  conf: ${n.conf}
  nginx: ${NGINX_BINARY}
  pid: ${n.pidFile}
  stable: v1
  canary: v2
  servers: { stable: [${stable.address}], canary: [${canary.address}] }
`,
    stop: n.stop,
  };
}

async function measure(start: (stable: Backend, canary: Backend) => Promise<RouterUnderTest>): Promise<Measured> {
  const [stable, canary] = await Promise.all([startBackend('v1'), startBackend('v2')]);
  const router = await start(stable, canary);
  try {
    const load = startLoad({ url: `${router.url}/`, rate: RATE, connections: CONNECTIONS, maxRequests: 400_000, maxSeconds: 240 });
    const started = performance.now();
    await waitUntil(async () => load.counts().responses >= 300, 10_000); // autocannon at full rate first
    const canaryRun = await runRollout(
      `version: 1\n${router.traffic}stages:\n${STAGES.map((w) => `  - weight: ${w}\n    bake: ${values.bake}`).join('\n')}\n`,
      load,
    );
    if (canaryRun.result.outcome !== 'promoted')
      throw new Error(`${router.name}: canary ${canaryRun.result.outcome}: ${canaryRun.result.state.failure?.reason}`);
    // Rollbacks: a gate that fails at its first measurement, 300 ms into a 25 % stage.
    const rollbacks: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const rollback = await runRollout(
        `version: 1\n${router.traffic}stages:\n  - weight: 25\n    bake: 1s\ngates:\n  fails:\n    provider: command\n    command: exit 1\n    interval: 1s\n`,
        load,
      );
      if (rollback.result.outcome !== 'rolled-back' || rollback.rollbackMs === undefined) {
        throw new Error(`${router.name}: rollback run ${run + 1} ended ${rollback.result.outcome}`);
      }
      rollbacks.push(rollback.rollbackMs);
    }
    const total = await load.stop();
    return { router, total, seconds: (performance.now() - started) / 1000, segments: canaryRun.segments, rollbacks };
  } finally {
    await router.stop();
    stable.kill();
    canary.kill();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

const results: Measured[] = [];
for (const start of [haproxy, nginx]) results.push(await measure(start));

const lines: string[] = [];
lines.push(
  `Load: autocannon, ${CONNECTIONS} keep-alive connections, ${RATE} requests/s target; bake ${values.bake} per stage; ${RUNS} rollback runs per router.`,
  '',
);
lines.push('| router | requests sent | req/s | failed | reset | retried¹ | non-2xx |', '|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  lines.push(
    `| ${r.router.name} ${r.router.version} | ${r.total.sent} | ${Math.round(r.total.sent / r.seconds)} | ${failed(r.total)} | ${r.total.resets} | ${r.total.retried} | ${r.total.non2xx} |`,
  );
}
lines.push('', '| router | stage target | measured canary share | requests in stage |', '|---|---:|---:|---:|');
for (const r of results) {
  for (const s of r.segments)
    lines.push(`| ${r.router.name} | ${s.weight} % | ${share(s.counts, 'v2').toFixed(2)} % | ${s.counts.responses} |`);
}
lines.push('', '| router | rollback verdict → router confirms 0 % (median) | min | max | runs |', '|---|---:|---:|---:|---:|');
for (const r of results) {
  lines.push(
    `| ${r.router.name} | ${ms(median(r.rollbacks))} | ${ms(Math.min(...r.rollbacks))} | ${ms(Math.max(...r.rollbacks))} | ${r.rollbacks.length} |`,
  );
}
lines.push(
  '',
  '¹ retried: a request sent on a keep-alive connection just as the router closed it idle, before any byte of an answer; ' +
    'HTTP clients send it again (RFC 9112 §9.3.1) and autocannon does. NGINX without `keepalive_min_timeout` (Debian 12 ships 1.22) closes idle keep-alive connections when a reload retires its old workers; HAProxy changes weights without a reload.',
);
console.log(lines.join('\n'));
