// The demo's service: answers with its version, can be told to fail a share of requests or to be
// slow, and shuts down the way a zero-downtime service should: readiness off, finish in-flight, close.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Fault {
  /** Share of requests answered with HTTP 500 (0–1). */
  errorRate?: number;
  /** Added to every response. */
  extraLatencyMs?: number;
}

export interface DemoService {
  version: string;
  url: string;
  port: number;
  setFault(fault: Fault): void;
  /** Graceful: /healthz turns 503, new connections are refused after `drainMs`, in-flight requests finish. */
  close(drainMs?: number): Promise<void>;
}

export async function startService(version: string, fault: Fault = {}, random: () => number = Math.random): Promise<DemoService> {
  let current = fault;
  let ready = true;
  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version, ready }));
      return;
    }
    const fail = random() < (current.errorRate ?? 0);
    const respond = () => {
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json', 'x-version': version });
      res.end(JSON.stringify(fail ? { version, error: 'injected fault' } : { version, ok: true }));
    };
    if (current.extraLatencyMs) setTimeout(respond, current.extraLatencyMs);
    else respond();
  });
  // Longer than any demo run, so a keep-alive socket is never closed under a request in flight.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    version,
    port,
    url: `http://127.0.0.1:${port}`,
    setFault(next) {
      current = next;
    },
    async close(drainMs = 0) {
      ready = false;
      if (drainMs) await new Promise((r) => setTimeout(r, drainMs));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
