// Canary with a workload on the Gateway API, against the test apiserver (validated objects,
// simulated Deployment and gateway controllers) with the real kubectl as the user's client: it applies
// the team's manifests and reads back what Rollgate wrote.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCluster, type TestCluster } from '../../harness/kubernetes/index.js';
import type { ControllerOptions } from '../../harness/kubernetes/controllers.js';
import { gatewaySpec, manifests, memoryStore, NAMESPACE, runKubeRollout } from './rollout.js';

// A rollout here spawns kubectl a dozen times; on a loaded machine that alone can take tens of seconds.
vi.setConfig({ testTimeout: 120_000 });

const clusters: TestCluster[] = [];
afterEach(async () => {
  for (const c of clusters.splice(0)) await c.stop();
});

async function cluster(controllers: ControllerOptions = {}, options: Parameters<typeof startCluster>[0] = {}): Promise<TestCluster> {
  const c = await startCluster({
    namespaces: [NAMESPACE],
    controllers: { readyAfterMs: 30, acceptAfterMs: 30, ...controllers },
    ...options,
  });
  clusters.push(c);
  await c.applyManifests(manifests());
  return c;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- kubectl's JSON, read loosely by assertions
type Json = Record<string, any>;
const get = async (c: TestCluster, what: string[]) => JSON.parse(await c.kubectl(['get', ...what, '-n', NAMESPACE, '-o', 'json'])) as Json;
const refs = (route: Json, rule: number) => (route.spec.rules[rule].backendRefs as Json[]).map((r) => `${r.name}=${r.weight}`);
const names = async (c: TestCluster, kind: string) => ((await get(c, [kind])).items as Json[]).map((o) => o.metadata.name as string).sort();

describe('gateway-api with a canary workload', () => {
  it('promotes: canary made from the stable Deployment, weights shifted and accepted, image promoted, canary deleted', async () => {
    const c = await cluster();
    const seen: Json[] = [];
    const run = await runKubeRollout(gatewaySpec(c), {
      async verdict(context) {
        if (context.weight === 10 && !seen.length) {
          seen.push(
            ...(await Promise.all([
              get(c, ['httproute', 'web']),
              get(c, ['deployment', 'web-canary']),
              get(c, ['pods']),
              get(c, ['service', 'web-canary']),
            ])),
          );
        }
        return 'pass' as const;
      },
    });
    expect(run.error).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    expect(run.weights.map((w) => w.weight)).toEqual([10, 50, 100]);

    // At 10 %, as kubectl saw it: the canary backendRef added beside stable, the /static rule untouched.
    const [route, canary, pods, canaryService] = seen as [Json, Json, Json, Json];
    expect(refs(route, 0)).toEqual(['web=90', 'web-canary=10']);
    expect(refs(route, 1)).toEqual(['assets=1']);
    expect(route.status.parents[0].conditions.find((x: Json) => x.type === 'Accepted')).toMatchObject({
      status: 'True',
      observedGeneration: route.metadata.generation,
    });
    // The canary's pods carry app=web-canary: the stable Service (app=web) never selects them.
    expect(canary.spec.selector.matchLabels).toEqual({ app: 'web-canary', 'rollgate.dev/track': 'canary' });
    // Argo CD's tracking label is not copied: Argo would prune the canary as its own.
    expect(canary.metadata.labels).toEqual({ app: 'web-canary', team: 'shop', 'rollgate.dev/track': 'canary' });
    expect(canary.spec.template.spec.containers.map((x: Json) => x.image)).toEqual([
      'ghcr.io/acme/web:2.0.0',
      'ghcr.io/acme/log-shipper:3',
    ]);
    expect(canaryService.spec.selector).toEqual({ app: 'web-canary', 'rollgate.dev/track': 'canary' });
    const canaryPods = (pods.items as Json[]).filter((p) => p.metadata.labels.app === 'web-canary');
    expect(canaryPods).toHaveLength(1);
    // Gates got the namespace and the canary pods' template hash.
    const context = run.measured[0]!;
    expect(context.values).toMatchObject({
      namespace: NAMESPACE,
      canaryPodTemplateHash: canaryPods[0]!.metadata.labels['pod-template-hash'],
    });

    // After promotion: stable runs the new image (the sidecar, ports and env kept), takes 100 % again,
    // and the canary Deployment and Service are gone.
    const after = await get(c, ['httproute', 'web']);
    expect(refs(after, 0)).toEqual(['web=100', 'web-canary=0']);
    const web = await get(c, ['deployment', 'web']);
    expect(web.spec.template.spec.containers).toMatchObject([
      {
        name: 'app',
        image: 'ghcr.io/acme/web:2.0.0',
        ports: [{ containerPort: 8080, name: 'http' }],
        env: [{ name: 'MODE', value: 'production' }],
      },
      { name: 'sidecar', image: 'ghcr.io/acme/log-shipper:3' },
    ]);
    expect(await names(c, 'deployments')).toEqual(['web']);
    expect(await names(c, 'services')).toEqual(['web']);

    // GitOps sees who owns the weights: re-applying the old manifest conflicts with "rollgate".
    const managed = JSON.parse(
      await c.kubectl(['get', 'httproute', 'web', '-n', NAMESPACE, '-o', 'json', '--show-managed-fields']),
    ) as Json;
    expect(managed.metadata.managedFields.find((m: Json) => m.manager === 'rollgate')).toMatchObject({
      operation: 'Apply',
      fieldsV1: { 'f:spec': { 'f:rules': {} } },
    });
    await expect(c.applyManifests(manifests())).rejects.toThrow(/conflict with "rollgate".*\.spec\.rules/s);
  });

  it('a failing gate: traffic back to 0 % first, then the canary is deleted; stable keeps its image', async () => {
    const c = await cluster();
    const run = await runKubeRollout(gatewaySpec(c), { verdict: (context) => (context.weight === 50 ? 'fail' : 'pass') });
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.weights).toEqual([
      { weight: 10, rollback: false },
      { weight: 50, rollback: false },
      { weight: 0, rollback: true },
    ]);
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=100', 'web-canary=0']);
    expect((await get(c, ['deployment', 'web'])).spec.template.spec.containers[0].image).toBe('ghcr.io/acme/web:1.0.0');
    expect(await names(c, 'deployments')).toEqual(['web']);
    expect(await names(c, 'services')).toEqual(['web']);
    // The route went to 0 % before the canary's Deployment was deleted.
    const writes = c.server.requests.filter((r) => r.method !== 'GET' && r.user === 'admin' && !r.path.includes('fieldManager=kubectl&'));
    const lastRoute = writes.map((r) => r.path).findLastIndex((p) => p.includes('/httproutes/web'));
    const deleteCanary = writes.findIndex((r) => r.method === 'DELETE' && r.path.includes('/deployments/web-canary'));
    expect(lastRoute).toBeGreaterThanOrEqual(0);
    expect(deleteCanary).toBeGreaterThan(lastRoute);
  });

  it.each([
    ['ImagePullBackOff', /ImagePullBackOff: Back-off pulling image "ghcr.io\/acme\/web:2.0.0"/],
    [
      'CrashLoopBackOff',
      /CrashLoopBackOff: back-off 10s restarting failed container=app.*last exit 1: panic: config file \/etc\/app.yaml not found/,
    ],
  ] as const)('a canary that never becomes ready (%s): a clear error, no traffic moved, canary deleted', async (failure, message) => {
    const c = await cluster({ failingImages: { 'ghcr.io/acme/web:2.0.0': failure } });
    const routeBefore = await get(c, ['httproute', 'web']);
    const run = await runKubeRollout(gatewaySpec(c));
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.result?.state.failure?.reason).toMatch(message);
    expect(run.result?.state.failure?.reason).toContain(`Deployment ${NAMESPACE}/web-canary cannot become available`);
    expect(run.weights).toEqual([{ weight: 0, rollback: true }]);
    const routeAfter = await get(c, ['httproute', 'web']);
    expect(routeAfter.metadata.resourceVersion).toBe(routeBefore.metadata.resourceVersion);
    expect(await names(c, 'deployments')).toEqual(['web']);
  });

  it('the image from the environment (imageEnv), checked as strictly as one in the spec', async () => {
    const c = await cluster();
    const spec = gatewaySpec(c, {
      workload: '  workload: { deployment: web, imageEnv: IMAGE, timeout: 10s }\n',
      stages: '  - { weight: 100 }',
    });
    const hostile = await runKubeRollout(spec, { env: { IMAGE: 'web:2; rm -rf /' } });
    expect(hostile.result?.state.failure?.reason).toContain(
      'traffic.workload.imageEnv: IMAGE is not an image reference ("web:2; rm -rf /")',
    );
    expect(await names(c, 'deployments')).toEqual(['web']);
    const run = await runKubeRollout(spec, { env: { IMAGE: 'ghcr.io/acme/web:2.1.0' } });
    expect(run.result?.outcome).toBe('promoted');
    expect((await get(c, ['deployment', 'web'])).spec.template.spec.containers[0].image).toBe('ghcr.io/acme/web:2.1.0');
  });

  it('the new version as a manifest file: its whole pod template is the canary, then the stable; a bad one moves nothing', async () => {
    const c = await cluster();
    const manifest = (labels: string, image = 'ghcr.io/acme/web:3.0.0') => `---
apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { a: b }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
      containers:
        - { name: app, image: "${image}", env: [{ name: MODE, value: next }] }
        - { name: sidecar, image: ghcr.io/acme/log-shipper:4 }
`;
    const file = join(c.dir, 'web.yaml');
    const spec = gatewaySpec(c, {
      workload: `  workload: { deployment: web, manifest: ${file}, timeout: 10s }\n`,
      stages: '  - { weight: 100 }',
    });

    await writeFile(file, manifest('team: shop'));
    const unlabelled = await runKubeRollout(spec);
    expect(unlabelled.result?.state.failure?.reason).toContain(
      `traffic.workload.manifest ${file}: the pod labels lack app=web, which Deployment web selects on`,
    );
    await writeFile(file, manifest('app: web', 'web:3; rm -rf /'));
    const hostile = await runKubeRollout(spec);
    expect(hostile.result?.state.failure?.reason).toContain('container "app" has no image reference');
    expect(await names(c, 'deployments')).toEqual(['web']);
    expect(unlabelled.weights.concat(hostile.weights).filter((w) => w.weight > 0)).toEqual([]);

    await writeFile(file, manifest('app: web, team: shop'));
    let canary: Json | undefined;
    const run = await runKubeRollout(spec, {
      async verdict() {
        canary ??= await get(c, ['deployment', 'web-canary']);
        return 'pass' as const;
      },
    });
    expect(run.result?.state.failure).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    const containers = (d: Json) =>
      (d.spec.template.spec.containers as Json[]).map((x) => `${x.name} ${x.image} ${JSON.stringify(x.env ?? [])}`);
    const next = ['app ghcr.io/acme/web:3.0.0 [{"name":"MODE","value":"next"}]', 'sidecar ghcr.io/acme/log-shipper:4 []'];
    expect(containers(canary!)).toEqual(next);
    expect(canary!.spec.template.metadata.labels).toMatchObject({ app: 'web-canary', team: 'shop' });
    const stable = await get(c, ['deployment', 'web']);
    expect(containers(stable)).toEqual(next);
    // Replaced, not merged: the port the team's earlier apply set is gone with the manifest that dropped it.
    expect(stable.spec.template.spec.containers[0].ports).toBeUndefined();
    expect(stable.spec.template.metadata.labels).toEqual({ app: 'web', team: 'shop' });
    expect(await names(c, 'deployments')).toEqual(['web']);
  });

  it("ProgressDeadlineExceeded is reported with the Deployment's own message", async () => {
    const c = await cluster({ failingImages: { 'ghcr.io/acme/web:2.0.0': 'ImagePullBackOff' }, progressDeadlineMs: 50 });
    // A pod state Rollgate does not know as stuck: only the Deployment's condition says it.
    c.server.onWrite((type, _key, stored) => {
      const statuses = (stored?.object.status as Json | undefined)?.containerStatuses as Json[] | undefined;
      if (type.kind === 'Pod' && statuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff')
        statuses[0]!.state.waiting.reason = 'ContainerCreating';
    });
    const run = await runKubeRollout(gatewaySpec(c));
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.result?.state.failure?.reason).toMatch(
      /web-canary cannot progress: ProgressDeadlineExceeded \(ReplicaSet "web-canary-\w+" has timed out progressing\.\)/,
    );
  });
});

