// A real Prometheus for integration tests: the Debian binary on 127.0.0.1, a free port, a temp data
// dir and a 1 s scrape interval. Missing binary → a clear error (the test fails; it does not skip).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface PrometheusServer {
  url: string;
  /** Resolves once every target has been scraped successfully at least once. */
  targetsUp(timeoutMs?: number): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and keeps the data dir until close(). */
  stop(): Promise<void>;
  /** Stops the server if it still runs and removes its temp dir. */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts Prometheus scraping `targets` ("127.0.0.1:port") every second. */
export async function startPrometheus(targets: string[]): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `Prometheus binary not found at ${PROMETHEUS_BINARY}: install it with "apt-get install -y prometheus" (or set PROMETHEUS_BINARY)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    '  - job_name: service',
    '    static_configs:',
    `      - targets: [${targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const stop = async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const close = async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await poll(20_000, async () => {
      if (!running) throw new Error(`Prometheus exited at start:\n${log}`);
      const response = await fetch(`${url}/-/ready`).catch(() => undefined);
      return response?.status === 200;
    });
  } catch (error) {
    await close();
    throw new Error(`Prometheus did not become ready on ${url}: ${(error as Error).message}\n${log}`);
  }

  return {
    url,
    async targetsUp(timeoutMs = 15_000) {
      await poll(timeoutMs, async () => {
        const body = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        const active = body.data.activeTargets;
        return active.length === targets.length && active.every((t) => t.health === 'up');
      });
    },
    stop,
    close,
  };
}

async function poll(timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
