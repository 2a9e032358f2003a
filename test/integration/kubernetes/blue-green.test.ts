// Blue-green on Kubernetes: a Service's selector switched between -blue and -green Deployments
// (kubernetes-service), and an HTTPRoute switched 0 ↔ 100 (gateway-api), against the test apiserver.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCluster, type TestCluster } from '../../harness/kubernetes/index.js';
import { NAMESPACE, runKubeRollout } from './rollout.js';

// A rollout here spawns kubectl a dozen times; on a loaded machine that alone can take tens of seconds.
vi.setConfig({ testTimeout: 120_000 });

const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

const colour = (name: string, image: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web-${name}, namespace: ${NAMESPACE} }
spec:
  replicas: 1
  selector: { matchLabels: { app: web, colour: ${name} } }
  template:
    metadata: { labels: { app: web, colour: ${name} } }
    spec: { containers: [{ name: app, image: "${image}" }] }
---
apiVersion: v1
kind: Service
metadata: { name: web-${name}, namespace: ${NAMESPACE} }
spec:
  selector: { app: web, colour: ${name} }
  ports: [{ port: 80, targetPort: 8080 }]
---`;

const spec = (c: TestCluster, traffic: string) => `
version: 1
strategy: blue-green
environment: production
traffic:
  kubeconfig: ${c.kubeconfig}
  namespace: ${NAMESPACE}
${traffic}
blueGreen:
  rollbackWindow: 300ms
gates:
  errors:
    provider: prometheus
    url: http://127.0.0.1:9
    query: up
    threshold: "> 0"
    interval: 1s
`;

async function cluster(extra = ''): Promise<TestCluster> {
  const c = await startCluster({ namespaces: [NAMESPACE], controllers: { readyAfterMs: 30, acceptAfterMs: 30 } });
  clusters.push(c);
  await c.applyManifests(`${colour('blue', 'ghcr.io/acme/web:1')}${colour('green', 'ghcr.io/acme/web:2')}
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  selector: { app: web, colour: blue }
  ports: [{ port: 80, targetPort: 8080 }]
${extra}`);
  return c;
}
const selector = async (c: TestCluster) =>
  JSON.parse(await c.kubectl(['get', 'service', 'web', '-n', NAMESPACE, '-o', 'jsonpath={.spec.selector}'])) as Record<string, string>;

describe('blue-green on Kubernetes', () => {
  it('Service selector: switches to green, and back to blue when a gate fails in the rollback window', async () => {
    const c = await cluster();
    const traffic = '  provider: kubernetes-service\n  service: web\n  stable: web-blue\n  canary: web-green\n';
    const healthy = await runKubeRollout(spec(c, traffic));
    expect(healthy.result?.outcome).toBe('promoted');
    expect(await selector(c)).toEqual({ app: 'web', colour: 'green' });

    // The next release: green is stable now, blue takes the new version; the gate fails after the switch.
    const failing = await runKubeRollout(
      spec(c, '  provider: kubernetes-service\n  service: web\n  stable: web-green\n  canary: web-blue\n'),
      {
        verdict: (context) => (context.weight === 100 ? 'fail' : 'pass'),
      },
    );
    expect(failing.result?.outcome).toBe('rolled-back');
    expect(failing.weights.map((w) => w.weight)).toEqual([0, 100, 0]);
    expect(await selector(c)).toEqual({ app: 'web', colour: 'green' });
  });

  it('Service selector: a weight between 0 and 100 is refused, saying why', async () => {
    const c = await cluster();
    const canary = spec(c, '  provider: kubernetes-service\n  service: web\n  stable: web-blue\n  canary: web-green\n')
      .replace('strategy: blue-green', 'strategy: canary')
      .replace('blueGreen:\n  rollbackWindow: 300ms\n', 'stages:\n  - { weight: 25, bake: 100ms }\n');
    const run = await runKubeRollout(canary);
    expect(run.result?.state.failure?.reason).toContain(
      'a Service selector switches all or nothing: 25% is not possible (use strategy blue-green)',
    );
    expect(await selector(c)).toEqual({ app: 'web', colour: 'blue' });
  });

  it('HTTPRoute: switches 0 → 100 % between the colour Services once the gateway accepted it', async () => {
    const c = await cluster(`---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  parentRefs: [{ name: public, namespace: infra }]
  rules:
    - backendRefs: [{ name: web-blue, port: 80, weight: 1 }]
`);
    const run = await runKubeRollout(
      spec(c, '  provider: gateway-api\n  route: web\n  stable: web-blue\n  canary: web-green\n  acceptTimeout: 5s\n'),
    );
    expect(run.result?.state.failure).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    const route = JSON.parse(await c.kubectl(['get', 'httproute', 'web', '-n', NAMESPACE, '-o', 'json'])) as {
      spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> };
    };
    expect(route.spec.rules[0]!.backendRefs.map((r) => `${r.name}=${r.weight}`)).toEqual(['web-blue=0', 'web-green=100']);
  });
});
