// Starts a real HAProxy (Debian's package) on 127.0.0.1 with a temp config, a free port and an admin
// socket (unix path and TCP), in front of `backend web` with the servers given.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary } from './backend.js';
import { canConnect, waitUntil } from './wait.js';
import { createHaproxyRouter } from '../../src/traffic/haproxy.js';

export const HAPROXY_BINARY = '/usr/sbin/haproxy';

export interface HaproxyServer {
  name: string;
  address: string;
  weight: number;
}

export interface Haproxy {
  url: string;
  port: number;
  /** Admin socket as a unix path, and as host:port. */
  socket: string;
  tcpSocket: string;
  backend: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startHaproxy(servers: HaproxyServer[], options: { backend?: string } = {}): Promise<Haproxy> {
  const binary = requireBinary(HAPROXY_BINARY);
  const backend = options.backend ?? 'web';
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-haproxy-'));
  const [port, apiPort] = [await freePort(), await freePort()];
  const socket = join(dir, 'admin.sock');
  const conf = join(dir, 'haproxy.cfg');
  await writeFile(
    conf,
    `# Written by test/harness/haproxy.ts
global
  stats socket ${socket} mode 600 level admin
  stats socket ipv4@127.0.0.1:${apiPort} level admin
  nbthread 1
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 60s

frontend web
  bind 127.0.0.1:${port}
  default_backend ${backend}

backend ${backend}
  balance roundrobin
  option httpchk GET /healthz
  default-server check inter 500ms fall 3 rise 2
${servers.map((s) => `  server ${s.name} ${s.address} weight ${s.weight}`).join('\n')}
`,
  );
  // -db: stay in the foreground, so the child is HAProxy itself and stops with it.
  const child = spawn(binary, ['-db', '-f', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGUSR1'); // soft stop: finish what is in flight
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      async () => (await canConnect(port)) && (await canConnect(apiPort)),
      10_000,
      () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}`);
      },
    );
  } catch (error) {
    await stop();
    throw new Error(`haproxy did not start: ${(error as Error).message} ${stderr.trim()}`);
  }
  return { url: `http://127.0.0.1:${port}`, port, socket, tcpSocket: `127.0.0.1:${apiPort}`, backend, dir, stop };
}

/**
 * A fleet: HAProxy in front of the given servers (weight 1 each) and Rollgate's router over its
 * admin socket, returned once HAProxy's own check holds every server up.
 */
export async function startHaproxyFleet(servers: Array<{ name: string; address: string }>) {
  const haproxy = await startHaproxy(servers.map((s) => ({ ...s, weight: 1 })));
  const router = createHaproxyRouter({
    provider: 'haproxy',
    socket: haproxy.socket,
    backend: 'web',
    stable: servers[0]!.name,
    canary: servers.at(-1)!.name,
    timeout: '5s',
  });
  try {
    await waitUntil(async () => (await router.servers()).every((s) => s.health === 'up'), 10_000);
  } catch (error) {
    await haproxy.stop();
    throw error;
  }
  return { haproxy, router };
}
