// The canary workload of a Kubernetes rollout (`traffic.workload`): from the stable Deployment and
// the new image (or the pod template of a manifest file), `<deployment>-canary` (and with `baseline: true`, `<deployment>-baseline`: the
// stable image at the canary's size and age) plus their Services, server-side applied before any
// traffic moves; every label the stable Deployment or Service selects on gets a `-canary` /
// `-baseline` value, so neither stable object ever selects the new pods. Rollgate waits until they
// are available and fails fast with the pod's own message (ImagePullBackOff, CrashLoopBackOff,
// ProgressDeadlineExceeded...). On promotion the new image (or template) goes to the stable Deployment, Rollgate
// waits for it, returns traffic to stable and deletes canary and baseline; on rollback, traffic is
// at 0 % first, then they are deleted. Each step is idempotent: a re-run finds what exists.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { ProviderEnv, RouteContext, TrafficRouter } from '../../ports.js';
import { duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { envVarName, readEnvVar } from '../../util/credentials.js';
import { kubeName, retryConflicts, type KubeClient, type KubeObject } from './client.js';

// An image reference: registry/repository[:tag][@digest], nothing a shell or YAML would read as syntax.
const IMAGE = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[0-9a-f]{64})?$/;

export const workloadSchema = z
  .strictObject({
    deployment: kubeName.describe('The stable Deployment the canary is made from.'),
    image: z
      .string()
      .regex(IMAGE, { error: 'expected an image reference such as ghcr.io/acme/web:1.2.3' })
      .optional()
      .describe('The new image; or imageEnv.'),
    imageEnv: envVarName.optional().describe('Environment variable holding the new image (set by the workflow, e.g. from the build job).'),
    manifest: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A YAML file (relative to the working directory) with the new Deployment named `deployment`, as kustomize or helm template render it: its pod template, not just an image, is the canary's and, on promotion, the stable's. Instead of image/imageEnv.",
      ),
    container: z.string().min(1).optional().describe('The container that gets the new image; default: the first.'),
    service: kubeName.optional().describe('The stable Service the canary Service is copied from; default: traffic.stable.'),
    baseline: z.boolean().default(false).describe("Also run <deployment>-baseline: the stable image at the canary's size and age."),
    replicas: z.int().min(1).default(1).describe('Replicas of the canary (and baseline).'),
    scaleWithWeight: z
      .boolean()
      .default(false)
      .describe('Scale the canary with its weight: ceil(stable replicas × weight / 100), at least `replicas`.'),
    timeout: duration.default('10m').describe('How long the canary (or the promoted stable Deployment) may take to become available.'),
  })
  .refine((w) => [w.image, w.imageEnv, w.manifest].filter((x) => x !== undefined).length === 1, {
    error: 'give the new version as image, imageEnv or manifest (one of them)',
  })
  .describe('The canary workload Rollgate creates, promotes and deletes (optional).');

export type WorkloadSpec = z.output<typeof workloadSchema>;

const TRACK = 'rollgate.dev/track';
/** Labels by which GitOps tools claim an object: not copied to the canary, or they would prune it. */
const GITOPS_LABELS = [
  'app.kubernetes.io/instance',
  'argocd.argoproj.io/instance',
  'kustomize.toolkit.fluxcd.io/name',
  'kustomize.toolkit.fluxcd.io/namespace',
  'helm.toolkit.fluxcd.io/name',
  'helm.toolkit.fluxcd.io/namespace',
];
/** Pod states that will not fix themselves: fail at once with the kubelet's message. */
const STUCK = [
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
];

type Deployment = KubeObject & {
  spec: {
    replicas?: number;
    selector: { matchLabels?: Record<string, string> };
    template: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: Array<{ name: string; image?: string }> } & Record<string, unknown>;
    };
    [key: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
};

/**
 * Adds the workload's lifecycle to a router: prepare (create and await canary/baseline), scaling with
 * the weight, finish (promote or clean up) and the template values of gates.
 */
