// Traffic `kubernetes-service`: blue-green on plain Kubernetes, by switching a Service's selector from
// the stable Deployment's pods (0 %) to the canary Deployment's pods (100 %) — no mesh, no gateway.
// There is nothing in between, so only 0 and 100 are weights (strategy blue-green). The switch is a
// server-side apply of spec.selector, conditional on the resourceVersion just read; a selector that
// matches neither Deployment (someone else changed it) is drift, reported with its field manager.
import { z } from 'zod';
import { isDeepStrictEqual } from 'node:util';
import { defineTrafficProvider } from '../provider.js';
import type { ProviderEnv, RouteContext, TrafficRouter } from '../../ports.js';
import { connect, connection, kubeName, lastOtherManager, retryConflicts, type Connection, type KubeClient } from './client.js';

const serviceSchema = z.strictObject({
  provider: z.literal('kubernetes-service'),
  service: kubeName.describe('The Service whose selector switches.'),
  stable: kubeName.describe('The Deployment serving now (e.g. web-blue): the selector at 0 %.'),
  canary: kubeName.describe('The Deployment taking over (e.g. web-green): the selector at 100 %.'),
  ...connection,
});

export type ServiceSelectorSpec = z.output<typeof serviceSchema>;

export const serviceSelectorTraffic = defineTrafficProvider({
  schema: serviceSchema,
  create: (spec, env) => createServiceSelectorRouter(spec, env),
});

export function createServiceSelectorRouter(spec: ServiceSelectorSpec, env: ProviderEnv): TrafficRouter {
  let client: Promise<KubeClient> | undefined;
  const kube = () => (client ??= connect(spec as Connection, env));
  const where = (k: KubeClient) => `Service ${k.namespace}/${spec.service}`;

  const selectors = async (k: KubeClient) => {
    const labels = async (name: string) => {
      const d = await k.read('apps/v1', 'Deployment', name);
      if (!d) throw new Error(`Deployment ${k.namespace}/${name} does not exist`);
      const match = (d.spec?.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
      if (!match || !Object.keys(match).length)
        throw new Error(`Deployment ${k.namespace}/${name} has no selector.matchLabels to select its pods by`);
      return match;
    };
    const [stable, canary] = await Promise.all([labels(spec.stable), labels(spec.canary)]);
    // A selector is a map merged key by key: the two must use the same keys, or a switch leaves a mix.
    if (!isDeepStrictEqual(Object.keys(stable).sort(), Object.keys(canary).sort()))
      throw new Error(
        `Deployments ${spec.stable} and ${spec.canary} select their pods by different labels (${Object.keys(stable).join(',')} vs ${Object.keys(canary).join(',')})`,
      );
    if (isDeepStrictEqual(stable, canary)) throw new Error(`Deployments ${spec.stable} and ${spec.canary} select the same pods`);
    return { 0: stable, 100: canary } as Record<number, Record<string, string>>;
  };
  const read = async (k: KubeClient) => {
    const service = await k.read('v1', 'Service', spec.service);
    if (!service) throw new Error(`${where(k)} does not exist`);
    return service;
  };
  const weightOf = (selector: unknown, by: Record<number, Record<string, string>>) =>
    isDeepStrictEqual(selector, by[100]) ? 100 : isDeepStrictEqual(selector, by[0]) ? 0 : undefined;

  return {
    type: 'kubernetes-service',
    async setWeight(weight: number, context?: RouteContext) {
      if (weight !== 0 && weight !== 100)
        throw new Error(`a Service selector switches all or nothing: ${weight}% is not possible (use strategy blue-green)`);
      const k = await kube();
      await retryConflicts(async () => {
        const [service, by] = await Promise.all([read(k), selectors(k)]);
        const now = weightOf(service.spec?.selector, by);
        if (now === weight) return;
        if (now === undefined && !context?.rollback) {
          const who = lastOtherManager(service, ['spec', 'selector'], k.fieldManager) ?? 'an unknown writer';
          throw new Error(
            `drift: ${where(k)} selects ${JSON.stringify(service.spec?.selector)}, neither ${spec.stable} nor ${spec.canary}; changed by ${who}. Not overwriting it`,
          );
        }
        await k.apply(
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: spec.service, resourceVersion: service.metadata.resourceVersion! },
            spec: { selector: by[weight] },
          },
          true,
        );
      });
    },
    async getWeight() {
      const k = await kube();
      const [service, by] = await Promise.all([read(k), selectors(k)]);
      const weight = weightOf(service.spec?.selector, by);
      if (weight === undefined)
        throw new Error(`${where(k)} selects ${JSON.stringify(service.spec?.selector)}: neither ${spec.stable} nor ${spec.canary}`);
      return weight;
    },
    async verify(weight) {
      const k = await kube();
      const [service, by] = await Promise.all([read(k), selectors(k)]);
      return weightOf(service.spec?.selector, by) === weight;
    },
    async templateValues() {
      return { namespace: (await kube()).namespace };
    },
  };
}
