// The test apiserver held to what real clients expect: kubectl (client-go) and Rollgate's client
// talk to it as to a cluster, and it refuses what a real apiserver refuses.
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { CA_DATA, startCluster, type TestCluster } from '../../harness/kubernetes/index.js';
import { connect } from '../../../src/traffic/kubernetes/client.js';
import { manifests, NAMESPACE } from './rollout.js';

// A rollout here spawns kubectl a dozen times; on a loaded machine that alone can take tens of seconds.
vi.setConfig({ testTimeout: 120_000 });

const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});
const quiet = { info() {}, warn() {}, debug() {}, mask() {} };

describe('the test apiserver, as kubectl sees it', () => {
  it('refuses an object its schema refuses (422), a stale resourceVersion (409), a conflicting apply (409), a missing verb (403)', async () => {
    const c = await startCluster({
      namespaces: [NAMESPACE],
      identities: {
        'viewer-token': {
          user: 'viewer',
          rules: [{ apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list'] }],
        },
      },
    });
    clusters.push(c);
    await c.applyManifests(manifests());
    // Gateway API's schema: a weight is 0..1,000,000.
    await expect(c.applyManifests(manifests().replace('weight: 100', 'weight: -5'))).rejects.toThrow(
      /HTTPRoute.* is invalid: .*weight must be >= 0/,
    );
    // Optimistic concurrency: a replace with an old resourceVersion.
    const route = JSON.parse(await c.kubectl(['get', 'httproute', 'web', '-n', NAMESPACE, '-o', 'json'])) as {
      metadata: Record<string, unknown>;
    };
    await c.kubectl(['annotate', 'httproute', 'web', '-n', NAMESPACE, 'team=shop']);
    await expect(c.kubectl(['replace', '-f', '-'], JSON.stringify(route))).rejects.toThrow(
      /the object has been modified; please apply your changes to the latest version/,
    );
    // Field managers: another manager applying a different value conflicts, naming the owner; --force-conflicts takes it.
    const other = manifests().replace('weight: 100', 'weight: 90');
    await expect(c.applyManifests(other, 'argocd-controller')).rejects.toThrow(/conflict with "kubectl".*\.spec\.rules/s);
    await c.kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=argocd-controller', '-f', '-'], other);
    const after = JSON.parse(await c.kubectl(['get', 'httproute', 'web', '-n', NAMESPACE, '-o', 'json', '--show-managed-fields'])) as {
      spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> };
      metadata: { managedFields: Array<{ manager: string; fieldsV1: Record<string, Record<string, unknown>> }> };
    };
    expect(after.spec.rules[0]!.backendRefs[0]!.weight).toBe(90);
    expect(after.metadata.managedFields.find((m) => m.manager === 'argocd-controller')?.fieldsV1['f:spec']).toHaveProperty('f:rules');
    expect(after.metadata.managedFields.find((m) => m.manager === 'kubectl')?.fieldsV1['f:spec']).not.toHaveProperty('f:rules');
    // RBAC: the apiserver's own sentence.
    await expect(c.kubectl(['--context', 'viewer', 'delete', 'httproute', 'web', '-n', NAMESPACE])).rejects.toThrow(
      'httproutes.gateway.networking.k8s.io "web" is forbidden: User "viewer" cannot delete resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "shop"',
    );
  });

  it('Rollgate authenticates with an exec credential plugin, as EKS and GKE kubeconfigs do', async () => {
    const c = await startCluster({ namespaces: [NAMESPACE], identities: { 'token-from-plugin': { user: 'eks-user' } } });
    clusters.push(c);
    await c.applyManifests(manifests());
    const plugin = join(c.dir, 'get-token');
    await writeFile(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-from-plugin"}}'\n`,
    );
    await chmod(plugin, 0o755);
    const kubeconfig = join(c.dir, 'exec-kubeconfig');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'eks', cluster: { server: c.url, 'certificate-authority-data': CA_DATA } }],
        users: [
          { name: 'ci', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } } },
        ],
        contexts: [{ name: 'eks', context: { cluster: 'eks', user: 'ci', namespace: NAMESPACE } }],
        'current-context': 'eks',
      }),
    );
    const client = await connect({ fieldManager: 'rollgate' }, { env: { KUBECONFIG: kubeconfig }, log: quiet, cwd: c.dir });
    expect(client.namespace).toBe(NAMESPACE);
    expect((await client.read('gateway.networking.k8s.io/v1', 'HTTPRoute', 'web'))?.metadata.name).toBe('web');
    expect(c.server.requests.some((r) => r.user === 'eks-user' && r.path.includes('/httproutes/web'))).toBe(true);
  });

  it('an apiserver that trickles its answer is cut off at requestTimeout, not waited on forever', async () => {
    const tls = (file: string) => readFileSync(new URL(`../../fixtures/kubernetes/${file}`, import.meta.url));
    const ticks = new Set<NodeJS.Timeout>();
    // Headers at once, then a byte every 50 ms (bounded: 200 bytes): a socket idle timeout never fires.
    const server = createServer({ cert: tls('server.crt'), key: tls('server.key') }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const tick = setInterval(() => (++sent > 200 ? (clearInterval(tick), res.end()) : res.write(' ')), 50);
      ticks.add(tick);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = await mkdtemp(join(tmpdir(), 'rollgate-k8s-slow-'));
      const kubeconfig = join(dir, 'kubeconfig');
      const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
      await writeFile(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'slow', cluster: { server: url, 'certificate-authority-data': CA_DATA } }],
          users: [{ name: 'ci', user: { token: 't' } }],
          contexts: [{ name: 'slow', context: { cluster: 'slow', user: 'ci', namespace: NAMESPACE } }],
          'current-context': 'slow',
        }),
      );
      const client = await connect(
        { fieldManager: 'rollgate', requestTimeout: '300ms' },
        { env: { KUBECONFIG: kubeconfig }, log: quiet, cwd: dir },
      );
      await expect(client.read('v1', 'Service', 'web')).rejects.toThrow(/the apiserver did not answer GET \/api\/v1 within 300ms/);
    } finally {
      for (const tick of ticks) clearInterval(tick);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('no credentials, a missing context: clear errors before any request', async () => {
    await expect(connect({ fieldManager: 'rollgate' }, { env: {}, log: quiet, cwd: '/' })).rejects.toThrow(
      'no Kubernetes credentials: set KUBECONFIG (or traffic.kubeconfig), or run inside a cluster',
    );
    const c = await startCluster();
    clusters.push(c);
    await expect(
      connect({ fieldManager: 'rollgate', context: 'prod' }, { env: { KUBECONFIG: c.kubeconfig }, log: quiet, cwd: '/' }),
    ).rejects.toThrow('kubeconfig has no context "prod" (contexts: test)');
  });
});