export function withWorkload(
  router: TrafficRouter,
  spec: WorkloadSpec,
  services: { stable: string; canary: string },
  kube: () => Promise<KubeClient>,
  env: ProviderEnv,
  useBaseline: (service: string, split: (weight: number) => number) => void,
): TrafficRouter {
  const timeoutMs = parseDuration(spec.timeout) ?? 600_000;
  /** The new image, checked like one written in the spec when it comes from the environment. */
  const newImage = () => {
    if (spec.image) return spec.image;
    const value = readEnvVar(env, spec.imageEnv!, 'traffic.workload.imageEnv');
    if (!IMAGE.test(value))
      throw new Error(`traffic.workload.imageEnv: ${spec.imageEnv} is not an image reference (${JSON.stringify(value.slice(0, 80))})`);
    return value;
  };
  const stableService = spec.service ?? services.stable;
  const names = {
    canary: { deployment: `${spec.deployment}-canary`, service: services.canary, suffix: 'canary' },
    baseline: { deployment: `${spec.deployment}-baseline`, service: `${stableService}-baseline`, suffix: 'baseline' },
  };
  const tracks = spec.baseline ? [names.canary, names.baseline] : [names.canary];
  if (spec.baseline) useBaseline(names.baseline.service, (weight) => Math.min(weight, 100 - weight));

  const readStable = async (k: KubeClient) => {
    const deployment = (await k.read('apps/v1', 'Deployment', spec.deployment)) as Deployment | undefined;
    if (!deployment) throw new Error(`the stable Deployment ${k.namespace}/${spec.deployment} does not exist`);
    const service = await k.read('v1', 'Service', stableService);
    if (!service) throw new Error(`the stable Service ${k.namespace}/${stableService} does not exist`);
    const containers = deployment.spec.template.spec.containers;
    const container = spec.container ? containers.find((c) => c.name === spec.container) : containers[0];
    if (!container)
      throw new Error(
        `Deployment ${k.namespace}/${spec.deployment} has no container "${spec.container}" (containers: ${containers.map((c) => c.name).join(', ')})`,
      );
    return { deployment, service, container: container.name };
  };

  /**
   * The new pod template: the manifest's, checked before anything is applied, or undefined when the
   * new version is an image. Its labels must still match the stable selector: it is promoted as is.
   */
  let manifestTemplate: Promise<Deployment['spec']['template']> | undefined;
  const newTemplate = (stable: Deployment) => {
    if (!spec.manifest) return undefined;
    manifestTemplate ??= readManifest(isAbsolute(spec.manifest) ? spec.manifest : join(env.cwd, spec.manifest), spec.deployment);
    return manifestTemplate.then((template) => {
      const labels = template.metadata?.labels ?? {};
      const missing = Object.entries(stable.spec.selector.matchLabels ?? {}).filter(([key, value]) => labels[key] !== value);
      if (missing.length)
        throw new Error(
          `traffic.workload.manifest ${spec.manifest}: the pod labels lack ${missing.map(([key, value]) => `${key}=${value}`).join(', ')}, which Deployment ${spec.deployment} selects on`,
        );
      return template;
    });
  };
  const describeNew = () => (spec.manifest ? `the pod template of ${spec.manifest}` : newImage());

  /** Label values the stable objects select on get a suffix, so they never select the new pods. */
  const relabel = (labels: Record<string, string> | undefined, selected: Set<string>, suffix: string) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels ?? {})) out[key] = selected.has(key) ? `${value}-${suffix}` : value;
    for (const [key, value] of Object.entries(out))
      if (value.length > 63) throw new Error(`label ${key}=${value} would be longer than 63 characters`);
    return { ...out, [TRACK]: suffix };
  };

  const desired = async (stable: Awaited<ReturnType<typeof readStable>>, track: (typeof tracks)[number], replicas: number) => {
    const selected = new Set([
      ...Object.keys(stable.deployment.spec.selector.matchLabels ?? {}),
      ...Object.keys((stable.service.spec?.selector as Record<string, string> | undefined) ?? {}),
    ]);
    const fromManifest = track === names.canary ? await newTemplate(stable.deployment) : undefined;
    const template = structuredClone(fromManifest ?? stable.deployment.spec.template);
    if (!fromManifest) {
      const image =
        track === names.canary
          ? newImage()
          : stable.deployment.spec.template.spec.containers.find((c) => c.name === stable.container)!.image;
      template.spec.containers.find((c) => c.name === stable.container)!.image = image;
    }
    const selector = relabel(stable.deployment.spec.selector.matchLabels, selected, track.suffix);
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: track.deployment,
        labels: relabel(
          Object.fromEntries(
            Object.entries(stable.deployment.metadata.labels ?? {}).filter(([key]) => selected.has(key) || !GITOPS_LABELS.includes(key)),
          ),
          selected,
          track.suffix,
        ),
      },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { ...template.metadata, labels: { ...relabel(template.metadata?.labels, selected, track.suffix), ...selector } },
          spec: template.spec,
        },
        ...(stable.deployment.spec.progressDeadlineSeconds !== undefined
          ? { progressDeadlineSeconds: stable.deployment.spec.progressDeadlineSeconds }
          : {}),
      },
    };
    const ports = ((stable.service.spec?.ports as Array<Record<string, unknown>> | undefined) ?? []).map(
      ({ nodePort: _n, ...port }) => port,
    );
    const service: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: track.service, labels: { [TRACK]: track.suffix } },
      spec: {
        selector: relabel((stable.service.spec?.selector as Record<string, string> | undefined) ?? {}, selected, track.suffix),
        ports,
      },
    };
    return { deployment, service };
  };

  const replicasFor = (stable: Deployment, weight: number) =>
    spec.scaleWithWeight ? Math.max(spec.replicas, Math.ceil(((stable.spec.replicas ?? 1) * weight) / 100)) : spec.replicas;

  /** Waits until a Deployment's current generation is fully available; fails fast when it cannot be. */
  const awaitAvailable = async (k: KubeClient, name: string) => {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 3_000)) {
      const d = (await k.read('apps/v1', 'Deployment', name)) as Deployment | undefined;
      if (!d) throw new Error(`Deployment ${k.namespace}/${name} disappeared while Rollgate waited for it`);
      const want = d.spec.replicas ?? 1;
      const s = d.status ?? {};
      if (
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        (s.updatedReplicas ?? 0) >= want &&
        (s.availableReplicas ?? 0) >= want &&
        (s.replicas ?? 0) <= want
      )
        return d;
      const stuck = await stuckPods(k, d);
      const progressing = s.conditions?.find((c) => c.type === 'Progressing');
      if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded')
        throw new Error(
          `Deployment ${k.namespace}/${name} cannot progress: ProgressDeadlineExceeded (${progressing.message ?? ''})${stuck ? `; ${stuck}` : ''}`,
        );
      if (stuck) throw new Error(`Deployment ${k.namespace}/${name} cannot become available: ${stuck}`);
      if (Date.now() + delay > deadline)
        throw new Error(
          `Deployment ${k.namespace}/${name} is not available after ${spec.timeout} (${s.availableReplicas ?? 0}/${want} available, ${s.updatedReplicas ?? 0} updated)`,
        );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  };
  const stuckPods = async (k: KubeClient, d: Deployment) => {
    const selector = Object.entries(d.spec.selector.matchLabels ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    const pods = await k.list('v1', 'Pod', selector);
    for (const pod of pods) {
      const statuses = ((pod.status?.containerStatuses as Array<Record<string, unknown>> | undefined) ?? []) as Array<{
        name: string;
        state?: { waiting?: { reason?: string; message?: string } };
        lastState?: { terminated?: { exitCode?: number; message?: string; reason?: string } };
      }>;
      for (const c of statuses) {
        const waiting = c.state?.waiting;
        if (waiting?.reason && STUCK.includes(waiting.reason)) {
          const last = c.lastState?.terminated;
          const exit = last ? ` (last exit ${last.exitCode ?? '?'}${last.message ? `: ${last.message.trim()}` : ''})` : '';
          return `pod ${pod.metadata.name} container ${c.name}: ${waiting.reason}: ${waiting.message ?? ''}${exit}`;
        }
      }
    }
    return undefined;
  };

  const ensure = async (weight: number) => {
    const k = await kube();
    const stable = await readStable(k);
    for (const track of tracks) {
      const { deployment, service } = await desired(stable, track, replicasFor(stable.deployment, weight));
      await k.apply(service, true);
      await k.apply(deployment, true);
    }
    for (const track of tracks) await awaitAvailable(k, track.deployment);
  };

  const remove = async () => {
    const k = await kube();
    for (const track of tracks) {
      await k.delete('apps/v1', 'Deployment', track.deployment);
      await k.delete('v1', 'Service', track.service);
    }
  };

  const podHash = async (k: KubeClient, name: string) => {
    const d = (await k.read('apps/v1', 'Deployment', name)) as Deployment | undefined;
    if (!d) return undefined;
    const selector = Object.entries(d.spec.selector.matchLabels ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    const counts = new Map<string, number>();
    for (const pod of await k.list('v1', 'Pod', selector)) {
      const hash = pod.metadata.labels?.['pod-template-hash'];
      if (hash) counts.set(hash, (counts.get(hash) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  };

  let weightNow: number | undefined;
  return {
    ...router,
    async setWeight(weight: number, context: RouteContext) {
      if (!spec.scaleWithWeight || weight === 0) return router.setWeight(weight, context);
      // More canary pods before more traffic; fewer only after less traffic.
      const from = weightNow ?? context.from ?? 0;
      if (weight >= from) await ensure(weight);
      await router.setWeight(weight, context);
      if (weight < from) await ensure(weight);
      weightNow = weight;
    },
    async prepare() {
      env.log.info(`applying ${tracks.map((t) => t.deployment).join(' and ')} with ${describeNew()}, waiting until available`);
      await ensure(0);
    },
    async finish(outcome) {
      const k = await kube();
      if (outcome === 'promoted') {
        const stable = await readStable(k);
        env.log.info(`promoting: ${describeNew()} to Deployment ${k.namespace}/${spec.deployment}`);
        const template = await newTemplate(stable.deployment);
        if (template)
          // The whole template, as the canary ran it: an apply would keep fields the manifest dropped
          // that another manager (kubectl, a GitOps tool) owns.
          await retryConflicts(async () => {
            const current = (await readStable(k)).deployment;
            await k.replace({ ...current, spec: { ...current.spec, template } });
          });
        else
          await k.apply(
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: spec.deployment },
              spec: { template: { spec: { containers: [{ name: stable.container, image: newImage() }] } } },
            },
            true,
          );
        await awaitAvailable(k, spec.deployment);
        await router.setWeight(0, { stage: 0, stageName: 'promotion', environment: '', rollback: true });
        if (!(await router.verify(0))) throw new Error(`traffic did not return to ${services.stable}; ${names.canary.deployment} is kept`);
      } else if ((await router.getWeight()) !== 0) {
        // Never delete what still takes traffic.
        throw new Error(`${services.canary} still takes ${await router.getWeight()}% of the traffic; ${names.canary.deployment} is kept`);
      }
      await remove();
    },
    async templateValues() {
      const k = await kube();
      const values: Record<string, string> = { ...(await router.templateValues?.()), namespace: k.namespace };
      if (spec.baseline) values.baseline = names.baseline.service;
      const hashes = await Promise.all([
        podHash(k, spec.deployment),
        podHash(k, names.canary.deployment),
        spec.baseline ? podHash(k, names.baseline.deployment) : undefined,
      ]);
      if (hashes[0]) values.stablePodTemplateHash = hashes[0];
      if (hashes[1]) values.canaryPodTemplateHash = hashes[1];
      if (hashes[2]) values.baselinePodTemplateHash = hashes[2];
      return values;
    },
  };
}

/**
 * The pod template of the Deployment named `name` in a manifest file (several documents allowed, as
 * rendered output has), with every container's image checked as strictly as one in the spec.
 */
async function readManifest(path: string, name: string): Promise<Deployment['spec']['template']> {
  const where = `traffic.workload.manifest ${path}`;
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${where}: cannot read it (${error.code ?? error.message})`);
  });
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new Error(`${where}: not a YAML stream`);
  const bad = documents.find((d) => d.errors.length);
  if (bad) throw new Error(`${where}: not valid YAML: ${bad.errors[0]!.message}`);
  const found = documents
    .map((d) => d.toJS() as Deployment | null)
    .filter((o): o is Deployment => !!o && o.apiVersion === 'apps/v1' && o.kind === 'Deployment' && o.metadata?.name === name);
  if (found.length !== 1) throw new Error(`${where}: expected one apps/v1 Deployment named ${name}, found ${found.length}`);
  const template = found[0]!.spec?.template;
  const containers = template?.spec?.containers;
  if (!Array.isArray(containers) || !containers.length) throw new Error(`${where}: the Deployment has no spec.template.spec.containers`);
  for (const c of containers)
    if (typeof c?.image !== 'string' || !IMAGE.test(c.image))
      throw new Error(`${where}: container ${JSON.stringify(c?.name)} has no image reference such as ghcr.io/acme/web:1.2.3`);
  return template;
}
