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
import { connect, connection, kubeName, type Connection, type KubeClient } from './client.js';
import { splitFor, weightedRoute } from './weighted-route.js';
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

export function createIstioRouter(spec: IstioSpec, env: ProviderEnv): TrafficRouter {
  let client: Promise<KubeClient> | undefined;
  const kube = () => (client ??= connect(spec as Connection, env));
  let baselineHost: string | undefined;
  let baselineWeight: (weight: number) => number | undefined = () => undefined;

  /** A short name, name.namespace, name.namespace.svc and the cluster FQDN all mean the Service. */
  const sameHost = (host: string, name: string, namespace: string) =>
    [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.cluster.local`].includes(host);
  const virtualService = weightedRoute<Destination>(
    {
      apiVersion: API_VERSION,
      kind: 'VirtualService',
      rulesField: 'http',
      backendsField: 'route',
      ruleWord: 'HTTP route',
      backendWord: 'destination',
      is: (d, name, namespace) =>
        spec.host
          ? sameHost(d.destination.host, spec.host, namespace) && d.destination.subset === name
          : sameHost(d.destination.host, name, namespace) && !d.destination.subset,
      // Istio's rule: a lone destination without a weight takes 100 %, otherwise an omitted weight is 0.
      weightOf: (d, all) => d.weight ?? (all.length === 1 ? 100 : 0),
      add: (name, stable) => {
        const { subset: _subset, ...base } = stable.destination;
        return { destination: spec.host ? { ...base, subset: name } : { ...base, host: name } };
      },
    },
    { name: spec.virtualService, ...(spec.routes ? { ruleNames: spec.routes } : {}), stable: spec.stable, canary: spec.canary },
  );
  const split = (weight: number) =>
    splitFor(weight, { stable: spec.stable, canary: spec.canary, baseline: baselineHost }, baselineWeight(weight));
  /** Subset mode: both subsets exist in the DestinationRule. */
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
      const k = await kube();
      // Subsets must exist before any traffic goes to them; the way back needs no check.
      await virtualService.change(k, weight, split(weight), context, weight > 0 ? () => checkSubsets(k) : undefined);
    },
    async getWeight() {
      const k = await kube();
      return virtualService.share(k, await virtualService.read(k));
    },
    async verify(weight) {
      const k = await kube();
      return virtualService.inForce(k, await virtualService.read(k), split(weight));
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
