// The controllers a rollout depends on, simulated against the test apiserver:
// - Deployments: after `readyAfterMs` a new generation has its pods (labelled with a pod-template-hash)
//   running and the status says available; an image listed in `failingImages` leaves its pods waiting
//   (ImagePullBackOff / CrashLoopBackOff with the kubelet's message) and after `progressDeadlineMs`
//   the Deployment's Progressing condition turns False with reason ProgressDeadlineExceeded.
// - Gateways: after `acceptAfterMs` (never when null) every parent of an HTTPRoute accepts its new
//   generation (status.parents[].conditions Accepted/ResolvedRefs with observedGeneration).
import { createHash } from 'node:crypto';
import type { Obj } from './fields.js';
import type { TestApiserver } from './apiserver.js';

export interface ControllerOptions {
  readyAfterMs?: number;
  progressDeadlineMs?: number;
  failingImages?: Record<string, 'ImagePullBackOff' | 'CrashLoopBackOff'>;
  /** null: the gateway never accepts a new generation. */
  acceptAfterMs?: number | null;
}

export interface Controllers {
  options: ControllerOptions;
  stop(): void;
}

const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A pod-template-hash in the shape Kubernetes writes (safe-encoded, 10 characters). */
export function podTemplateHash(template: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(template)).digest();
  return [...digest.subarray(0, 10)].map((b) => SAFE[b % SAFE.length]).join('');
}

