// Traffic `istio`: route weights in a VirtualService (networking.istio.io/v1). By host: the stable
// and the canary Service are destinations of the HTTP routes. By subset: `host` names one Service and
// stable/canary are subsets of its DestinationRule (checked to exist before any change). The routes
// changed are the named ones (http[].name), or every route with the stable destination. A change is
// a server-side apply of spec.http (an atomic list, so Rollgate's field manager owns the routes while
// it shifts traffic) conditional on the resourceVersion just read. Istio reports no acceptance
// status by default, so a change counts once the weights read back. A weight someone else changed
// since Rollgate's last change is drift: reported with its field manager, never overwritten.
import { z } from 'zod';
import { defineTrafficProvider } from '../provider.js';
import type { ProviderEnv, RouteContext, TrafficRouter } from '../../ports.js';
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

const istioSchema = z
  .strictObject({
    provider: z.literal('istio'),
    virtualService: kubeName.describe('Name of the VirtualService.'),
    routes: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Names of the HTTP routes to shift (http[].name); default: every route with the stable destination.'),
    host: kubeName.optional().describe('Subset mode: the one Service host; stable and canary are then subsets of its DestinationRule.'),
    destinationRule: kubeName.optional().describe('Subset mode: the DestinationRule with the subsets; default: the host.'),
    stable: kubeName.describe('The stable destination: a Service host, or with `host` a subset name.'),
    canary: kubeName.describe('The canary destination: a Service host, or with `host` a subset name.'),
    ...connection,
    workload: workloadSchema.optional(),
  })
  .refine((spec) => !(spec.host && spec.workload), {
    error: 'a workload needs host mode: its pods are behind their own Service (traffic.canary), not a subset of the stable host',
    path: ['workload'],
  });

export type IstioSpec = z.output<typeof istioSchema>;

export const istioTraffic = defineTrafficProvider({ schema: istioSchema, create: (spec, env) => createIstioRouter(spec, env) });

const API_VERSION = 'networking.istio.io/v1';

interface Destination {
  destination: { host: string; subset?: string; port?: { number?: number } };
  weight?: number;
  [key: string]: unknown;
}
interface HttpRoute {
  name?: string;
  route?: Destination[];
  [key: string]: unknown;
}

