// Real load through a router: autocannon in this process, bounded in count and in time, counting
// which version answered each request and every request that got no answer.
//
// autocannon reconnects silently when a server closes a connection under a request (the request is
// lost without an error), so the connection is watched here: a request still in flight when its
// connection ends, resets or times out is counted. One case is told apart: a server that closes an
// idle keep-alive connection just as the next request goes out (NGINX's old workers do on reload).
// No byte of an answer came, so HTTP clients send such a request again on a new connection
// (RFC 9112 §9.3.1; browsers, Go, curl) and autocannon does the same: it counts as `retried`.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface LoadOptions {
  url: string;
  /** Requests per second over all connections. */
  rate: number;
  connections?: number;
  /** Hard bounds: the run ends at whichever comes first. */
  maxRequests: number;
  maxSeconds: number;
  /** Response header that names the version that answered (default x-version). */
  versionHeader?: string;
}

export interface LoadCounts {
  sent: number;
  /** Complete responses, by status class. */
  responses: number;
  non2xx: number;
  /** Complete responses by the version that answered them. */
  byVersion: Record<string, number>;
  /** Requests cut off: their connection was reset (ECONNRESET, EPIPE) or closed before the whole answer. */
  resets: number;
  /** Requests sent on a reused keep-alive connection the server closed before any byte of an answer; sent again. */
  retried: number;
  /** Requests that failed otherwise: connection refused, timed out. */
  errors: number;
}

export interface Load {
  /** The counts so far (a copy). */
  counts(): LoadCounts;
  /**
   * Starts counting only the requests sent from now on: the answer to a request already in flight
   * (sent at the old weight) is left out. Returns a reader of those counts.
   */
  countFromNow(): () => LoadCounts;
  /** Ends the run now; requests still in flight are neither answered nor failed. */
  stop(): Promise<LoadCounts>;
  /** Resolves when a bound is reached or stop() was called. */
  finished: Promise<LoadCounts>;
}

/** Minimal shape of what autocannon hands to `setupClient` (lib/httpClient.js, autocannon 9). */
interface AutocannonClient {
  conn: Socket;
  _connect(): void;
  on(event: 'request', listener: () => void): void;
  on(event: 'headers', listener: (info: { statusCode: number; headers: string[] }) => void): void;
  on(event: 'response', listener: (statusCode: number) => void): void;
}
interface AutocannonInstance {
  stop(): void;
  on(event: 'done', listener: () => void): void;
}
type Autocannon = (options: Record<string, unknown>, callback?: (error: Error | null) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const emptyCounts = (): LoadCounts => ({ sent: 0, responses: 0, non2xx: 0, byVersion: {}, resets: 0, retried: 0, errors: 0 });

export function startLoad(options: LoadOptions): Load {
  const counts = emptyCounts();
  // Each window counts the requests numbered from `first` on; the whole run is the window from 0.
  const windows: { first: number; counts: LoadCounts }[] = [{ first: 0, counts }];
  const inWindows = (n: number, add: (c: LoadCounts) => void) => {
    for (const w of windows) if (n >= w.first) add(w.counts);
  };
  const header = (options.versionHeader ?? 'x-version').toLowerCase();
  const connections = options.connections ?? 10;

  const setupClient = (client: AutocannonClient) => {
    const numbers: number[] = []; // the requests in flight on the current connection, oldest first
    let answered = 0; // responses completed on the current connection
    let answerStarted = false; // a byte of the answer to the request in flight came
    let version = '?';
    let ended: 'reset' | 'error' | 'timeout' = 'timeout';
    client.on('request', () => {
      const n = counts.sent;
      numbers.push(n);
      inWindows(n, (c) => c.sent++);
      answerStarted = false;
    });
    client.on('headers', ({ headers }) => {
      const at = headers.findIndex((value, i) => i % 2 === 0 && value.toLowerCase() === header);
      version = at >= 0 ? headers[at + 1]! : '?';
    });
    client.on('response', (statusCode) => {
      answered++;
      inWindows(numbers.shift() ?? 0, (c) => {
        c.responses++;
        if (statusCode < 200 || statusCode > 299) c.non2xx++;
        else c.byVersion[version] = (c.byVersion[version] ?? 0) + 1;
      });
    });
    // Every reconnect replaces a connection that ended: what was in flight on it is lost.
    const connect = client._connect.bind(client);
    client._connect = () => {
      const kind = ended === 'reset' && answered > 0 && !answerStarted ? 'retried' : ended === 'reset' ? 'resets' : 'errors';
      for (const n of numbers.splice(0)) inWindows(n, (c) => c[kind]++);
      answered = 0;
      ended = 'timeout'; // autocannon replaces a connection without an event only when a request timed out
      connect();
      client.conn.prependListener('error', (error: NodeJS.ErrnoException) => {
        ended = error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'error';
      });
      client.conn.prependListener('end', () => {
        ended = 'reset';
      });
      client.conn.prependListener('data', () => {
        answerStarted = true;
      });
    };
  };

  let instance: AutocannonInstance | undefined;
  const finished = new Promise<LoadCounts>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections,
        overallRate: options.rate,
        amount: options.maxRequests,
        timeout: 10,
        setupClient,
      },
      (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(copy(counts));
      },
    );
  });
  const timer = setTimeout(() => instance!.stop(), options.maxSeconds * 1000);
  return {
    counts: () => copy(counts),
    countFromNow() {
      const window = { first: counts.sent, counts: emptyCounts() };
      windows.push(window);
      return () => copy(window.counts);
    },
    async stop() {
      instance!.stop();
      return finished;
    },
    finished,
  };
}

/** What happened between two snapshots. */
export function between(before: LoadCounts, after: LoadCounts): LoadCounts {
  const byVersion: Record<string, number> = {};
  for (const [version, n] of Object.entries(after.byVersion)) {
    const d = n - (before.byVersion[version] ?? 0);
    if (d) byVersion[version] = d;
  }
  return {
    sent: after.sent - before.sent,
    responses: after.responses - before.responses,
    non2xx: after.non2xx - before.non2xx,
    byVersion,
    resets: after.resets - before.resets,
    retried: after.retried - before.retried,
    errors: after.errors - before.errors,
  };
}

/** Percent of the 2xx answers that came from `version`. */
export function share(counts: LoadCounts, version: string): number {
  const total = Object.values(counts.byVersion).reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : (100 * (counts.byVersion[version] ?? 0)) / total;
}

/** Requests that failed for good: a non-2xx answer, cut off, or no answer at all. Retried ones are not. */
export const failed = (counts: LoadCounts) => counts.non2xx + counts.resets + counts.errors;

const copy = (counts: LoadCounts): LoadCounts => ({ ...counts, byVersion: { ...counts.byVersion } });
