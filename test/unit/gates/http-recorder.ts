// A local HTTP endpoint on 127.0.0.1 that records every request (method, path, query, headers, body)
// and answers with what the test says: the stand-in for a metrics API whose requests a test checks.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Logger, ProviderEnv } from '../../../src/ports.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = { status?: number; json?: unknown; text?: string; hang?: boolean };

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  /** What the next requests get; a function sees the request. */
  reply(answer: Reply | ((request: RecordedRequest) => Reply)): void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  let answer: Reply | ((request: RecordedRequest) => Reply) = { status: 500, text: 'no reply set' };
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const url = new URL(request.url ?? '/', 'http://recorder');
    const recorded = { method: request.method ?? '', path: url.pathname, query: url.searchParams, headers: request.headers, body };
    requests.push(recorded);
    const reply = typeof answer === 'function' ? answer(recorded) : answer;
    if (reply.hang) return;
    if (reply.json !== undefined)
      response.writeHead(reply.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(reply.json));
    else response.writeHead(reply.status ?? 200, { 'content-type': 'text/plain' }).end(reply.text ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(next) {
      answer = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One recorder for a test file, started before its tests, its log cleared before each, closed after.
 * The returned object is filled in once the recorder runs.
 */
export function useRecorder(): Recorder {
  const api = {} as Recorder;
  beforeAll(async () => {
    Object.assign(api, await startRecorder());
  });
  afterAll(() => api.close());
  beforeEach(() => {
    api.requests.length = 0;
  });
  return api;
}

/** A ProviderEnv over the given variables whose logger remembers what it was asked to mask. */
export function providerEnv(variables: Record<string, string>): ProviderEnv & { masked: string[] } {
  const masked: string[] = [];
  const log: Logger = { info() {}, warn() {}, debug() {}, mask: (secret) => masked.push(secret) };
  return { env: variables, log, cwd: process.cwd(), masked };
}

/** The context a driver passes at stage 2 of a rollout of web-v2 over web-v1. */
export function measureContext(at: number, extra: { stageStartedAt?: number; stageStarts?: Array<{ stage: number; at: number }> } = {}) {
  return {
    canary: 'web-v2',
    stable: 'web-v1',
    baseline: 'web-v1',
    weight: 25,
    stage: 2,
    environment: 'production',
    interval: '30s',
    at,
    ...extra,
  };
}