describe('gateway-api: someone else, a gateway, a crash, RBAC', () => {
  it('drift: a weight another field manager changed mid-rollout is not overwritten; the rollout pauses for a human', async () => {
    const c = await cluster();
    let patched = false;
    const run = await runKubeRollout(gatewaySpec(c), {
      async verdict(context) {
        if (context.weight === 10 && !patched) {
          patched = true;
          // An on-call engineer moves the canary to 30 % by hand.
          await c.kubectl([
            'patch',
            'httproute',
            'web',
            '-n',
            NAMESPACE,
            '--type=json',
            '--field-manager=hotfix',
            '-p',
            '[{"op":"replace","path":"/spec/rules/0/backendRefs/1/weight","value":30},{"op":"replace","path":"/spec/rules/0/backendRefs/0/weight","value":70}]',
          ]);
        }
        return 'pass' as const;
      },
    });
    expect(patched).toBe(true);
    // The driver reads the route back at every check: the rollout pauses for a human (onDrift: pause),
    // never 50 %, and the hand-set weight stays as it is.
    expect(run.result?.outcome).toBe('paused');
    expect(run.result?.state.pause?.kind).toBe('drift');
    expect(run.result?.state.pause?.reason).toMatch(/drift: the router sends 30% to web-canary, but this rollout set 10%/);
    expect(run.weights.map((w) => w.weight)).toEqual([10]);
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=70', 'web-canary=30']);
  });

  it('a status write between its read and its write (a gateway reporting) is read again, not a failed stage', async () => {
    const c = await cluster();
    const route = c.server.type('HTTPRoute');
    let conflicts = 0;
    // The gateway controller reports on the route right after each read of Rollgate's, until two of
    // Rollgate's writes (conditional on the resourceVersion read) were refused as stale.
    c.server.onAnswer((request) => {
      if (!request.path.includes('/httproutes/web') || request.user !== 'admin') return;
      if (request.method === 'PATCH' && request.status === 409) conflicts++;
      if (request.method !== 'GET' || conflicts >= 2) return;
      const now = c.server.get('HTTPRoute', NAMESPACE, 'web')!;
      c.server.put(route, NAMESPACE, { metadata: { name: 'web' }, status: now.status }, 'gateway-controller', true);
    });
    const run = await runKubeRollout(gatewaySpec(c));
    expect(run.result?.state.failure).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    expect(conflicts).toBe(2);
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=100', 'web-canary=0']);
  });

  it('a gateway that never accepts the new generation: the stage does not count and the rollout fails loudly', async () => {
    const c = await cluster();
    c.controllers.options.acceptAfterMs = null;
    const run = await runKubeRollout(gatewaySpec(c, { traffic: '  acceptTimeout: 300ms\n' }).replace('  acceptTimeout: 3s\n', ''));
    // The way back was written but no gateway confirmed it either: failed, for a human to look at.
    expect(run.result?.outcome).toBe('failed');
    expect(run.result?.state.failure?.reason).toMatch(
      /HTTPRoute shop\/web generation \d+: gateway infra\/public has not observed generation \d+ yet \(it reports on 1\) within 300ms/,
    );
    expect(run.measured).toHaveLength(0);
    const route = await get(c, ['httproute', 'web']);
    expect(refs(route, 0)).toEqual(['web=100', 'web-canary=0']);
    expect(route.status.parents[0].conditions[0].observedGeneration).toBe(1);
  });

  it('a crash mid-rollout: the re-run resumes from the record and finishes; nothing is created twice', async () => {
    const c = await cluster();
    // The runner dies on the save after the 50 % stage started.
    const store = memoryStore(4);
    const first = await runKubeRollout(gatewaySpec(c), { store });
    expect(first.error?.message).toBe('runner died');
    expect(store.record?.state.status).toBe('progressing');
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=50', 'web-canary=50']);
    store.crashAfter = Infinity;
    const second = await runKubeRollout(gatewaySpec(c), { store });
    expect(second.error).toBeUndefined();
    expect(second.result?.outcome).toBe('promoted');
    expect(second.weights.map((w) => w.weight)).toEqual([50, 100]);
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=100', 'web-canary=0']);
    expect((await get(c, ['deployment', 'web'])).spec.template.spec.containers[0].image).toBe('ghcr.io/acme/web:2.0.0');
    expect(await names(c, 'deployments')).toEqual(['web']);
    const creates = c.server.requests.filter((r) => r.method === 'POST');
    expect(creates).toEqual([]);
  });

  it("RBAC: a Role without a verb Rollgate needs gets the apiserver's 403 naming the verb and resource", async () => {
    const rules = [
      { apiGroups: [''], resources: ['services', 'pods'], verbs: ['get', 'list', 'patch', 'delete'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch', 'delete'] },
      // httproutes without "patch"
      { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list'] },
    ];
    const c = await cluster({}, { identities: { 'ci-token': { user: 'system:serviceaccount:shop:rollgate', rules } } });
    const run = await runKubeRollout(gatewaySpec(c, { traffic: '  context: system:serviceaccount:shop:rollgate\n' }));
    // Nothing moved (the way back to 0 % needed no write), so the rollout ends rolled back, saying why.
    expect(run.result?.outcome).toBe('rolled-back');
    expect(run.result?.state.failure?.reason).toContain(
      'cannot apply HTTPRoute shop/web: httproutes.gateway.networking.k8s.io "web" is forbidden: User "system:serviceaccount:shop:rollgate" cannot patch resource "httproutes" in API group "gateway.networking.k8s.io" in the namespace "shop"',
    );
    expect(run.result?.state.failure?.reason).toContain('docs/kubernetes.md#rbac');
  });
});

describe('gateway-api: baseline and scaling with the weight', () => {
  it("a baseline of the stable image at the canary's size takes the canary's share; canary pods grow with the weight", async () => {
    const c = await cluster();
    await c.applyManifests(manifests({ replicas: 4 }));
    const seen: Array<{
      weight: number;
      refs: string[];
      canaryReplicas: number;
      baselineImage: string;
      values: Record<string, string> | undefined;
    }> = [];
    const run = await runKubeRollout(
      gatewaySpec(c, {
        workload: '  workload: { deployment: web, image: ghcr.io/acme/web:2.0.0, baseline: true, scaleWithWeight: true, timeout: 10s }\n',
      }),
      {
        async verdict(context) {
          if (!seen.some((s) => s.weight === context.weight)) {
            const [route, canary, baseline] = await Promise.all([
              get(c, ['httproute', 'web']),
              get(c, ['deployment', 'web-canary']),
              get(c, ['deployment', 'web-baseline']),
            ]);
            seen.push({
              weight: context.weight,
              refs: refs(route, 0),
              canaryReplicas: canary.spec.replicas,
              baselineImage: baseline.spec.template.spec.containers[0].image,
              values: context.values,
            });
          }
          return 'pass' as const;
        },
      },
    );
    expect(run.error).toBeUndefined();
    expect(run.result?.outcome).toBe('promoted');
    expect(seen.map((s) => [s.weight, s.refs, s.canaryReplicas])).toEqual([
      [10, ['web=80', 'web-canary=10', 'web-baseline=10'], 1],
      [50, ['web=0', 'web-canary=50', 'web-baseline=50'], 2],
      [100, ['web=0', 'web-canary=100', 'web-baseline=0'], 4],
    ]);
    expect(seen[0]!.baselineImage).toBe('ghcr.io/acme/web:1.0.0');
    expect(seen[0]!.values).toMatchObject({ namespace: NAMESPACE, baseline: 'web-baseline' });
    expect(seen[0]!.values?.baselinePodTemplateHash).toMatch(/^[a-z0-9]{10}$/);
    expect(seen[0]!.values?.baselinePodTemplateHash).not.toBe(seen[0]!.values?.canaryPodTemplateHash);
    expect(refs(await get(c, ['httproute', 'web']), 0)).toEqual(['web=100', 'web-canary=0', 'web-baseline=0']);
    expect(await names(c, 'deployments')).toEqual(['web']);
    expect(await names(c, 'services')).toEqual(['web']);
  });
});
