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
import {
  connect,
  connection,
  kubeName,
  lastOtherManager,
  retryConflicts,
  type Connection,
  type KubeClient,
  type KubeObject,
} from './client.js';
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
interface Rule {
  name?: string;
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}
interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** The weights the router writes for a canary share (and a baseline share, when there is one). */
export function routeWeights(weight: number, baseline: number | undefined): { stable: number; canary: number; baseline?: number } {
  if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new Error(`canary weight must be 0..100 (got ${weight})`);
  if (baseline === undefined) return { stable: 100 - weight, canary: weight };
  return { stable: 100 - weight - baseline, canary: weight, baseline };
}

export function createGatewayApiRouter(spec: GatewayApiSpec, env: ProviderEnv): TrafficRouter {
  let client: Promise<KubeClient> | undefined;
  const kube = () => (client ??= connect(spec as Connection, env));
  const acceptMs = parseDuration(spec.acceptTimeout) ?? 120_000;
  let baselineService: string | undefined;
  let baselineWeight: (weight: number) => number | undefined = () => undefined;

  const where = (k: KubeClient) => `HTTPRoute ${k.namespace}/${spec.route}`;
  const isService = (ref: BackendRef, name: string, namespace: string) =>
    ref.name === name && (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service' && (ref.namespace ?? namespace) === namespace;

  const readRoute = async (k: KubeClient) => {
    const route = await k.read(API_VERSION, 'HTTPRoute', spec.route);
    if (!route) throw new Error(`${where(k)} does not exist`);
    return route;
  };
  /** The rules Rollgate shifts, by index. */
  const targets = (k: KubeClient, route: KubeObject) => {
    const rules = ((route.spec?.rules as Rule[] | undefined) ?? []).map((rule, index) => ({ rule, index }));
    const chosen = spec.rules
      ? rules.filter(({ rule }) => rule.name !== undefined && spec.rules!.includes(rule.name))
      : rules.filter(({ rule }) => (rule.backendRefs ?? []).some((ref) => isService(ref, spec.stable, k.namespace)));
    if (spec.rules) {
      const missing = spec.rules.filter((name) => !rules.some(({ rule }) => rule.name === name));
      if (missing.length) throw new Error(`${where(k)} has no rule named ${missing.map((m) => `"${m}"`).join(', ')}`);
    }
    if (!chosen.length) throw new Error(`${where(k)} has no rule that routes to the Service ${spec.stable}`);
    for (const { rule, index } of chosen) {
      if (!(rule.backendRefs ?? []).some((ref) => isService(ref, spec.stable, k.namespace)))
        throw new Error(`${where(k)} rule ${index + 1} does not route to the Service ${spec.stable}`);
    }
    return chosen;
  };
  const weightOf = (rule: Rule, name: string, namespace: string) =>
    (rule.backendRefs ?? []).filter((ref) => isService(ref, name, namespace)).reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
  /** The canary's share in force (the same in every target rule, or an error saying where not). */
  const share = (k: KubeClient, route: KubeObject) => {
    const shares = targets(k, route).map(({ rule, index }) => {
      const canary = weightOf(rule, spec.canary, k.namespace);
      const total = (rule.backendRefs ?? []).reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
      if (total === 0) throw new Error(`${where(k)} rule ${index + 1} has every backend at weight 0`);
      return { index, share: Math.round((100 * canary) / total) };
    });
    const first = shares[0]!.share;
    const odd = shares.find((s) => s.share !== first);
    if (odd)
      throw new Error(
        `${where(k)}: rules disagree on the canary share (rule ${shares[0]!.index + 1}: ${first}%, rule ${odd.index + 1}: ${odd.share}%)`,
      );
    return first;
  };
  const inForce = (k: KubeClient, route: KubeObject, weight: number) => {
    const want = routeWeights(weight, baselineWeight(weight));
    return targets(k, route).every(
      ({ rule }) =>
        weightOf(rule, spec.stable, k.namespace) === want.stable &&
        weightOf(rule, spec.canary, k.namespace) === want.canary &&
        (baselineService === undefined || weightOf(rule, baselineService, k.namespace) === (want.baseline ?? 0)),
    );
  };
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
      const want = routeWeights(weight, baselineWeight(weight));
      const k = await kube();
      await retryConflicts(async () => {
        const route = await readRoute(k);
        const now = share(k, route);
        // Drift: the route no longer has what Rollgate confirmed last. The way back to stable is never refused.
        if (context && !context.rollback && context.from !== undefined && now !== context.from && !inForce(k, route, weight)) {
          const who = lastOtherManager(route, ['spec', 'rules'], k.fieldManager) ?? 'an unknown writer';
          throw new Error(
            `drift: ${where(k)} sends ${now}% to ${spec.canary}, not the ${context.from}% Rollgate set; changed by ${who}. Not overwriting it`,
          );
        }
        if (!inForce(k, route, weight)) {
          const rules = structuredClone((route.spec?.rules as Rule[] | undefined) ?? []);
          for (const { index } of targets(k, route)) {
            const rule = rules[index]!;
            const refs = (rule.backendRefs ??= []);
            const stableRef = refs.find((ref) => isService(ref, spec.stable, k.namespace))!;
            const set = (name: string, value: number) => {
              const mine = refs.filter((ref) => isService(ref, name, k.namespace));
              if (!mine.length) refs.push({ name, ...(stableRef.port !== undefined ? { port: stableRef.port } : {}), weight: value });
              mine.forEach((ref, i) => (ref.weight = i === 0 ? value : 0));
            };
            set(spec.stable, want.stable);
            set(spec.canary, want.canary);
            if (baselineService) set(baselineService, want.baseline ?? 0);
          }
          // Conditional on what was just read: a write in between is a 409, never overwritten.
          await k.apply(
            {
              apiVersion: API_VERSION,
              kind: 'HTTPRoute',
              metadata: { name: spec.route, resourceVersion: route.metadata.resourceVersion! },
              spec: { rules },
            },
            true,
          );
        }
      });
      // Counts once every parent gateway accepted the new generation.
      const deadline = Date.now() + acceptMs;
      for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
        const current = await readRoute(k);
        const why = notAccepted(current);
        if (!why) return;
        if (Date.now() + delay > deadline)
          throw new Error(`${where(k)} generation ${current.metadata.generation}: ${why} within ${spec.acceptTimeout}`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
    async getWeight() {
      const k = await kube();
      return share(k, await readRoute(k));
    },
    async verify(weight) {
      const k = await kube();
      const route = await readRoute(k);
      return inForce(k, route, weight) && notAccepted(route) === undefined;
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