export function startControllers(server: TestApiserver, options: ControllerOptions = {}): Controllers {
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const deploymentType = server.type('Deployment');
  const podType = server.type('Pod');
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const podsOf = (namespace: string, name: string) =>
    server
      .list('Pod', namespace)
      .filter((p) => (p.metadata as Obj & { annotations?: Record<string, string> }).annotations?.['test.rollgate.dev/owner'] === name);

  const reconcileDeployment = (namespace: string, name: string, generation: number) => {
    const deployment = server.get('Deployment', namespace, name);
    if (!deployment || (deployment.metadata as Obj).generation !== generation) return; // superseded
    const spec = deployment.spec as {
      replicas: number;
      template: { metadata?: { labels?: Record<string, string> }; spec: { containers: Obj[] } };
    };
    const hash = podTemplateHash(spec.template);
    const failing = spec.template.spec.containers.map((c) => options.failingImages?.[c.image as string]).find(Boolean);
    for (const pod of podsOf(namespace, name)) {
      if ((pod.metadata as { labels: Record<string, string> }).labels['pod-template-hash'] !== hash)
        server.delete('Pod', namespace, (pod.metadata as Obj).name as string);
    }
    const have = podsOf(namespace, name);
    for (let i = have.length; i < spec.replicas; i++) {
      const container = spec.template.spec.containers[0]!;
      const podName = `${name}-${hash}-${SAFE.slice(i, i + 5)}`;
      const waiting =
        failing === 'ImagePullBackOff'
          ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(container.image)}"` }
          : failing === 'CrashLoopBackOff'
            ? {
                reason: 'CrashLoopBackOff',
                message: `back-off 10s restarting failed container=${String(container.name)} pod=${podName}_${namespace}(${hash})`,
              }
            : undefined;
      server.put(
        podType,
        namespace,
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: podName,
            namespace,
            labels: { ...(spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash },
            annotations: { 'test.rollgate.dev/owner': name },
          },
          spec: spec.template.spec,
        },
        'kube-controller-manager',
      );
      server.put(
        podType,
        namespace,
        {
          metadata: { name: podName },
          status: {
            phase: waiting ? 'Pending' : 'Running',
            conditions: [{ type: 'Ready', status: waiting ? 'False' : 'True' }],
            containerStatuses: spec.template.spec.containers.map((c) => ({
              name: c.name,
              image: c.image,
              imageID: '',
              ready: !waiting,
              restartCount: failing === 'CrashLoopBackOff' ? 3 : 0,
              state: waiting ? { waiting } : { running: { startedAt: now() } },
              ...(failing === 'CrashLoopBackOff'
                ? {
                    lastState: {
                      terminated: {
                        exitCode: 1,
                        reason: 'Error',
                        message: 'panic: config file /etc/app.yaml not found',
                        startedAt: now(),
                        finishedAt: now(),
                      },
                    },
                  }
                : {}),
            })),
          },
        },
        'kubelet',
        true,
      );
    }
    const ready = failing ? 0 : spec.replicas;
    server.put(
      deploymentType,
      namespace,
      {
        metadata: { name },
        status: {
          observedGeneration: generation,
          replicas: spec.replicas,
          updatedReplicas: spec.replicas,
          readyReplicas: ready,
          availableReplicas: ready,
          ...(ready < spec.replicas ? { unavailableReplicas: spec.replicas - ready } : {}),
          conditions: [
            {
              type: 'Available',
              status: ready >= spec.replicas ? 'True' : 'False',
              reason: ready >= spec.replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
              message: '',
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: failing ? 'ReplicaSetUpdated' : 'NewReplicaSetAvailable',
              message: `ReplicaSet "${name}-${hash}" ${failing ? 'is progressing' : 'has successfully progressed'}.`,
            },
          ],
        },
      },
      'kube-controller-manager',
      true,
    );
    if (failing) {
      later(options.progressDeadlineMs ?? 1_000, () => {
        const current = server.get('Deployment', namespace, name);
        if (!current || (current.metadata as Obj).generation !== generation) return;
        const status = structuredClone(current.status) as { conditions: Obj[] };
        status.conditions = status.conditions.map((c) =>
          c.type === 'Progressing'
            ? {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: `ReplicaSet "${name}-${hash}" has timed out progressing.`,
              }
            : c,
        );
        server.put(deploymentType, namespace, { metadata: { name }, status }, 'kube-controller-manager', true);
      });
    }
  };

  const acceptRoute = (namespace: string, name: string, generation: number) => {
    const route = server.get('HTTPRoute', namespace, name);
    if (!route || (route.metadata as Obj).generation !== generation) return;
    const parents = ((route.spec as Obj).parentRefs as Obj[] | undefined) ?? [];
    const condition = (type: string, reason: string) => ({
      type,
      status: 'True',
      reason,
      message: '',
      observedGeneration: generation,
      lastTransitionTime: now(),
    });
    server.put(
      server.type('HTTPRoute'),
      namespace,
      {
        metadata: { name },
        status: {
          parents: parents.map((parentRef) => ({
            parentRef,
            controllerName: 'gateway.example.net/test-controller',
            conditions: [condition('Accepted', 'Accepted'), condition('ResolvedRefs', 'ResolvedRefs')],
          })),
        },
      },
      'gateway-controller',
      true,
    );
  };

  server.onWrite((type, _key, stored, before) => {
    const metadata = stored?.object.metadata as { name: string; namespace: string; generation: number } | undefined;
    if (!metadata) {
      // Garbage collection: a deleted Deployment takes its pods with it.
      const gone = before?.metadata as { name: string; namespace: string } | undefined;
      if (type.kind === 'Deployment' && gone)
        for (const pod of podsOf(gone.namespace, gone.name)) server.delete('Pod', gone.namespace, (pod.metadata as Obj).name as string);
      return;
    }
    const generationChanged = (before?.metadata as { generation?: number } | undefined)?.generation !== metadata.generation;
    if (!generationChanged) return;
    if (type.kind === 'Deployment')
      later(options.readyAfterMs ?? 50, () => reconcileDeployment(metadata.namespace, metadata.name, metadata.generation));
    if (type.kind === 'HTTPRoute' && options.acceptAfterMs !== null)
      later(options.acceptAfterMs ?? 50, () => acceptRoute(metadata.namespace, metadata.name, metadata.generation));
  });

  return {
    options,
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
