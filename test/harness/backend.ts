// A real HTTP backend on 127.0.0.1 that says which version answered (body and `x-version` header).
// It runs as its own process so a test can SIGTERM it and watch it shut down the way a user's
// service should: readiness off → wait for the router to stop sending → finish in-flight → close → exit.
//
//   GET /healthz      200 while ready, 503 once draining (what the router's health check reads)
//   GET /slow?ms=N    answers after N ms (a slow request to have in flight during a drain)
//   GET /anything     answers at once
//
// The child prints one JSON line per lifecycle event on stdout; the parent API below reads them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const THIS_FILE = fileURLToPath(import.meta.url);

export type BackendEvent =
  | { event: 'listening'; port: number; pid: number }
  | { event: 'draining'; inFlight: number }
  | { event: 'quiet'; waitedMs: number; inFlight: number }
  | { event: 'closed'; served: number; inFlight: number }
  | { event: 'exit'; served: number; cutOff: number };

export interface BackendOptions {
  /** No request for this long after readiness went off means the router stopped sending (default 500 ms). */
  quietMs?: number;
  /** Upper bound on waiting for the router and for in-flight requests (default 10 s). */
  maxDrainMs?: number;
  /** Listen on this port (a new version taking over its predecessor's address); default a free one. */
  port?: number;
}

export interface Backend {
  version: string;
  port: number;
  pid: number;
  address: string;
  events: BackendEvent[];
  /** Resolves with the first event of this kind (already seen or still to come). */
  next<K extends BackendEvent['event']>(kind: K): Promise<Extract<BackendEvent, { event: K }>>;
  /** SIGTERM, then wait for the graceful exit; resolves with the exit event. */
  stop(): Promise<Extract<BackendEvent, { event: 'exit' }>>;
  /** SIGKILL, for cleanup after a failed test. */
  kill(): void;
}

export async function startBackend(version: string, options: BackendOptions = {}): Promise<Backend> {
  const child = spawn(process.execPath, ['--import', 'tsx', THIS_FILE], {
    env: {
      ...process.env,
      BACKEND_VERSION: version,
      BACKEND_QUIET_MS: String(options.quietMs ?? 500),
      BACKEND_MAX_DRAIN_MS: String(options.maxDrainMs ?? 10_000),
      BACKEND_PORT: String(options.port ?? 0),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: BackendEvent[] = [];
  const waiters: Array<{ kind: string; resolve: (e: BackendEvent) => void }> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const event = JSON.parse(line) as BackendEvent;
    events.push(event);
    for (const waiter of waiters.filter((w) => w.kind === event.event)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const next = <K extends BackendEvent['event']>(kind: K) =>
    new Promise<Extract<BackendEvent, { event: K }>>((resolve, reject) => {
      const seen = events.find((e) => e.event === kind);
      if (seen) return resolve(seen as Extract<BackendEvent, { event: K }>);
      waiters.push({ kind, resolve: resolve as (e: BackendEvent) => void });
      void exited.then((code) => reject(new Error(`backend ${version} exited (${code}) before "${kind}": ${stderr.trim()}`)));
    });

  const listening = await Promise.race([
    next('listening'),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`backend ${version} did not start in 15 s: ${stderr.trim()}`)), 15_000).unref(),
    ),
  ]).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    version,
    port: listening.port,
    pid: listening.pid,
    address: `127.0.0.1:${listening.port}`,
    events,
    next,
    async stop() {
      child.kill('SIGTERM');
      const exit = await next('exit');
      await exited;
      return exit;
    },
    kill: () => killChild(child),
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Router binaries come from Debian packages; a missing one fails the test with the fix. */
export function requireBinary(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: install it with \`apt-get install haproxy nginx-light\``);
  return path;
}

function killChild(child: ChildProcess) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

// ---------------------------------------------------------------- the backend process itself

function runBackend(version: string, quietMs: number, maxDrainMs: number, port: number) {
  const emit = (event: BackendEvent) => process.stdout.write(`${JSON.stringify(event)}\n`);
  let ready = true;
  let closing = false;
  let served = 0;
  let inFlight = 0;
  let lastTrafficAt = Date.now();
  const sockets = new Set<Socket>();
  const busy = new WeakSet<Socket>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    res.setHeader('x-version', version);
    // Once closing, every answer ends its connection, so keep-alive clients reconnect elsewhere.
    if (closing) res.setHeader('connection', 'close');
    if (url.pathname === '/healthz') {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'draining\n');
      return;
    }
    lastTrafficAt = Date.now();
    inFlight++;
    busy.add(req.socket);
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`${version}\n`);
    };
    res.once('close', () => {
      inFlight--;
      busy.delete(req.socket);
      if (res.writableFinished) served++;
    });
    const delay = Number(url.searchParams.get('ms') ?? 0);
    if (url.pathname === '/slow' && delay > 0) setTimeout(answer, Math.min(delay, 30_000));
    else answer();
  });
  // Longer than any router's idle timeout: the router closes idle connections, never the backend mid-reuse.
  server.keepAliveTimeout = 75_000;
  server.headersTimeout = 76_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  process.once('SIGTERM', () => {
    void (async () => {
      const started = Date.now();
      ready = false;
      emit({ event: 'draining', inFlight });
      // The router notices readiness off (health check) or was told to drain; wait until it sends nothing.
      while (Date.now() - lastTrafficAt < quietMs && Date.now() - started < maxDrainMs) await sleep(50);
      emit({ event: 'quiet', waitedMs: Date.now() - started, inFlight });
      closing = true;
      server.close();
      for (const socket of sockets) if (!busy.has(socket)) socket.end();
      while (inFlight > 0 && Date.now() - started < maxDrainMs) await sleep(20);
      emit({ event: 'closed', served, inFlight });
      const cutOff = inFlight;
      for (const socket of sockets) socket.destroy();
      emit({ event: 'exit', served, cutOff });
      process.exit(cutOff === 0 ? 0 : 1);
    })();
  });

  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    emit({ event: 'listening', port: typeof address === 'object' && address ? address.port : 0, pid: process.pid });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv[1] === THIS_FILE && process.env.BACKEND_VERSION) {
  runBackend(
    process.env.BACKEND_VERSION,
    Number(process.env.BACKEND_QUIET_MS ?? 500),
    Number(process.env.BACKEND_MAX_DRAIN_MS ?? 10_000),
    Number(process.env.BACKEND_PORT ?? 0),
  );
}
