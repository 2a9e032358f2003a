// The nginx router's own logic: weights that give the canary exactly w %, the rendered include file
// and its read-back, NGINX's error lines, and the swap-check-reload-restore sequence (with stand-in
// commands for `nginx -t` and the reload; test/integration/traffic/nginx.test.ts runs a real NGINX).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { canaryShare, createNginxRouter, nginxMessage, parseUpstream, renderUpstream, type NginxSpec } from '../../../src/traffic/nginx.js';
import { splitWeights, type ServerAdminState } from '../../../src/traffic/fleet.js';
import { parseSpec } from '../../../src/config/load.js';

const base = (stable: string[], canary: string[]): NginxSpec => ({
  provider: 'nginx',
  file: '/unused',
  upstream: 'web',
  stable: 'web-v1',
  canary: 'web-v2',
  servers: { stable, canary },
  conf: '/etc/nginx/nginx.conf',
  nginx: 'nginx',
  timeout: '5s',
});
const addresses = (n: number, from: number) => Array.from({ length: n }, (_, i) => `10.0.0.${from + i}:8080`);
const context = { stage: 1, stageName: 's', environment: 'test', rollback: false };

describe('splitWeights', () => {
  it('gives the canary servers exactly w % of the summed weight, in small whole numbers', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (w, s, c) => {
        const split = splitWeights(w, s, c);
        expect(Number.isInteger(split.stable) && Number.isInteger(split.canary)).toBe(true);
        expect((100 * c * split.canary) / (c * split.canary + s * split.stable)).toBeCloseTo(w, 10);
        expect(Math.max(split.stable, split.canary)).toBeLessThanOrEqual(600);
      }),
    );
    expect(splitWeights(25, 1, 1)).toEqual({ stable: 3, canary: 1 });
    expect(splitWeights(0, 2, 1)).toEqual({ stable: 1, canary: 0 });
    expect(splitWeights(100, 1, 3)).toEqual({ stable: 0, canary: 1 });
  });
});

describe('the rendered upstream file', () => {
  it('renders weights, `down` for 0 % (NGINX rejects weight=0) and for drained servers', () => {
    const spec = { ...base(['10.0.0.1:8080', '10.0.0.2:8080'], ['10.0.0.3:8080']), parameters: 'max_fails=3' };
    expect(renderUpstream(spec, 25, new Map([['10.0.0.2:8080', 'drain']]))).toBe(
      [
        '# Rendered by rollgate for upstream web: 25% to web-v2, 75% to web-v1.',
        '# Rewritten on every traffic change; edit the rollout spec instead.',
        'server 10.0.0.1:8080 weight=3 max_fails=3; # rollgate: stable ready',
        'server 10.0.0.2:8080 weight=3 max_fails=3 down; # rollgate: stable drain',
        'server 10.0.0.3:8080 weight=2 max_fails=3; # rollgate: canary ready',
        '',
      ].join('\n'),
    );
    expect(renderUpstream(base(['a:1'], ['b:1']), 0, new Map())).toContain('server b:1 down; # rollgate: canary ready');
  });

  it('reads back the weight and every state it rendered', () => {
    const states = fc.constantFrom<ServerAdminState>('ready', 'drain', 'maint');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(states, { minLength: 1, maxLength: 4 }),
        fc.array(states, { minLength: 1, maxLength: 3 }),
        (w, s, c) => {
          const spec = base(addresses(s.length, 1), addresses(c.length, 100));
          const wanted = new Map([
            ...spec.servers.stable.map((a, i) => [a, s[i]!] as const),
            ...spec.servers.canary.map((a, i) => [a, c[i]!] as const),
          ]);
          const read = parseUpstream(spec, renderUpstream(spec, w, wanted));
          expect(canaryShare(read)).toBe(w);
          expect(new Map(read.map((r) => [r.address, r.state]))).toEqual(wanted);
        },
      ),
    );
  });

  it("reads a hand-written file (the user's before the first rollout) as 0 % canary, ignoring other servers", () => {
    const spec = base(['10.0.0.1:8080'], ['10.0.0.3:8080']);
    const servers = parseUpstream(spec, 'server 10.0.0.1:8080 max_fails=2;\nserver 10.9.9.9:80 backup;\n');
    expect(servers).toEqual([{ address: '10.0.0.1:8080', role: 'stable', weight: 1, state: 'ready' }]);
    expect(canaryShare(servers)).toBe(0);
  });
});

