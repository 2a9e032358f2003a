// A Kubernetes for tests: the test apiserver, its simulated controllers, a kubeconfig for it, and the
// real kubectl (an independent client) pointed at it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { existsSync, readFileSync } from 'node:fs';
import { TestApiserver, type Identity } from './apiserver.js';
import { startControllers, type ControllerOptions, type Controllers } from './controllers.js';

export { TestApiserver } from './apiserver.js';
export { podTemplateHash } from './controllers.js';

export const KUBECTL_BINARY = '/usr/bin/kubectl';
/** The test CA (test/fixtures/kubernetes/ca.crt), base64 as a kubeconfig carries it. */
export const CA_DATA = readFileSync(new URL('../../fixtures/kubernetes/ca.crt', import.meta.url)).toString('base64');
export const ADMIN_TOKEN = 'admin-token-for-tests';

export interface TestCluster {
  server: TestApiserver;
  controllers: Controllers;
  url: string;
  dir: string;
  /** A kubeconfig with the admin user (context "test") and one context per extra identity. */
  kubeconfig: string;
  /** Runs the real kubectl against the server; resolves with stdout, rejects with stderr. */
  kubectl(args: string[], input?: string): Promise<string>;
  /** Applies YAML manifests as a user does: `kubectl apply --server-side`. */
  applyManifests(yaml: string, fieldManager?: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startCluster(
  options: { controllers?: ControllerOptions; identities?: Record<string, Identity>; namespaces?: string[] } = {},
): Promise<TestCluster> {
  if (!existsSync(KUBECTL_BINARY))
    throw new Error(
      `${KUBECTL_BINARY} is missing: the Kubernetes tests drive the test apiserver with the real kubectl (Debian: apt-get install kubernetes-client)`,
    );
  const kubectlBinary = KUBECTL_BINARY;
  const tokens: Record<string, Identity> = { [ADMIN_TOKEN]: { user: 'admin' }, ...(options.identities ?? {}) };
  const server = new TestApiserver({ tokens });
  const url = await server.start();
  const controllers = startControllers(server, options.controllers);
  for (const name of options.namespaces ?? [])
    server.put(server.type('Namespace'), undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, 'test');
  const dir = await mkdtemp(join(tmpdir(), 'rollgate-k8s-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const users = Object.entries(tokens).map(([token, identity]) => ({ name: identity.user, user: { token } }));
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': CA_DATA } }],
      users,
      contexts: users.map((u) => ({
        name: u.name === 'admin' ? 'test' : u.name,
        context: { cluster: 'test', user: u.name, namespace: 'default' },
      })),
      'current-context': 'test',
    }),
  );
  const kubectl = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        kubectlBinary,
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
        { timeout: 20_000, env: { PATH: process.env.PATH ?? '', HOME: dir } },
        (error, stdout, stderr) => (error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout)),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  return {
    server,
    controllers,
    url,
    dir,
    kubeconfig,
    kubectl,
    applyManifests: (yaml, fieldManager = 'kubectl') =>
      kubectl(['apply', '--server-side', `--field-manager=${fieldManager}`, '-f', '-'], yaml),
    async stop() {
      controllers.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
