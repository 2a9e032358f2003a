// Starts a real Unleash server (npm `unleash-server`) for a test file: its own database on the
// harness's PostgreSQL, a free port on 127.0.0.1, an admin token and a backend (SDK) token made at
// startup, no version check and no telemetry. Unleash runs its migrations on first start, which takes a
// while on a busy machine: start it once per test file.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startPostgres, type Postgres } from './postgres.js';

export interface Unleash {
  url: string;
  /** Admin API token (all projects, all environments). */
  adminToken: string;
  /** Backend SDK token for the `production` environment of the `default` project. */
  clientToken: string;
  /** Admin API call with the admin token; throws on a non-2xx answer. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  stop(): Promise<void>;
}

const ADMIN_TOKEN = '*:*.rollgate-test-admin-token';
const CLIENT_TOKEN = 'default:production.rollgate-test-client-token';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function startUnleash(deadlineMs = 180_000): Promise<Unleash> {
  const postgres: Postgres = await startPostgres();
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await postgres.stop();
  };
  try {
    const db = await postgres.session();
    await db.query('CREATE DATABASE unleash');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    child = spawn(process.execPath, ['--input-type=module', '-e', "const u = await import('unleash-server'); await u.start();"], {
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        DATABASE_HOST: '127.0.0.1',
        DATABASE_PORT: String(postgres.port),
        DATABASE_USERNAME: 'postgres',
        DATABASE_PASSWORD: '',
        DATABASE_NAME: 'unleash',
        DATABASE_SSL: 'false',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(port),
        UNLEASH_URL: url,
        CHECK_VERSION: 'false',
        SEND_TELEMETRY: 'false',
        LOG_LEVEL: 'warn',
        INIT_ADMIN_API_TOKENS: ADMIN_TOKEN,
        INIT_BACKEND_API_TOKENS: CLIENT_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const started = Date.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`unleash-server exited with code ${child.exitCode} during startup:\n${output}`);
      const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.ok)
        .catch(() => false);
      // The admin token is inserted after the server listens: wait until it is accepted too.
      if (healthy) {
        const tokenReady = await fetch(`${url}/api/admin/projects`, { headers: { Authorization: ADMIN_TOKEN } })
          .then((r) => r.ok)
          .catch(() => false);
        if (tokenReady) break;
      }
      if (Date.now() - started > deadlineMs)
        throw new Error(`unleash-server did not become healthy at ${url} within ${deadlineMs / 1000} s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const admin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: ADMIN_TOKEN, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    };
    return { url, adminToken: ADMIN_TOKEN, clientToken: CLIENT_TOKEN, admin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
