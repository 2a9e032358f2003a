// The front door clients talk to. Prism negotiates on Accept, and GitHub's media types
// (application/vnd.github+json, what Octokit sends) are not in the description's content map, so
// the front rewrites Accept to application/json and passes everything else through untouched.
// GraphQL goes straight to the fake (it validates documents against GitHub's schema itself).
// The front also keeps the request log (REST calls per rollout) and every violation Prism found.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Violation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

export interface Front {
  url: string;
  /** REST requests as clients sent them (GraphQL excluded). */
  rest: Array<{ method: string; path: string; status: number }>;
  graphql: number;
  violations: Violation[];
  stop(): Promise<void>;
}

export async function startFront(prismUrl: string, fakeUrl: string): Promise<Front> {
  const rest: Front['rest'] = [];
  const violations: Violation[] = [];
  let graphql = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    const toFake = path.startsWith('/graphql');
    if (toFake) graphql += 1;
    const target = new URL(path, toFake ? fakeUrl : prismUrl);
    const headers = { ...req.headers, host: target.host, ...(toFake ? {} : { accept: 'application/json' }) };
    const upstream = request(target, { method: req.method, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        let status = answer.statusCode ?? 502;
        const prismError = !toFake && String(answer.headers['content-type']).includes('application/problem+json');
        if (prismError) {
          violations.push({ method: req.method ?? 'GET', path, status, problem: body.toString('utf8') });
          // Not a 5xx: the client must not retry what the contract refused; the test reads `violations`.
          status = 422;
        }
        if (!toFake) rest.push({ method: req.method ?? 'GET', path, status });
        const out = { ...answer.headers };
        delete out['content-length'];
        delete out['transfer-encoding'];
        res.writeHead(status, out);
        res.end(body);
      });
    });
    upstream.on('error', (error) => {
      violations.push({ method: req.method ?? 'GET', path, status: 502, problem: `front could not reach upstream: ${error.message}` });
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    rest,
    get graphql() {
      return graphql;
    },
    violations,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