export function createIstioRouter(spec: IstioSpec, env: ProviderEnv): TrafficRouter {
  let client: Promise<KubeClient> | undefined;
  const kube = () => (client ??= connect(spec as Connection, env));
  let baselineHost: string | undefined;
  let baselineWeight: (weight: number) => number | undefined = () => undefined;
  const where = (k: KubeClient) => `VirtualService ${k.namespace}/${spec.virtualService}`;

  /** A short name, name.namespace, name.namespace.svc and the cluster FQDN all mean the Service. */
  const sameHost = (host: string, name: string, namespace: string) =>
    [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`].includes(host);
  const is = (d: Destination, name: string, namespace: string) =>
    spec.host
      ? sameHost(d.destination.host, spec.host, namespace) && d.destination.subset === name
      : sameHost(d.destination.host, name, namespace) && !d.destination.subset;

  const read = async (k: KubeClient) => {
    const vs = await k.read(API_VERSION, 'VirtualService', spec.virtualService);
    if (!vs) throw new Error(`${where(k)} does not exist`);
    return vs;
  };
  const targets = (k: KubeClient, vs: KubeObject) => {
    const routes = ((vs.spec?.http as HttpRoute[] | undefined) ?? []).map((route, index) => ({ route, index }));
    if (spec.routes) {
      const missing = spec.routes.filter((name) => !routes.some(({ route }) => route.name === name));
      if (missing.length) throw new Error(`${where(k)} has no HTTP route named ${missing.map((m) => `"${m}"`).join(', ')}`);
    }
    const chosen = spec.routes
      ? routes.filter(({ route }) => route.name !== undefined && spec.routes!.includes(route.name))
      : routes.filter(({ route }) => (route.route ?? []).some((d) => is(d, spec.stable, k.namespace)));
    if (!chosen.length) throw new Error(`${where(k)} has no HTTP route to ${spec.stable}`);
    for (const { route, index } of chosen)
      if (!(route.route ?? []).some((d) => is(d, spec.stable, k.namespace)))
        throw new Error(`${where(k)} HTTP route ${index + 1} has no destination ${spec.stable}`);
    return chosen;
  };
  // Istio's rule: a lone destination without a weight takes 100 %, otherwise an omitted weight is 0.
  const weightOf = (route: HttpRoute, name: string, namespace: string) => {
    const all = route.route ?? [];
    return all.filter((d) => is(d, name, namespace)).reduce((sum, d) => sum + (d.weight ?? (all.length === 1 ? 100 : 0)), 0);
  };
  const share = (k: KubeClient, vs: KubeObject) => {
    const shares = targets(k, vs).map(({ route, index }) => {
      const total = (route.route ?? []).reduce((sum, d) => sum + (d.weight ?? ((route.route ?? []).length === 1 ? 100 : 0)), 0);
      if (total === 0) throw new Error(`${where(k)} HTTP route ${index + 1} has every destination at weight 0`);
      return { index, share: Math.round((100 * weightOf(route, spec.canary, k.namespace)) / total) };
    });
    const odd = shares.find((s) => s.share !== shares[0]!.share);
    if (odd)
      throw new Error(
        `${where(k)}: HTTP routes disagree on the canary share (route ${shares[0]!.index + 1}: ${shares[0]!.share}%, route ${odd.index + 1}: ${odd.share}%)`,
      );
    return shares[0]!.share;
  };
  const split = (weight: number) => {
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) throw new Error(`canary weight must be 0..100 (got ${weight})`);
    const baseline = baselineWeight(weight);
    return { stable: 100 - weight - (baseline ?? 0), canary: weight, baseline };
  };
  const inForce = (k: KubeClient, vs: KubeObject, weight: number) => {
    const want = split(weight);
    return targets(k, vs).every(
      ({ route }) =>
        weightOf(route, spec.stable, k.namespace) === want.stable &&
        weightOf(route, spec.canary, k.namespace) === want.canary &&
        (baselineHost === undefined || weightOf(route, baselineHost, k.namespace) === (want.baseline ?? 0)),
    );
  };
  const checkSubsets = async (k: KubeClient) => {
    if (!spec.host) return;
    const name = spec.destinationRule ?? spec.host;
    const rule = await k.read(API_VERSION, 'DestinationRule', name);
    if (!rule) throw new Error(`DestinationRule ${k.namespace}/${name} does not exist`);
    const subsets = ((rule.spec?.subsets as Array<{ name: string }> | undefined) ?? []).map((s) => s.name);
    const missing = [spec.stable, spec.canary].filter((s) => !subsets.includes(s));
    if (missing.length)
      throw new Error(
        `DestinationRule ${k.namespace}/${name} has no subset ${missing.join(', ')} (subsets: ${subsets.join(', ') || 'none'})`,
      );
  };

  const router: TrafficRouter = {
    type: 'istio',
    async setWeight(weight: number, context?: RouteContext) {
      const want = split(weight);
      const k = await kube();
      await retryConflicts(async () => {
        const vs = await read(k);
        if (context && !context.rollback && context.from !== undefined && share(k, vs) !== context.from && !inForce(k, vs, weight)) {
          const who = lastOtherManager(vs, ['spec', 'http'], k.fieldManager) ?? 'an unknown writer';
          throw new Error(
            `drift: ${where(k)} sends ${share(k, vs)}% to ${spec.canary}, not the ${context.from}% Rollgate set; changed by ${who}. Not overwriting it`,
          );
        }
        if (inForce(k, vs, weight)) return;
        if (weight > 0) await checkSubsets(k);
        const http = structuredClone((vs.spec?.http as HttpRoute[] | undefined) ?? []);
        for (const { index } of targets(k, vs)) {
          const route = http[index]!;
          const destinations = (route.route ??= []);
          const stable = destinations.find((d) => is(d, spec.stable, k.namespace))!;
          const set = (name: string, value: number) => {
            const mine = destinations.filter((d) => is(d, name, k.namespace));
            if (!mine.length) {
              const { subset: _subset, ...base } = stable.destination;
              destinations.push({ destination: spec.host ? { ...base, subset: name } : { ...base, host: name }, weight: value });
            }
            mine.forEach((d, i) => (d.weight = i === 0 ? value : 0));
          };
          set(spec.stable, want.stable);
          set(spec.canary, want.canary);
          if (baselineHost) set(baselineHost, want.baseline ?? 0);
        }
        await k.apply(
          {
            apiVersion: API_VERSION,
            kind: 'VirtualService',
            metadata: { name: spec.virtualService, resourceVersion: vs.metadata.resourceVersion! },
            spec: { http },
          },
          true,
        );
      });
    },
    async getWeight() {
      const k = await kube();
      return share(k, await read(k));
    },
    async verify(weight) {
      const k = await kube();
      return inForce(k, await read(k), weight);
    },
    async templateValues() {
      return { namespace: (await kube()).namespace };
    },
  };
  if (!spec.workload) return router;
  return withWorkload(
    router,
    spec.workload as WorkloadSpec,
    { stable: spec.stable, canary: spec.canary },
    kube,
    env,
    (service, splitOf) => {
      baselineHost = service;
      baselineWeight = splitOf;
    },
  );
}
