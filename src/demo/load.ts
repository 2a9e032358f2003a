// A bounded load generator: a fixed number of keep-alive workers, each waiting its turn so the total
// rate stays near `rps`, stopped by stop() or after `maxRequests`, whichever comes first.
import { Agent, request } from 'node:http';

export interface LoadCounts {
  sent: number;
  ok: number;
  /** HTTP 5xx answers. */
  failed: number;
  /** No answer at all: refused, reset, timed out. */
  errors: number;
  byVersion: Record<string, number>;
}

export interface Load {
  counts: LoadCounts;
  stop(): Promise<LoadCounts>;
}

export function startLoad(url: string, options: { rps: number; maxRequests: number; workers?: number }): Load {
  const counts: LoadCounts = { sent: 0, ok: 0, failed: 0, errors: 0, byVersion: {} };
  const agent = new Agent({ keepAlive: true, maxSockets: options.workers ?? 16 });
  const workers = options.workers ?? 16;
  const gapMs = (1_000 * workers) / options.rps;
  let running = true;

  const once = () =>
    new Promise<void>((resolve) => {
      counts.sent += 1;
      const req = request(url, { agent, timeout: 5_000 }, (res) => {
        const version = String(res.headers['x-version'] ?? 'unknown');
        counts.byVersion[version] = (counts.byVersion[version] ?? 0) + 1;
        if ((res.statusCode ?? 500) >= 500) counts.failed += 1;
        else counts.ok += 1;
        res.resume();
        res.on('end', resolve);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        counts.errors += 1;
        resolve();
      });
      req.end();
    });

  const worker = async (offset: number) => {
    await new Promise((r) => setTimeout(r, offset));
    while (running && counts.sent < options.maxRequests) {
      const started = Date.now();
      await once();
      const rest = gapMs - (Date.now() - started);
      if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, i) => worker((i * gapMs) / workers)));
  return {
    counts,
    async stop() {
      running = false;
      await done;
      agent.destroy();
      return counts;
    },
  };
}
