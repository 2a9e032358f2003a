// A real HTTP service instrumented with prom-client, in two versions (version="v1" stable,
// version="v2" canary) whose error rate and latency a test sets. It also splits its own traffic:
// `GET /` goes to the canary for `weight` percent of requests, and /_rollgate/weight speaks the
// `embedded` router's admin API, so a rollout driven through the real embedded provider moves it.
//
//   GET /                      one request, answered by v1 or v2 (body and x-version name which)
//   GET|PUT /_rollgate/weight  {"weight": n}
//   GET /metrics               http_requests_total{version,code}, http_request_duration_seconds{version}
//
// Errors and the weight split are deterministic (credit counters, not dice), so "5 %" is 5 %.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

export type Version = 'v1' | 'v2';

export interface Behaviour {
  /** Share of requests answered 500 (0..1). */
  errorRate: number;
  /** Time before the answer. */
  latencyMs: number;
}

export interface InstrumentedService {
  url: string;
  /** host:port, as a Prometheus target. */
  target: string;
  /** Changes how one version behaves from the next request on. */
  set(version: Version, behaviour: Partial<Behaviour>): void;
  weight(): number;
  /** Requests answered so far, per version and status. */
  served(): Record<Version, { ok: number; errors: number }>;
  close(): Promise<void>;
}

export async function startInstrumentedService(initial: Partial<Record<Version, Partial<Behaviour>>> = {}): Promise<InstrumentedService> {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered',
    labelNames: ['version', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer',
    labelNames: ['version'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const behaviour: Record<Version, Behaviour> = {
    v1: { errorRate: 0, latencyMs: 5, ...initial.v1 },
    v2: { errorRate: 0, latencyMs: 5, ...initial.v2 },
  };
  const served: Record<Version, { ok: number; errors: number }> = { v1: { ok: 0, errors: 0 }, v2: { ok: 0, errors: 0 } };
  const errorCredit: Record<Version, number> = { v1: 0, v2: 0 };
  let weight = 0;
  let canaryCredit = 0;
  // Both codes exist from the start, so error ratios are 0 (not "no data") while nothing fails.
  for (const version of ['v1', 'v2'] as const) for (const code of ['200', '500']) requests.inc({ version, code }, 0);

  const answer = async (response: ServerResponse) => {
    canaryCredit += weight;
    const version: Version = canaryCredit >= 100 ? 'v2' : 'v1';
    if (version === 'v2') canaryCredit -= 100;
    const { errorRate, latencyMs } = behaviour[version];
    errorCredit[version] += errorRate;
    const failed = errorCredit[version] >= 1 - 1e-9;
    if (failed) errorCredit[version] -= 1;
    const end = duration.startTimer({ version });
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const code = failed ? 500 : 200;
    requests.inc({ version, code: String(code) });
    end();
    served[version][failed ? 'errors' : 'ok'] += 1;
    response.writeHead(code, { 'content-type': 'text/plain', 'x-version': version }).end(`${version}\n`);
  };

  const weightApi = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'PUT') {
      let body = '';
      for await (const chunk of request) body += chunk;
      const asked = (JSON.parse(body) as { weight?: unknown }).weight;
      if (typeof asked !== 'number' || asked < 0 || asked > 100) {
        response.writeHead(400).end('weight must be a number from 0 to 100');
        return;
      }
      weight = asked;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ weight }));
  };

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://service').pathname;
    const handled =
      path === '/metrics'
        ? registry.metrics().then((text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text))
        : path === '/_rollgate/weight'
          ? weightApi(request, response)
          : answer(response);
    handled.catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    set(version, change) {
      behaviour[version] = { ...behaviour[version], ...change };
    },
    weight: () => weight,
    served: () => structuredClone(served),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Load {
  /** Requests sent so far. */
  sent(): number;
  stop(): Promise<void>;
}

/** Sends `rps` requests a second to `url` until stopped, and never more than maxRequests in all. */
export function startLoad(url: string, { rps, maxRequests }: { rps: number; maxRequests: number }): Load {
  let sent = 0;
  const inFlight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    if (sent >= maxRequests) return clearInterval(timer);
    sent += 1;
    const request = fetch(url, { signal: AbortSignal.timeout(5_000) })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }, 1_000 / rps);
  return {
    sent: () => sent,
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
    },
  };
}
