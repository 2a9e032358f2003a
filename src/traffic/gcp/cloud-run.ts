// Traffic `cloud-run`: a Cloud Run service's traffic split between two revisions, through the Run
// Admin API v2 over REST (`traffic[]` of revision + percent). A change is one PATCH with
// updateMask=traffic and the etag just read (a change made by someone else in between is refused,
// never overwritten), then the long-running operation is awaited. The weight in force is read back
// from `trafficStatuses` once `observedGeneration` has caught up with `generation`.
// Auth: GOOGLE_OAUTH_ACCESS_TOKEN when set (google-github-actions/auth with token_format: access_token),
// else Application Default Credentials (the credentials file google-github-actions/auth writes for
// Workload Identity Federation, gcloud's, or the metadata server) through google-auth-library, loaded
// lazily: 0.3 MB against 2.5 MB for @google-cloud/run and its gRPC stack.
import { z } from 'zod';
import { checkWeight, defineTrafficProvider } from '../provider.js';
import type { ProviderEnv, TrafficRouter } from '../../ports.js';
import { credentialFreeUrl, duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';

// Google's own limits: project ids 6–30 characters; service names up to 49 and revision names up
// to 63, lower-case letters, digits and "-", starting with a letter.
const projectId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, { error: 'expected a Google Cloud project id such as my-project-123' });
const regionName = z.string().regex(/^[a-z]+-[a-z]+\d+$/, { error: 'expected a Cloud Run region such as europe-west1' });
const serviceName = z.string().regex(/^[a-z]([-a-z0-9]{0,47}[a-z0-9])?$/, {
  error: 'a Cloud Run service name is up to 49 lower-case letters, digits and "-", starting with a letter',
});
const revisionName = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, {
  error: 'a revision name is up to 63 lower-case letters, digits and "-", starting with a letter (e.g. web-00042-xyz)',
});

const cloudRunSchema = z
  .strictObject({
    provider: z.literal('cloud-run'),
    project: projectId.describe('Google Cloud project id.'),
    region: regionName.describe('Region of the service, e.g. europe-west1.'),
    service: serviceName.describe('The Cloud Run service.'),
    stable: revisionName.describe('Revision serving now (e.g. web-00041-abc).'),
    canary: revisionName.describe('Revision to shift traffic to, deployed with --no-traffic.'),
    endpoint: credentialFreeUrl('credentials come from GOOGLE_OAUTH_ACCESS_TOKEN or Application Default Credentials')
      .default('https://run.googleapis.com')
      .describe('Run Admin API endpoint (a private or regional one).'),
    timeout: duration.default('5m').describe('How long one traffic change may take, its long-running operation included.'),
  })
  .superRefine((spec, ctx) => {
    if (spec.stable === spec.canary) ctx.addIssue({ code: 'custom', path: ['canary'], message: 'is the same revision as stable' });
  });

export type CloudRunSpec = z.output<typeof cloudRunSchema>;

/** The parts of the v2 Service resource Rollgate reads (google.cloud.run.v2.Service). */
interface TrafficTarget {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
}
export interface RunService {
  name: string;
  generation?: string;
  observedGeneration?: string;
  reconciling?: boolean;
  etag?: string;
  traffic?: TrafficTarget[];
  trafficStatuses?: TrafficTarget[];
  terminalCondition?: { state?: string; message?: string };
}
interface Operation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string };
}

const REVISION = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';
/** An operation name as the API gives it; anything else never becomes part of a request path. */
const OPERATION_NAME = /^projects\/[a-z0-9-]+\/locations\/[a-z0-9-]+\/operations\/[A-Za-z0-9_-]+$/;

/** Google's error body ({ error: { status, message } }), or nothing when the answer is not JSON (a proxy's page). */
function parseError(text: string): { status?: string; message?: string } | undefined {
  try {
    return (JSON.parse(text) as { error?: { status?: string; message?: string } }).error;
  } catch {
    return undefined;
  }
}
const LATEST = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';

/**
 * The traffic[] for a canary weight: stable 100−w and canary w (an entry at 0 % is left out unless it
 * carries a tag); tagged 0 % entries of other revisions (preview URLs) are kept. Percentages are whole
 * numbers 0–100 summing to 100, as Cloud Run requires.
 */
export function trafficFor(weight: number, stable: string, canary: string, current: TrafficTarget[] = []): TrafficTarget[] {
  checkWeight(weight);
  const tagOf = (revision: string) => current.find((t) => t.revision === revision && t.tag)?.tag;
  const entry = (revision: string, percent: number): TrafficTarget[] => {
    const tag = tagOf(revision);
    return percent > 0 || tag ? [{ type: REVISION, revision, percent, ...(tag ? { tag } : {}) }] : [];
  };
  const kept = current.filter((t) => t.tag && !t.percent && t.revision !== stable && t.revision !== canary);
  return [...entry(stable, 100 - weight), ...entry(canary, weight), ...kept];
}

