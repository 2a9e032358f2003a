// The order of the haproxy router's weight commands, against a stand-in runtime API on a unix socket.
// HAProxy runs the commands of one line one after the other and serves requests in between, so
// between the two `set weight` commands the first one alone is in force.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHaproxyRouter } from '../../../src/traffic/haproxy.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Answers `show servers state web` from `weights` and records every `set weight` line. */
async function fakeRuntimeApi(weights: Record<string, number>, down: string[] = []): Promise<{ socket: string; lines: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-haproxy-api-'));
  const socket = join(dir, 'admin.sock');
  const lines: string[] = [];
  const server: Server = createServer((connection) => {
    connection.setEncoding('utf8');
    connection.once('data', (line: string) => {
      let answer = '';
      for (const command of line.trim().split('; ')) {
        const set = /^set weight web\/(\S+) (\d+)$/.exec(command);
        if (set) {
          lines.push(command);
          weights[set[1]!] = Number(set[2]);
        } else if (command === 'show servers state web') {
          answer += '1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight\n';
          answer += Object.entries(weights)
            .map(([name, weight], i) => `3 web ${i + 1} ${name} 127.0.0.1 ${down.includes(name) ? 0 : 2} 0 ${weight}\n`)
            .join('');
        } else answer += `Unknown command: ${command}\n`;
      }
      connection.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  cleanup.push(
    () => new Promise((resolve) => server.close(resolve)),
    () => rm(dir, { recursive: true, force: true }),
  );
  return { socket, lines };
}

const context = { stage: 1, stageName: 's', environment: 'test', rollback: false };

describe('haproxy router weight changes', () => {
  it('switches 0 % ↔ 100 % gaining side first, so the backend never has all weights at 0', async () => {
    const api = await fakeRuntimeApi({ blue: 1, green: 0 });
    const router = createHaproxyRouter({
      provider: 'haproxy',
      socket: api.socket,
      backend: 'web',
      stable: 'blue',
      canary: 'green',
      timeout: '5s',
    });
    await router.setWeight(100, context);
    await router.setWeight(0, { ...context, rollback: true });
    expect(api.lines).toEqual(['set weight web/green 1', 'set weight web/blue 0', 'set weight web/blue 1', 'set weight web/green 0']);
  });

  it("otherwise changes the losing side first, so the canary's share stays between the two splits", async () => {
    const api = await fakeRuntimeApi({ stable: 1, canary: 0 });
    const router = createHaproxyRouter({
      provider: 'haproxy',
      socket: api.socket,
      backend: 'web',
      stable: 'stable',
      canary: 'canary',
      timeout: '5s',
    });
    await router.setWeight(25, context);
    await router.setWeight(0, { ...context, rollback: true });
    expect(api.lines).toEqual(['set weight web/stable 3', 'set weight web/canary 1', 'set weight web/canary 0', 'set weight web/stable 1']);
  });

  it("refuses to send traffic to a canary HAProxy's health check holds DOWN, and changes nothing", async () => {
    const api = await fakeRuntimeApi({ blue: 1, green: 0 }, ['green']);
    const router = createHaproxyRouter({
      provider: 'haproxy',
      socket: api.socket,
      backend: 'web',
      stable: 'blue',
      canary: 'green',
      timeout: '5s',
    });
    await expect(router.setWeight(100, context)).rejects.toThrow(
      "HAProxy's health check holds web/green DOWN: not sending it 100% of the traffic",
    );
    expect(api.lines).toEqual([]);
    // The way back to stable is never refused.
    await router.setWeight(0, { ...context, rollback: true });
  });
});
