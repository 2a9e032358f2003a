// Istio VirtualService weights (networking.istio.io/v1) against the test apiserver, validated with
// Istio's CRD schema; the real kubectl applies the mesh objects and reads back what Rollgate wrote.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCluster, type TestCluster } from '../../harness/kubernetes/index.js';
import { manifests, NAMESPACE, runKubeRollout } from './rollout.js';

// A rollout here spawns kubectl a dozen times; on a loaded machine that alone can take tens of seconds.
vi.setConfig({ testTimeout: 120_000 });

const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON, read loosely by assertions
type Json = Record<string, any>;
const mesh = (subset?: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  host: web
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  hosts: [shop.example.com]
  gateways: [infra/public]
  http:
    - name: api
      match: [{ uri: { prefix: /api } }]
      route:
        - destination: { host: web.${NAMESPACE}.svc.cluster.local, ${subset ? `subset: ${subset}, ` : ''}port: { number: 80 } }
    - name: static
      route:
        - destination: { host: assets }
`;

async function cluster(subset?: string): Promise<TestCluster> {
  const c = await startCluster({ namespaces: [NAMESPACE], controllers: { readyAfterMs: 30 } });
  clusters.push(c);
  await c.applyManifests(manifests() + '---\n' + mesh(subset));
  return c;
}

const istioSpec = (c: TestCluster, traffic: string) => `
version: 1
strategy: canary
environment: production
traffic:
  provider: istio
  kubeconfig: ${c.kubeconfig}
  namespace: ${NAMESPACE}
  virtualService: web
${traffic}
stages:
  - { weight: 20, bake: 200ms }
  - { weight: 100 }
gates:
  errors:
    provider: prometheus
    url: http://127.0.0.1:9
    query: up
    threshold: "> 0"
    interval: 1s
`;
const routes = async (c: TestCluster) => {
  const vs = JSON.parse(await c.kubectl(['get', 'virtualservice', 'web', '-n', NAMESPACE, '-o', 'json'])) as Json;
  return (vs.spec.http as Json[]).map((h) =>
    (h.route as Json[]).map((r) => `${r.destination.host}${r.destination.subset ? `/${r.destination.subset}` : ''}=${r.weight ?? '-'}`),
  );
};

describe('istio', () => {
  it('by host with a workload: the canary Service becomes a weighted destination; promotion returns 100 % to stable', async () => {
    const c = await cluster();
    let during: string[][] = [];
    const run = await runKubeRollout(
      istioSpec(c, `  stable: web\n  canary: web-canary\n  workload: { deployment: web, image: ghcr.io/acme/web:2.0.0, timeout: 10s }\n`),
      {
        async verdict(context) {
          if (context.weight === 20 && !during.length) during = await routes(c);
          return 'pass' as const;
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    expect(during).toEqual([[`web.${NAMESPACE}.svc.cluster.local=80`, 'web-canary=20'], ['assets=-']]);
    expect(await routes(c)).toEqual([[`web.${NAMESPACE}.svc.cluster.local=100`, 'web-canary=0'], ['assets=-']]);
    expect(
      JSON.parse(await c.kubectl(['get', 'deployments', '-n', NAMESPACE, '-o', 'json'])).items.map((d: Json) => d.metadata.name),
    ).toEqual(['web']);
  });

  it('by DestinationRule subset: v2 added beside v1 and weighted; a failing gate takes it back to 0 %', async () => {
    const c = await cluster('v1');
    let during: string[][] = [];
    const run = await runKubeRollout(istioSpec(c, `  host: web\n  stable: v1\n  canary: v2\n  routes: [api]\n`), {
      async verdict() {
        during = await routes(c);
        return 'fail' as const;
      },
    });
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.weights.map((w) => w.weight)).toEqual([20, 0]);
    const host = `web.${NAMESPACE}.svc.cluster.local`;
    expect(during).toEqual([[`${host}/v1=80`, `${host}/v2=20`], ['assets=-']]);
    expect(await routes(c)).toEqual([[`${host}/v1=100`, `${host}/v2=0`], ['assets=-']]);
  });

  it('a subset the DestinationRule lacks is refused before any change, naming the subsets there are', async () => {
    const c = await cluster('v1');
    const before = await routes(c);
    const run = await runKubeRollout(istioSpec(c, `  host: web\n  stable: v1\n  canary: v3\n`));
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.result?.state.failure?.reason).toContain(`DestinationRule ${NAMESPACE}/web has no subset v3 (subsets: v1, v2)`);
    expect(await routes(c)).toEqual(before);
  });

  it('a workload with subset mode is refused in the spec, at its place', async () => {
    const c = await cluster('v1');
    await expect(
      runKubeRollout(istioSpec(c, `  host: web\n  stable: v1\n  canary: v2\n  workload: { deployment: web, image: ghcr.io/acme/web:2 }\n`)),
    ).rejects.toThrow(/traffic\.workload.*a workload needs host mode/);
  });
});
