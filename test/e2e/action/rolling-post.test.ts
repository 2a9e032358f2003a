// Strategy rolling, main step killed in the middle of a batch: the built post step must return the
// fleet the way the main step moved it (drain, deploy stable, back in rotation) on a real HAProxy,
// including the server the dead run had drained and was deploying when it died, and tell the team
// through the spec's alert webhook.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBackend, type Backend } from '../../harness/backend.js';
import { startHaproxyFleet } from '../../harness/haproxy.js';
import { FileStateStore } from '../../../src/driver/state-file.js';
import { Checkout, job, pushEvent } from './fixture.js';
import { startStep, until } from './runner.js';

const NAMES = ['web-1', 'web-2', 'web-3', 'web-4'];
const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A rolling rollout through the built action, killed (SIGKILL) while web-3's canary deploy hangs. */
async function killMidBatch() {
  const backends: Backend[] = await Promise.all(NAMES.map(() => startBackend('v1')));
  cleanup.push(() => backends.forEach((b) => b.kill()));
  const { haproxy, router } = await startHaproxyFleet(NAMES.map((name, i) => ({ name, address: backends[i]!.address })));
  cleanup.push(() => haproxy.stop());
  const states = async () => (await router.servers()).map((s) => `${s.name} ${s.state}`);

  // The team's alert webhook: every body it receives, parsed.
  const received: Array<{ event: string; reason?: string }> = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { event: string; reason?: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => hook.close(resolve)));

  const checkout = new Checkout();
  // The deploy of web-3's canary hangs (exec: the pid file names the process to stop afterwards).
  writeFileSync(
    join(checkout.dir, 'deploy.sh'),
    [
      'printf "%s %s\\n" "$ROLLGATE_TARGET" "$ROLLGATE_VERSION" >> deploys.txt',
      'if [ "$ROLLGATE_TARGET $ROLLGATE_VERSION" = "web-3 canary" ]; then echo $$ > hung.pid; exec sleep 120; fi',
    ].join('\n'),
  );
  cleanup.push(() => {
    const pid = join(checkout.dir, 'hung.pid');
    if (existsSync(pid)) process.kill(Number(readFileSync(pid, 'utf8')), 'SIGKILL');
  });
  writeFileSync(
    join(checkout.dir, '.github/rollout.yml'),
    `version: 1
strategy: rolling
environment: production
traffic:
  provider: haproxy
  socket: ${haproxy.socket}
  backend: web
  stable: web-1
  canary: web-4
rolling:
  targets: [${NAMES.join(', ')}]
  maxUnavailable: 1
  drainTimeout: 5s
  deploy: sh deploy.sh
  bake: 1s
  timeout: 5m
notify:
  deployment: false
  pullRequest: false
  alerts:
    - channel: webhook
      urlEnv: ROLLOUT_HOOK
      events: [rolled-back]
`,
  );
  const deploys = () => readFileSync(join(checkout.dir, 'deploys.txt'), 'utf8').trim().split('\n');
  // Nothing here may call GitHub: the API address answers nothing.
  const j = job(checkout, {
    repo: 'acme/shop',
    sha: 'c'.repeat(40),
    apiUrl: 'http://127.0.0.1:9',
    token: 'ghs_unused',
    event: pushEvent('acme/shop', 'c'.repeat(40)),
  });
  j.env.ROLLOUT_HOOK = `http://127.0.0.1:${(hook.address() as { port: number }).port}/rollgate`;
  const inputs = { config: '.github/rollout.yml', 'github-token': 'ghs_unused' };

  const main = startStep(j, 'main', inputs);
  await until(() => existsSync(join(checkout.dir, 'hung.pid')), "web-3's canary deploy to start");
  expect(await states()).toContain('web-3 maint');
  main.child.kill('SIGKILL');
  const ended = await main.done;
  expect(ended.signal).toBe('SIGKILL');
  expect(deploys()).toEqual(['web-1 canary', 'web-2 canary', 'web-3 canary']);
  return { j, inputs, ended, deploys, states, received };
}

describe('strategy rolling: the post step after a SIGKILL mid-batch', () => {
  it('redeploys stable on every target, the half-deployed one included, puts them all back in rotation, and sends the rollback alert', async () => {
    const { j, inputs, ended, deploys, states, received } = await killMidBatch();
    const post = await startStep(j, 'post', inputs, ended.state).done;
    expect(post.code, post.stdout + post.stderr).toBe(1);
    // Every target back to stable in reverse order: web-4 was never touched, but a run that died
    // mid-batch cannot say how far it got, so the way back covers it too.
    expect(deploys().slice(3)).toEqual(['web-4 stable', 'web-3 stable', 'web-2 stable', 'web-1 stable']);
    expect(await states()).toEqual(NAMES.map((name) => `${name} ready`));
    expect(post.stdout).toContain('::error title=Rollgate interrupted::production: interrupted: the main step ended without a verdict');
    expect((await new FileStateStore(ended.state.record!).load())?.state.status).toBe('rolled-back');
    // The post step waits for its alerts before it ends.
    expect(received.map((a) => a.event)).toEqual(['rolled-back']);
    expect(received[0]!.reason).toMatch(/^interrupted: the main step ended without a verdict/);
  });

  it('an alert variable the post step cannot read costs the alert, never the way back', async () => {
    const { j, inputs, ended, deploys, states, received } = await killMidBatch();
    delete j.env.ROLLOUT_HOOK;
    const post = await startStep(j, 'post', inputs, ended.state).done;
    expect(post.code, post.stdout + post.stderr).toBe(1);
    expect(post.stdout).toMatch(/::warning::alerts: .*ROLLOUT_HOOK is not set; returning traffic without them/);
    expect(deploys().slice(3)).toEqual(['web-4 stable', 'web-3 stable', 'web-2 stable', 'web-1 stable']);
    expect(await states()).toEqual(NAMES.map((name) => `${name} ready`));
    expect(received).toEqual([]);
  });
});
