// The far end of a rollout's commands (blue-green deploy/retire, rolling deploy): a control endpoint
// on 127.0.0.1 in the test process, which owns the backend processes, and a script the spec's command
// runs (`node "$DEPLOY_SCRIPT"`). The script posts every ROLLGATE_* variable the rollout gave it —
// values travel as environment variables and JSON, never through a shell string — and exits 1 with
// the answer when the endpoint refuses, so the rollout sees a failed command.
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ROLLGATE_* environment of one command run (ROLLGATE_HOOK, ROLLGATE_TARGET, ROLLGATE_VERSION, …). */
export type DeployCall = Record<string, string>;

export interface DeployControl {
  /** Environment for the spec's command (blueGreen.env / rolling.env): DEPLOY_SCRIPT and DEPLOY_CONTROL. */
  env: { DEPLOY_SCRIPT: string; DEPLOY_CONTROL: string };
  /** Every call, in order, with the time it arrived (performance.now()). */
  calls: Array<{ at: number; call: DeployCall }>;
  close(): Promise<void>;
}

const SCRIPT = `// Written by test/harness/deploy.ts: forwards the rollout's ROLLGATE_* variables to the test.
const call = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('ROLLGATE_')));
const response = await fetch(process.env.DEPLOY_CONTROL, { method: 'POST', body: JSON.stringify(call) });
const text = await response.text();
if (!response.ok) {
  process.stderr.write(text + '\\n');
  process.exit(1);
}
process.stdout.write(text + '\\n');
`;

/** `handle` does the deploy (or retire) and resolves with a line for the log; a throw fails the command. */
export async function startDeployControl(handle: (call: DeployCall) => Promise<string>): Promise<DeployControl> {
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-deploy-'));
  const script = join(dir, 'deploy.mjs');
  await writeFile(script, SCRIPT);
  const calls: DeployControl['calls'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const call = JSON.parse(body) as DeployCall;
      calls.push({ at: performance.now(), call });
      handle(call).then(
        (line) => res.writeHead(200).end(line),
        (error: unknown) => res.writeHead(500).end((error as Error).message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    env: { DEPLOY_SCRIPT: script, DEPLOY_CONTROL: `http://127.0.0.1:${port}/` },
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
