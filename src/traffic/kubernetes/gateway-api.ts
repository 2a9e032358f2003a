// Traffic `gateway-api`: the weights of the stable and the canary Service in an HTTPRoute
// (gateway.networking.k8s.io/v1) — Envoy Gateway, Istio, Cilium, Kong, Traefik, NGINX Gateway
// Fabric, GKE Gateway, Linkerd all read them. The rules changed are the named ones, or every rule
// that routes to the stable Service. A change is a server-side apply of spec.rules (an atomic list in
// the CRD, so Rollgate's field manager owns the rules while it shifts traffic), conditional on the
// resourceVersion just read; it counts once every parent gateway has accepted the new generation
// (status.parents[].conditions Accepted=True with observedGeneration >= the route's generation).
// A weight someone else changed since Rollgate's last change is drift: reported with the field
// manager that did it, never overwritten (except on the way back to stable).
import { z } from 'zod';
import { defineTrafficProvider } from '../provider.js';
import type { ProviderEnv, RouteContext, TrafficRouter } from '../../ports.js';
import { duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { connect, connection, kubeName, type Connection, type KubeClient, type KubeObject } from './client.js';
import { splitFor, weightedRoute } from './weighted-route.js';
import { withWorkload, workloadSchema, type WorkloadSpec } from './workload.js';

const gatewayApiSchema = z.strictObject({
  provider: z.literal('gateway-api'),
  route: kubeName.describe('Name of the HTTPRoute.'),
  rules: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'Names of the route rules to shift (rules[].name, Gateway API >= 1.2); default: every rule that routes to the stable Service.',
    ),
  stable: kubeName.describe('The stable Service (a backendRef of the route).'),
  canary: kubeName.describe('The canary Service; added to a rule as a backendRef when the rule lacks it.'),
  acceptTimeout: duration
    .default('2m')
    .describe('How long every parent gateway may take to accept a new generation of the route before the change counts as failed.'),
  ...connection,
  workload: workloadSchema.optional(),
});

export type GatewayApiSpec = z.output<typeof gatewayApiSchema>;

export const gatewayApiTraffic = defineTrafficProvider({
  schema: gatewayApiSchema,
  create: (spec, env) => createGatewayApiRouter(spec, env),
});

const API_VERSION = 'gateway.networking.k8s.io/v1';

interface BackendRef {
  name: string;
  namespace?: string;
  group?: string;
  kind?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export function createGatewayApiRouter(spec: GatewayApiSpec, env: ProviderEnv): TrafficRouter {
  let client: Promise<KubeClient> | undefined;
  const kube = () => (client ??= connect(spec as Connection, env));
  const acceptMs = parseDuration(spec.acceptTimeout) ?? 120_000;
  let baselineService: string | undefined;
  let baselineWeight: (weight: number) => number | undefined = () => undefined;

  const isService = (ref: BackendRef, name: string, namespace: string) =>
    ref.name === name && (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && (ref.namespace ?? namespace) === namespace;
  const httpRoute = weightedRoute<BackendRef>(
    {
      apiVersion: API_VERSION,
      kind: 'HTTPRoute',
      rulesField: 'rules',
      backendsField: 'backendRefs',
      ruleWord: 'rule',
      backendWord: 'Service',
      is: isService,
      weightOf: (ref) => ref.weight ?? 1,
      add: (name, stable) => ({ name, ...(stable.port !== undefined ? { port: stable.port } : {}) }),
    },
    { name: spec.route, ...(spec.rules ? { ruleNames: spec.rules } : {}), stable: spec.stable, canary: spec.canary },
  );
  const split = (weight: number) =>
    splitFor(weight, { stable: spec.stable, canary: spec.canary, baseline: baselineService }, baselineWeight(weight));

  /** Every parent has accepted the route's current generation: undefined, else why not. */
  const notAccepted = (route: KubeObject): string | undefined => {
    const generation = route.metadata.generation ?? 0;
    const parents = (route.spec?.parentRefs as Array<{ name: string; namespace?: string; sectionName?: string }> | undefined) ?? [];
    const statuses = (route.status?.parents as Array<{ parentRef: Record<string, unknown>; conditions?: Condition[] }> | undefined) ?? [];
    if (!parents.length) return 'the route has no parentRefs';
    for (const parent of parents) {
      const label = `${parent.namespace ? `${parent.namespace}/` : ''}${parent.name}${parent.sectionName ? `/${parent.sectionName}` : ''}`;
      const found = statuses.find(
        (s) =>
          s.parentRef.name === parent.name &&
          (s.parentRef.namespace ?? undefined) === (parent.namespace ?? undefined) &&
          (s.parentRef.sectionName ?? undefined) === (parent.sectionName ?? undefined),
      );
      const accepted = found?.conditions?.find((c) => c.type === 'Accepted');
      if (!accepted) return `gateway ${label} has not reported on the route`;
      if ((accepted.observedGeneration ?? 0) < generation)
        return `gateway ${label} has not observed generation ${generation} yet (it reports on ${accepted.observedGeneration ?? 0})`;
      if (accepted.status !== 'True')
        return `gateway ${label} did not accept generation ${generation}: ${accepted.reason ?? ''} ${accepted.message ?? ''}`.trim();
    }
    return undefined;
  };

  const router: TrafficRouter = {
    type: 'gateway-api',
    async setWeight(weight: number, context?: RouteContext) {
      const k = await kube();
      await httpRoute.change(k, weight, split(weight), context);
      // Counts once every parent gateway accepted the new generation.
      const deadline = Date.now() + acceptMs;
      for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
        const current = await httpRoute.read(k);
        const why = notAccepted(current);
        if (!why) return;
        if (Date.now() + delay > deadline)
          throw new Error(`${httpRoute.where(k)} generation ${current.metadata.generation}: ${why} within ${spec.acceptTimeout}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
    async getWeight() {
      const k = await kube();
      return httpRoute.share(k, await httpRoute.read(k));
    },
    async verify(weight) {
      const k = await kube();
      const current = await httpRoute.read(k);
      return httpRoute.inForce(k, current, split(weight)) && notAccepted(current) === undefined;
    },
    async templateValues() {
      return { namespace: (await kube()).namespace };
    },
  };
  if (!spec.workload) return router;
  return withWorkload(router, spec.workload as WorkloadSpec, { stable: spec.stable, canary: spec.canary }, kube, env, (service, split) => {
    baselineService = service;
    baselineWeight = split;
  });
}
