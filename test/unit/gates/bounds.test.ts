// Issue #16: a metric source or a probed service cannot make a measurement read unbounded data or
// run unbounded time, and the template injection cannot turn a failing gate into a pass.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGate, MAX_PROBE_BODY_BYTES } from '../../../src/gates/http.js';
import { prometheusGate } from '../../../src/gates/prometheus.js';
import { commandGate } from '../../../src/gates/command.js';
import { MAX_BODY_BYTES } from '../../../src/util/body.js';
import { measureContext, providerEnv } from './http-recorder.js';

let server: Server;
let base: string;
const seenQueries: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url!, 'http://x');
    if (url.pathname === '/big') {
      // No content-length: the cap must hold while streaming.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const more = () => {
        while (sent < MAX_PROBE_BODY_BYTES * 3) {
          sent += chunk.length;
          if (!response.write(chunk)) return response.once('drain', more);
        }
        response.end();
      };
      return more();
    }
    if (url.pathname.startsWith('/huge-declared/')) {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) });
      return response.end('{}');
    }
    if (url.pathname === '/slow') return void setTimeout(() => response.end('ok'), 300);
    if (url.pathname === '/api/v1/query') {
      // A Prometheus that answers 1 (errors), or 0 when the query — outside its string literals, as
      // PromQL reads it — multiplies by 0.
      const query = url.searchParams.get('query') ?? '';
      seenQueries.push(query);
      const code = query.replace(/"(?:[^"\\]|\\.)*"/g, 'S');
      const value = /\*\s*0/.test(code) ? '0' : '1';
      response.setHeader('content-type', 'application/json');
      return response.end(
        JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, value] }] } }),
      );
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const http = (fields: Record<string, unknown>) =>
  httpGate.create('probe', httpGate.schema.parse({ provider: 'http', ...fields }), providerEnv({}));

describe('bounded reads and time', () => {
  it('an http probe reads at most MAX_PROBE_BODY_BYTES of a body and fails the probe', async () => {
    const result = await http({ url: `${base}/big`, requests: 1, expect: { json: { ok: true } } }).measure(measureContext(Date.now()));
    expect(result.verdict).toBe('fail');
    expect(result.evidence.summary).toMatch(/0\/1 probes ok.*the answer is over 1048576 bytes/);
  });

  it('a metric source whose answer declares more than MAX_BODY_BYTES is an error, not read', async () => {
    const spec = prometheusGate.schema.parse({ provider: 'prometheus', url: `${base}/huge-declared/`, query: 'up', threshold: '> 0' });
    const result = await prometheusGate.create('p', spec, providerEnv({})).measure(measureContext(Date.now()));
    expect(result.verdict).toBe('error');
    expect(result.evidence.summary).toMatch(/the answer is \d+ bytes; at most 10485760 are read/);
  });

  it('all probes of one measurement end by the deadline (the interval here); the probes not made count as failed', async () => {
    const started = Date.now();
    const result = await http({ url: `${base}/slow`, requests: 40, interval: '1s', timeout: '1s' }).measure(measureContext(Date.now()));
    const took = Date.now() - started;
    // 40 probes of 300 ms would take 12 s; the margin is for a busy machine.
    expect(took).toBeLessThan(6_000);
    expect(result.verdict).toBe('fail');
    expect(result.evidence.summary).toMatch(/measurement deadline \(1s\) reached/);
  });
});

describe("the issue's template injection", () => {
  it('an environment of `self"}) * 0 #` cannot zero a failing PromQL gate (escaped in the query; the spec refuses it too)', async () => {
    const spec = prometheusGate.schema.parse({
      provider: 'prometheus',
      url: base,
      query: 'sum(rate(errors{env="{{environment}}"}[1m]))',
      threshold: '< 0.5',
    });
    const gate = prometheusGate.create('errors', spec, providerEnv({}));
    const result = await gate.measure({ ...measureContext(Date.now()), environment: 'self"}) * 0 #' });
    expect(seenQueries.at(-1)).toBe('sum(rate(errors{env="self\\"}) * 0 #"}[1m]))');
    expect(result.verdict).toBe('fail');
    expect(result.evidence.value).toBe(1);
  });
});

describe('numbers that are no measurement', () => {
  it.each([
    ['pass', 'inconclusive'],
    ['inconclusive', 'inconclusive'],
    ['fail', 'fail'],
  ] as const)('a command printing 1e999 is no data, never a pass (noData: %s → %s)', async (noData, verdict) => {
    const spec = commandGate.schema.parse({ provider: 'command', command: 'echo 1e999', threshold: '> 0', noData });
    const result = await commandGate.create('c', spec, providerEnv({ PATH: process.env.PATH ?? '' })).measure(measureContext(Date.now()));
    expect(result.verdict).toBe(verdict);
    expect(result.evidence.summary).toBe(`1e999 is not a finite number: no data (${verdict})`);
  });
});