export const cloudRunTraffic = defineTrafficProvider({
  schema: cloudRunSchema,
  create: (spec, env) => createCloudRunRouter(spec, env),
});

export function createCloudRunRouter(spec: CloudRunSpec, env: ProviderEnv): TrafficRouter {
  const name = `projects/${spec.project}/locations/${spec.region}/services/${spec.service}`;
  const where = `Cloud Run service ${spec.service} (${spec.project}, ${spec.region})`;
  const timeoutMs = parseDuration(spec.timeout) ?? 300_000;
  const base = spec.endpoint.replace(/\/+$/, '');
  let auth: Promise<() => Promise<string>> | undefined;
  const token = async () => {
    auth ??= (async () => {
      const fixed = env.env.GOOGLE_OAUTH_ACCESS_TOKEN;
      if (fixed) {
        env.log.mask(fixed);
        return async () => fixed;
      }
      const { GoogleAuth } = await import('google-auth-library');
      const google = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
      return async () => {
        const value = await google.getAccessToken();
        if (!value) throw new Error(`${where}: Application Default Credentials gave no access token`);
        env.log.mask(value);
        return value;
      };
    })();
    return (await auth)();
  };

  /** One API call; 429 and 5xx answers are retried with backoff, other errors name what to fix. */
  const call = async <T>(method: string, path: string, permission: string, body?: unknown): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${base}/v2/${path}`, {
        method,
        headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json', 'user-agent': 'rollgate' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(Math.min(60_000, timeoutMs)),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as T;
      const error = parseError(text);
      const detail = `${response.status} ${error?.status ?? ''}: ${error?.message ?? text.slice(0, 200)}`.trim();
      if ((response.status === 429 || response.status >= 500) && attempt < 6) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 250 * 2 ** attempt)));
        continue;
      }
      if (response.status === 403 || response.status === 401)
        throw new Error(`${where}: permission denied for ${permission}; grant it to the identity (e.g. roles/run.developer) (${detail})`);
      if (response.status === 409 || (response.status === 412 && method === 'PATCH') || error?.status === 'ABORTED')
        throw new Error(`${where} was changed by someone else between Rollgate's read and its update (etag): not overwritten (${detail})`);
      if (response.status === 429) throw new Error(`${where}: still rate-limited after ${attempt} attempts (${detail})`);
      throw new Error(`${where}: ${method} ${path} failed: ${detail}`);
    }
  };

  const read = () => call<RunService>('GET', name, 'run.services.get');

  /** Percent per revision in force, from trafficStatuses; refuses a split to anything else. */
  const inForce = (service: RunService) => {
    const statuses = service.trafficStatuses ?? [];
    const others = statuses.filter((t) => (t.percent ?? 0) > 0 && t.revision !== spec.stable && t.revision !== spec.canary);
    if (others.length)
      throw new Error(
        `${where} also sends traffic to ${others.map((t) => `${t.type === LATEST ? 'LATEST' : t.revision} (${t.percent}%)`).join(', ')}: Rollgate shifts only between stable and canary`,
      );
    const percent = (revision: string) => statuses.filter((t) => t.revision === revision).reduce((sum, t) => sum + (t.percent ?? 0), 0);
    return { stable: percent(spec.stable), canary: percent(spec.canary) };
  };
  const settled = (service: RunService) => service.generation !== undefined && service.observedGeneration === service.generation;

  return {
    type: 'cloud-run',
    async setWeight(weight) {
      const current = await read();
      inForce(current);
      const traffic = trafficFor(weight, spec.stable, spec.canary, current.traffic);
      let operation = await call<Operation>('PATCH', `${name}?updateMask=traffic`, 'run.services.update', {
        name,
        traffic,
        ...(current.etag ? { etag: current.etag } : {}),
      });
      const deadline = Date.now() + timeoutMs;
      for (let poll = 0; !operation.done; poll++) {
        if (Date.now() >= deadline) throw new Error(`${where}: operation ${operation.name} not done after ${spec.timeout}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 100 * 2 ** poll)));
        if (!OPERATION_NAME.test(operation.name)) throw new Error(`${where}: unexpected operation name ${JSON.stringify(operation.name)}`);
        operation = await call<Operation>('GET', operation.name, 'run.operations.get');
      }
      if (operation.error)
        throw new Error(`${where}: the traffic change failed: ${operation.error.code ?? ''} ${operation.error.message ?? ''}`.trim());
    },
    async getWeight() {
      const service = await read();
      const split = inForce(service);
      if (split.stable + split.canary !== 100)
        throw new Error(`${where}: stable and canary serve ${split.stable + split.canary}% together`);
      return split.canary;
    },
    async verify(weight) {
      const service = await read();
      if (!settled(service) || service.terminalCondition?.state !== 'CONDITION_SUCCEEDED') return false;
      const split = inForce(service);
      return split.canary === weight && split.stable === 100 - weight;
    },
  };
}