describe('nginx spec fields', () => {
  const yaml = (extra: string) =>
    `version: 1\ntraffic:\n  provider: nginx\n  file: /etc/nginx/rollgate/web.conf\n  stable: web-v1\n  canary: web-v2\n  servers:\n    stable: [10.0.0.1:8080]\n    canary: [10.0.0.2:8080]\n${extra}stages:\n  - weight: 10\n`;

  it('accepts the documented example with defaults filled in', () => {
    const parsed = parseSpec(yaml('  reload: [systemctl, reload, nginx]\n  pid: /run/nginx.pid\n'));
    expect(parsed.ok && parsed.spec.traffic).toMatchObject({
      provider: 'nginx',
      upstream: 'backend',
      conf: '/etc/nginx/nginx.conf',
      nginx: 'nginx',
      timeout: '30s',
      reload: ['systemctl', 'reload', 'nginx'],
    });
  });

  it('rejects server parameters or addresses that would smuggle directives into the config', () => {
    const parsed = parseSpec(yaml('  parameters: "max_fails=1; include /etc/passwd"\n').replace('10.0.0.2:8080', '"10.0.0.2:8080; evil"'));
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.path)).toEqual(['traffic.servers.canary[0]', 'traffic.parameters']);
  });
});

describe('nginxMessage', () => {
  it("keeps NGINX's own error lines", () => {
    const output =
      'nginx: [emerg] unknown directive "bogus" in /tmp/x/extra.conf:1\nnginx: configuration file /tmp/x/nginx.conf test failed';
    expect(nginxMessage(output)).toBe('[emerg] unknown directive "bogus" in /tmp/x/extra.conf:1');
    expect(nginxMessage('something else\nlast words')).toBe('last words');
  });
});

describe('nginx router: swap, check, reload, restore', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const setUp = async (test: string[], reload: string[]) => {
    dir = await mkdtemp(join(tmpdir(), 'rollgate-nginx-unit-'));
    const file = join(dir, 'web.conf');
    await writeFile(file, 'server 10.0.0.1:8080;\n');
    const spec: NginxSpec = { ...base(['10.0.0.1:8080'], ['10.0.0.2:8080']), file, test, reload };
    return { file, router: createNginxRouter(spec), spec };
  };

  it('puts the new file in force when the check and the reload pass, and reads it back', async () => {
    const { file, router } = await setUp(['/bin/true'], ['/bin/true']);
    await router.setWeight(20, context);
    expect(await readFile(file, 'utf8')).toContain('server 10.0.0.2:8080 weight=1; # rollgate: canary ready');
    expect(await readFile(`${file}.last-good`, 'utf8')).toBe('server 10.0.0.1:8080;\n');
    expect(await router.getWeight()).toBe(20);
    expect(await router.verify(20)).toBe(true);
    expect(await router.verify(25)).toBe(false);
  });

  it("keeps the last good file when the check fails, and throws NGINX's words", async () => {
    const { file, router } = await setUp(
      ['/bin/sh', '-c', 'echo "nginx: [emerg] host not found in upstream \\"x\\" in /etc/nginx/x.conf:3" >&2; exit 1'],
      ['/bin/false'],
    );
    await expect(router.setWeight(20, context)).rejects.toThrow(
      /`\/bin\/sh -c .*` rejected the new nginx upstream web \(.*web\.conf\): \[emerg\] host not found in upstream "x" in \/etc\/nginx\/x\.conf:3; the last good file is back in place/,
    );
    expect(await readFile(file, 'utf8')).toBe('server 10.0.0.1:8080;\n');
    expect(await router.getWeight()).toBe(0);
  });

  it('keeps the last good file when the reload fails', async () => {
    const { file, router } = await setUp(
      ['/bin/true'],
      ['/bin/sh', '-c', 'echo "nginx: [error] invalid PID number \\"\\" in \\"/run/nginx.pid\\"" >&2; exit 1'],
    );
    await expect(router.setWeight(20, context)).rejects.toThrow(
      /failed for nginx upstream web .*\[error\] invalid PID number "" in "\/run\/nginx.pid"; the last good file is back in place/,
    );
    expect(await readFile(file, 'utf8')).toBe('server 10.0.0.1:8080;\n');
  });

  it('drains and readies a server by re-rendering it, keeping the split', async () => {
    const { file, router } = await setUp(['/bin/true'], ['/bin/true']);
    await router.setWeight(50, context);
    await router.setServerState('10.0.0.1:8080', 'drain');
    expect(await readFile(file, 'utf8')).toContain('server 10.0.0.1:8080 weight=1 down; # rollgate: stable drain');
    expect((await router.servers()).map((s) => [s.name, s.state, s.activeConnections])).toEqual([
      ['10.0.0.1:8080', 'drain', null],
      ['10.0.0.2:8080', 'ready', null],
    ]);
    expect(await router.getWeight()).toBe(50);
    await router.setServerState('10.0.0.1:8080', 'ready');
    expect(await readFile(file, 'utf8')).toContain('server 10.0.0.1:8080 weight=1; # rollgate: stable ready');
    await expect(router.setServerState('10.9.9.9:80', 'drain')).rejects.toThrow('has no server "10.9.9.9:80"');
    await expect(router.isDrained('10.0.0.1:8080')).rejects.toThrow('set `pid`');
  });
});
