// The embedded router: a weighted reverse proxy for two upstreams with an admin API, so the demo
// needs nothing installed. Weighted smooth round robin keeps the split exact even at 1 %.
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERIES_METRICS } from '../gates/embedded.js';

export interface Upstream {
  name: string;
  url: string;
}

interface Window {
  at: number;
  status: number;
  ms: number;
}

export interface RouterStats {
  requests: number;
  errors: number;
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface EmbeddedRouter {
  url: string;
  adminUrl: string;
  weight(): number;
  close(): Promise<void>;
}

const ADMIN = '/_rollgate';

type SeriesMetric = (typeof SERIES_METRICS)[number];
const MAX_STEPS = 11_000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function startRouter(stable: Upstream, canary: Upstream, now: () => number = Date.now): Promise<EmbeddedRouter> {
  let weight = 0;
  // Smooth weighted round robin (as NGINX does): exact proportions without randomness.
  let credit = { stable: 0, canary: 0 };
  const recent: Record<'stable' | 'canary', Window[]> = { stable: [], canary: [] };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });

  const pick = (): 'stable' | 'canary' => {
    credit = { stable: credit.stable + (100 - weight), canary: credit.canary + weight };
    const chosen = credit.canary > credit.stable ? 'canary' : 'stable';
    credit[chosen] -= 100;
    return chosen;
  };

  const stats = (side: 'stable' | 'canary', windowMs: number): RouterStats => {
    const since = now() - windowMs;
    const rows = recent[side].filter((r) => r.at >= since);
    const errors = rows.filter((r) => r.status >= 500).length;
    const latencies = rows.map((r) => r.ms).sort((a, b) => a - b);
    return {
      requests: rows.length,
      errors,
      errorRate: rows.length ? errors / rows.length : null,
      p50Ms: latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)]! : null,
      p99Ms: latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]! : null,
    };
  };

  /**
   * One version's figure in each step (t − stepMs, t], t = start, start + stepMs, … ≤ end: counts
   * (0 in a step without requests), or a latency quantile (no point in a step without requests).
   */
  const series = (side: 'stable' | 'canary', metric: SeriesMetric, start: number, end: number, stepMs: number): Array<[number, number]> => {
    const points: Array<[number, number]> = [];
    const rows = recent[side].filter((r) => r.at > start - stepMs && r.at <= end);
    for (let t = start; t <= end; t += stepMs) {
      const inStep = rows.filter((r) => r.at > t - stepMs && r.at <= t);
      if (metric === 'requests') points.push([t, inStep.length]);
      else if (metric === 'errors') points.push([t, inStep.filter((r) => r.status >= 500).length]);
      else if (inStep.length) {
        const q = metric === 'p50Ms' ? 0.5 : metric === 'p90Ms' ? 0.9 : 0.99;
        points.push([
          t,
          quantile(
            inStep.map((r) => r.ms).sort((a, b) => a - b),
            q,
          ),
        ]);
      }
    }
    return points;
  };

  const admin = (req: IncomingMessage, res: ServerResponse, path: URL) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path.pathname === `${ADMIN}/weight` && req.method === 'GET') return send(200, { weight });
    if (path.pathname === `${ADMIN}/weight` && req.method === 'PUT') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const next = Number((JSON.parse(body || '{}') as { weight?: unknown }).weight);
        if (!Number.isInteger(next) || next < 0 || next > 100) return send(400, { error: 'weight must be a whole number from 0 to 100' });
        weight = next;
        credit = { stable: 0, canary: 0 };
        send(200, { weight });
      });
      return;
    }
    const match = /^\/_rollgate\/stats\/(stable|canary)$/.exec(path.pathname);
    if (match && req.method === 'GET') {
      const windowMs = Number(path.searchParams.get('windowMs') ?? 5_000);
      return send(200, stats(match[1] as 'stable' | 'canary', windowMs));
    }
    if (path.pathname === `${ADMIN}/series` && req.method === 'GET') {
      const q = path.searchParams;
      const version = q.get('version');
      const side = version === stable.name ? 'stable' : version === canary.name ? 'canary' : undefined;
      if (!side) return send(400, { error: `version must be ${stable.name} or ${canary.name}` });
      const metric = q.get('metric') as SeriesMetric;
      if (!SERIES_METRICS.includes(metric)) return send(400, { error: `metric must be one of ${SERIES_METRICS.join(', ')}` });
      const [start, end, step] = (['start', 'end', 'step'] as const).map((key) => Number(q.get(key)));
      if (![start, end, step].every(Number.isFinite) || !(step! > 0) || end! < start!)
        return send(400, { error: 'start, end and step must be milliseconds, start ≤ end, step > 0' });
      if ((end! - start!) / step! > MAX_STEPS) return send(400, { error: `more than ${MAX_STEPS} steps` });
      return send(200, { points: series(side, metric, start!, end!, step!) });
    }
    send(404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://router');
    if (path.pathname.startsWith(ADMIN)) return admin(req, res, path);
    const side = pick();
    const target = new URL(req.url ?? '/', side === 'canary' ? canary.url : stable.url);
    const started = now();
    const upstream = request(target, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.on('end', () => {
        recent[side].push({ at: now(), status: answer.statusCode ?? 502, ms: now() - started });
        if (recent[side].length > 50_000) recent[side].splice(0, 10_000);
      });
    });
    upstream.on('error', () => {
      recent[side].push({ at: now(), status: 502, ms: now() - started });
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(upstream);
  });
  // Longer than any demo run, so a keep-alive socket is never closed under a request in flight.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminUrl: `${url}${ADMIN}`,
    weight: () => weight,
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
