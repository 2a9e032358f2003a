// A real AWS emulator for tests: `moto_server` (Python moto, on the machine image) on 127.0.0.1 with a
// free port, behind a small front that can answer chosen AWS actions with a throttling error first
// (moto never throttles), and that checks a Lambda alias's RevisionId as Lambda does (moto ignores it
// and never changes it). The real AWS SDK v3 clients are pointed at `endpoint`, so every request is
// really signed, serialised and parsed. Missing binary → a clear error (the test fails, it does not skip).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './prometheus.js';
import { waitUntil } from './wait.js';

export const MOTO_BINARY = process.env.MOTO_SERVER ?? 'moto_server';
export const MOTO_REGION = 'eu-west-1';
/** moto's default account, and credentials it accepts while IAM is not enforced. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** How a throttled answer looks in each AWS protocol the providers use. */
export type ThrottleProtocol = 'query' | 'rest-json' | 'json';

export interface Moto {
  /** The front's URL: give it to the SDK clients as `endpoint`. */
  endpoint: string;
  /** moto itself, bypassing the front. */
  direct: string;
  /** The actions (e.g. "ModifyListener", "UpdateAlias") the front saw, in order. */
  actions: string[];
  /** The next `times` requests of `action` are answered with a throttling error instead of reaching moto. */
  throttle(action: string, times: number, protocol: ThrottleProtocol): void;
  /** Every request the front saw: its action and body. */
  requests: Array<{ action: string; body: string }>;
  /** The next `times` requests of `action` get this AWS JSON 1.0 answer instead of moto's (queued after earlier ones). */
  answer(action: string, times: number, reply: { status?: number; json: unknown }): void;
  /** Runs `step` (e.g. someone else's change) once, just before the next `action` is handled. */
  beforeAction(action: string, step: () => Promise<unknown>): void;
  /** Empties moto (every service) and the action log. */
  reset(): Promise<void>;
  /** From now on every request must be signed by an IAM user whose policies allow its action (`false` turns it off). */
  enforceIam(on: boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  if (spawnSync('sh', ['-c', `command -v ${MOTO_BINARY}`]).status !== 0) {
    throw new Error(`${MOTO_BINARY} not found: install it with "pip install 'moto[server]'" (or set MOTO_SERVER to its path)`);
  }
  const port = await freePort();
  const direct = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(MOTO_BINARY, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4_000)));
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  const stopMoto = async () => {
    if (!running) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntil(async () => {
      if (!running) throw new Error(`moto_server exited at start:\n${log}`);
      const response = await fetch(`${direct}/moto-api/`).catch(() => undefined);
      await response?.body?.cancel();
      return response !== undefined;
    }, 30_000);
  } catch (error) {
    await stopMoto();
    throw new Error(`moto_server did not start on ${direct}: ${(error as Error).message}\n${log}`);
  }

  const actions: string[] = [];
  const requests: Array<{ action: string; body: string }> = [];
  const canned = new Map<string, Array<{ status?: number; json: unknown }>>();
  const throttled = new Map<string, { times: number; protocol: ThrottleProtocol }>();
  const before = new Map<string, () => Promise<unknown>>();
  /** RevisionId per Lambda alias path, as the front keeps it. */
  const revisions = new Map<string, string>();
  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((resolve, reject) => {
      const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.once('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }));
        answer.once('error', reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  const relay = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const action = actionOf(req, body);
    actions.push(action);
    requests.push({ action, body: body.toString() });
    const step = before.get(action);
    if (step) {
      before.delete(action);
      await step();
    }
    const throttle = throttled.get(action);
    if (throttle && throttle.times > 0) {
      throttle.times--;
      answerThrottled(res, throttle.protocol);
      return;
    }
    const reply = canned.get(action)?.shift();
    if (reply) {
      res
        .writeHead(reply.status ?? 200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'front' })
        .end(JSON.stringify(reply.json));
      return;
    }
    const alias = /\/functions\/[^/]+\/aliases\/[^/?]+/.exec(req.url ?? '')?.[0];
    if (alias && action === 'UpdateAlias') {
      const given = (JSON.parse(body.toString() || '{}') as { RevisionId?: string }).RevisionId;
      if (given !== undefined && revisions.has(alias) && given !== revisions.get(alias)) {
        res
          .writeHead(412, {
            'content-type': 'application/json',
            'x-amzn-errortype': 'PreconditionFailedException',
            'x-amzn-requestid': 'front',
          })
          .end(
            JSON.stringify({
              Type: 'User',
              message:
                'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
            }),
          );
        return;
      }
    }
    const answer = await forward(req, body);
    let out = answer.body;
    if (alias && answer.status < 300 && ['UpdateAlias', 'GetAlias', 'CreateAlias'].includes(action)) {
      if (action !== 'GetAlias' || !revisions.has(alias)) revisions.set(alias, randomUUID());
      const json = JSON.parse(out.toString()) as Record<string, unknown>;
      out = Buffer.from(JSON.stringify({ ...json, RevisionId: revisions.get(alias) }));
    }
    const headers = { ...answer.headers, 'content-length': String(out.length) };
    delete headers['transfer-encoding'];
    res.writeHead(answer.status, headers).end(out);
  };
  const front: Server = createServer((req, res) => {
    relay(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502).end(String(error));
    });
  });
  const frontPort = await freePort();
  await new Promise<void>((resolve) => front.listen(frontPort, '127.0.0.1', resolve));

  const post = async (path: string, body: string) => {
    const response = await fetch(`${direct}${path}`, { method: 'POST', body });
    if (!response.ok) throw new Error(`moto ${path}: ${response.status} ${await response.text()}`);
    await response.body?.cancel();
  };

  return {
    endpoint: `http://127.0.0.1:${frontPort}`,
    direct,
    actions,
    throttle(action, times, protocol) {
      throttled.set(action, { times, protocol });
    },
    requests,
    answer(action, times, reply) {
      canned.set(action, [...(canned.get(action) ?? []), ...Array.from({ length: times }, () => reply)]);
    },
    beforeAction(action, step) {
      before.set(action, step);
    },
    async reset() {
      actions.length = 0;
      requests.length = 0;
      canned.clear();
      throttled.clear();
      before.clear();
      revisions.clear();
      await post('/moto-api/reset-auth', 'inf');
      await post('/moto-api/reset', '');
    },
    enforceIam: (on) => post('/moto-api/reset-auth', on ? '0' : 'inf'),
    async close() {
      await new Promise<void>((resolve) => front.close(() => resolve()));
      front.closeAllConnections();
      await stopMoto();
    },
  };
}

