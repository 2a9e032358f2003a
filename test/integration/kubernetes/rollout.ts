// A Kubernetes rollout for tests: the user's manifests applied with the real kubectl, a spec with a
// gateway-api (or istio) traffic block, and the driver run with the providers the CLI builds, a gate
// the test scripts, and an in-memory state store (a re-run resumes from it).
import { drive, type DriveResult } from '../../../src/driver/driver.js';
import { systemClock } from '../../../src/driver/clock.js';
import { compilePlan } from '../../../src/config/compile.js';
import { buildProviders } from '../../../src/driver/providers.js';
import { parseSpec } from '../../../src/config/load.js';
import type { Gate, Logger, MeasureContext, RolloutRecord, StateStore, TrafficRouter } from '../../../src/ports.js';
import type { TestCluster } from '../../harness/kubernetes/index.js';

export const NAMESPACE = 'shop';

/** What a team has in the cluster before Rollgate: a Deployment, its Service, a Gateway's HTTPRoute. */
export function manifests(options: { image?: string; replicas?: number; parents?: string[] } = {}): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${NAMESPACE}, labels: { app: web, team: shop, app.kubernetes.io/instance: shop } }
spec:
  replicas: ${options.replicas ?? 2}
  progressDeadlineSeconds: 120
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web, team: shop } }
    spec:
      containers:
        - name: app
          image: ${options.image ?? 'ghcr.io/acme/web:1.0.0'}
          ports: [{ containerPort: 8080, name: http }]
          env: [{ name: MODE, value: production }]
        - name: sidecar
          image: ghcr.io/acme/log-shipper:3
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web, namespace: ${NAMESPACE} }
spec:
  parentRefs:
${(options.parents ?? ['public']).map((p) => `    - { name: ${p}, namespace: infra }`).join('\n')}
  hostnames: [shop.example.com]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /api } }]
      backendRefs:
        - { name: web, port: 80, weight: 100 }
    - matches: [{ path: { type: PathPrefix, value: /static } }]
      backendRefs:
        - { name: assets, port: 80 }
`;
}

export function gatewaySpec(cluster: TestCluster, extra: { workload?: string; traffic?: string; stages?: string } = {}): string {
  return `
version: 1
strategy: canary
environment: production
traffic:
  provider: gateway-api
  kubeconfig: ${cluster.kubeconfig}
  namespace: ${NAMESPACE}
  route: web
  stable: web
  canary: web-canary
  acceptTimeout: 3s
${extra.traffic ?? ''}${
    extra.workload === undefined
      ? `  workload:
    deployment: web
    image: ghcr.io/acme/web:2.0.0
    container: app
    timeout: 10s
`
      : extra.workload
  }
stages:
${extra.stages ?? '  - { weight: 10, bake: 300ms }\n  - { weight: 50, bake: 300ms }\n  - { weight: 100 }'}
gates:
  errors:
    provider: prometheus
    url: http://127.0.0.1:9
    query: sum(rate(http_requests_total{namespace="{{namespace}}",pod_template_hash="{{canaryPodTemplateHash}}",code=~"5.."}[1m]))
    threshold: "< 0.01"
    interval: 1s
`;
}

export interface KubeRun {
  result?: DriveResult;
  error?: Error;
  router: TrafficRouter;
  /** Weights the router was asked for, in order. */
  weights: Array<{ weight: number; rollback: boolean }>;
  /** The contexts gates were measured with. */
  measured: MeasureContext[];
  warnings: string[];
}

/** An in-memory state store; `crashAfter` saves, the next save throws as a dying runner would stop. */
/**
 * A store in memory whose runner "dies" on save number `crashAfter + 1`: that save never returns, as
 * when the process is killed (a thrown error would be handled: rolled back first), and `died`
 * resolves so the test can carry on as the next run.
 */
export function memoryStore(crashAfter = Infinity): StateStore & { record?: RolloutRecord; crashAfter: number; died: Promise<void> } {
  let die = () => {};
  const store = {
    crashAfter,
    record: undefined as RolloutRecord | undefined,
    died: new Promise<void>((resolve) => (die = resolve)),
    load: async () => (store.record ? structuredClone(store.record) : undefined),
    save: async (record: RolloutRecord) => {
      if (store.crashAfter-- <= 0) {
        const dead = die;
        store.died = new Promise<void>((resolve) => (die = resolve));
        dead();
        return new Promise<void>(() => {});
      }
      store.record = structuredClone(record);
    },
  };
  return store;
}

/**
 * Runs the spec's rollout. `verdict` decides each measurement (default: pass); an error out of the
 * driver, or a store whose runner died (`memoryStore`), ends up in `error`.
 */
export async function runKubeRollout(
  specText: string,
  options: {
    store?: StateStore;
    verdict?: (context: MeasureContext) => 'pass' | 'fail' | Promise<'pass' | 'fail'>;
    env?: Record<string, string>;
  } = {},
): Promise<KubeRun> {
  const parsed = parseSpec(specText);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`).join('\n'));
  const warnings: string[] = [];
  const log: Logger = { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m), mask: () => undefined };
  const { router } = buildProviders(
    parsed.spec,
    { env: { ...process.env, KUBECONFIG: undefined, ...options.env }, log, cwd: process.cwd() },
    systemClock,
  );
  const weights: KubeRun['weights'] = [];
  const measured: MeasureContext[] = [];
  const watched: TrafficRouter = Object.assign(Object.create(router) as TrafficRouter, {
    async setWeight(weight: number, context: Parameters<TrafficRouter['setWeight']>[1]) {
      weights.push({ weight, rollback: context.rollback });
      return router.setWeight(weight, context);
    },
  });
  const gate: Gate = {
    name: 'errors',
    provider: 'test',
    async measure(context) {
      measured.push(context);
      const verdict = (await options.verdict?.(context)) ?? 'pass';
      return { verdict, evidence: { summary: `scripted ${verdict}` } };
    },
  };
  const run: KubeRun = { router, weights, measured, warnings };
  const store = options.store ?? memoryStore();
  const died = 'died' in store ? (store.died as Promise<void>).then(() => ({ died: true as const })) : new Promise<never>(() => {});
  try {
    const ended = await Promise.race([
      drive(
        { router: watched, gates: { errors: gate }, store, reporters: [], clock: systemClock, log },
        { plan: compilePlan(parsed.spec), id: 'test-rollout', routerAttempts: 1 },
      ),
      died,
    ]);
    if ('died' in ended) run.error = new Error('runner died');
    else run.result = ended;
  } catch (error) {
    run.error = error as Error;
  }
  return run;
}