/** The AWS action of a request: X-Amz-Target (JSON), Action= (query), or the REST path (Lambda). */
function actionOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').pop()!;
  const query = new URLSearchParams(req.url?.split('?')[1] ?? '');
  const form = new URLSearchParams(req.headers['content-type']?.includes('x-www-form-urlencoded') ? body.toString() : '');
  const action = form.get('Action') ?? query.get('Action');
  if (action) return action;
  // Lambda's REST paths: /2015-03-31/functions/{name}/aliases/{alias} and friends.
  const path = (req.url ?? '').split('?')[0]!;
  if (/\/functions\/[^/]+\/aliases\/[^/]+$/.test(path))
    return req.method === 'PUT' ? 'UpdateAlias' : req.method === 'GET' ? 'GetAlias' : 'DeleteAlias';
  if (/\/functions\/[^/]+\/aliases$/.test(path)) return req.method === 'POST' ? 'CreateAlias' : 'ListAliases';
  if (/\/functions\/[^/]+\/versions$/.test(path)) return req.method === 'POST' ? 'PublishVersion' : 'ListVersionsByFunction';
  if (/\/functions\/[^/]+\/configuration$/.test(path)) return 'GetFunctionConfiguration';
  return `${req.method} ${path}`;
}

function answerThrottled(res: ServerResponse, protocol: ThrottleProtocol): void {
  const requestId = 'throttled-by-test-front';
  if (protocol === 'query') {
    res
      .writeHead(400, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId })
      .end(
        `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
  } else if (protocol === 'rest-json') {
    res
      .writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException', 'x-amzn-requestid': requestId })
      .end(JSON.stringify({ message: 'Rate exceeded', Reason: 'CallerRateLimitExceeded', Type: 'User' }));
  } else {
    res
      .writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId })
      .end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
  }
}
