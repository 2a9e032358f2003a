// Traffic `launchdarkly`: the share of contexts that get `variation` is the flag's fallthrough
// percentage rollout in one LaunchDarkly environment, set with one semantic patch
// (`updateFallthroughVariationOrRollout`, weights in thousandths of a percent summing to 100,000) through
// the REST API. The flag is turned on in the same patch when the rollout first sends contexts to the
// variation, so it is never on at a wider split. Every read-back is the flag as the API returns it.
// Individual targets and targeting rules still apply before the fallthrough: Rollgate drives who falls
// through to the default rule.
import { z } from 'zod';
import { checkWeight, defineTrafficProvider, serialQueue } from '../provider.js';
import type { ProviderEnv, TrafficRouter } from '../../ports.js';
import { unboundedDuration, credentialFreeUrl, duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { envVarName, readSecret } from '../../util/credentials.js';
import { RestError, restClient } from './rest.js';

// LaunchDarkly keys: letters, digits, ".", "_" and "-".
const key = z.string().regex(/^[A-Za-z0-9][\w.-]{0,139}$/, { error: 'expected a LaunchDarkly key: letters, digits, ".", "_" and "-"' });
const attribute = z.string().regex(/^[A-Za-z_][\w./-]{0,99}$/, { error: 'expected a context attribute name' });
const variationName = z
  .string()
  .regex(/^[\w .:-]{1,100}$/, { error: 'expected a variation name or value (letters, digits, " ", "_", ".", ":", "-")' });

const launchdarklySchema = z.strictObject({
  provider: z.literal('launchdarkly'),
  url: credentialFreeUrl('put the token in the variable tokenEnv names')
    .default('https://app.launchdarkly.com')
    .describe('Base URL of the LaunchDarkly REST API (another instance, e.g. https://app.eu.launchdarkly.com or a federal one).'),
  project: key.describe('The project key.'),
  flag: key.describe('The flag key.'),
  environment: key.default('production').describe('The LaunchDarkly environment key whose fallthrough rollgate drives.'),
  variation: variationName.default('true').describe('The variation rolled out, by name or by value ("true" for a boolean flag).'),
  stable: variationName.default('false').describe('The variation everyone else falls through to, by name or value.'),
  contextKind: key.default('user').describe('The context kind the rollout buckets by.'),
  bucketBy: attribute.optional().describe('The context attribute the rollout buckets by (default: the key).'),
  tokenEnv: envVarName
    .default('LAUNCHDARKLY_API_TOKEN')
    .describe('Environment variable holding an API access token with a role that may update the flag in that environment.'),
  removeAfter: unboundedDuration
    .default('30d')
    .describe('A flag at 100 % for longer than this is listed (rollgate status, the report) as a candidate to remove from the code.'),
  timeout: duration.default('10s').describe('Time limit of one API call.'),
});

export type LaunchDarklySpec = z.output<typeof launchdarklySchema>;

export const launchdarklyTraffic = defineTrafficProvider({
  schema: launchdarklySchema,
  create: (spec, env) => createLaunchDarklyRouter(spec, env),
});

/** The parts of the API's FeatureFlag that rollgate reads. */
interface Flag {
  variations: Array<{ _id?: string; value?: unknown; name?: string }>;
  environments?: Record<
    string,
    {
      on: boolean;
      offVariation?: number;
      fallthrough?: {
        variation?: number;
        rollout?: { variations: Array<{ variation: number; weight: number }>; bucketBy?: string; contextKind?: string };
      };
    }
  >;
}

/** 100 % in LaunchDarkly's rollout weights (thousandths of a percent). */
export const FULL = 100_000;

export function createLaunchDarklyRouter(spec: LaunchDarklySpec, env: ProviderEnv): TrafficRouter {
  const where = `launchdarkly flag "${spec.flag}" (${spec.project}/${spec.environment})`;
  const token = readSecret(env, spec.tokenEnv, 'traffic (launchdarkly)');
  const call = restClient({
    baseUrl: spec.url,
    headers: { Authorization: token, 'LD-API-Version': '20240415' },
    timeoutMs: parseDuration(spec.timeout) ?? 10_000,
    where,
    explain: (status) =>
      status === 401
        ? `the token in ${spec.tokenEnv} is not a valid API access token`
        : status === 403
          ? `the token in ${spec.tokenEnv} may not update flag "${spec.flag}" in environment "${spec.environment}": give its role updateFallthrough and updateOn`
          : status === 429
            ? 'rate limited; rollgate retries'
            : undefined,
  });
  const path = `/api/v2/flags/${spec.project}/${spec.flag}`;

  const read = async () => {
    const flag = await call<Flag>({ method: 'GET', path: `${path}?env=${spec.environment}` }).catch((error: unknown) => {
      if (error instanceof RestError && error.status === 404)
        throw new Error(`${where}: no flag "${spec.flag}" in project "${spec.project}" (${error.message})`);
      throw error;
    });
    const config = flag.environments?.[spec.environment];
    if (!config) throw new Error(`${where}: the flag has no environment "${spec.environment}"`);
    const index = (wanted: string) => {
      const found = flag.variations
        .map((v, i) => ({ v, i }))
        .filter(({ v }) => v.name === wanted || JSON.stringify(v.value) === wanted || (typeof v.value === 'string' && v.value === wanted));
      const list = flag.variations.map((v) => v.name ?? JSON.stringify(v.value)).join(', ');
      if (found.length !== 1)
        throw new Error(
          `${where}: ${found.length ? 'several variations match' : 'no variation matches'} "${wanted}" (variations: ${list})`,
        );
      if (!found[0]!.v._id) throw new Error(`${where}: the API gave variation "${wanted}" no _id`);
      return found[0]!.i;
    };
    const [rolled, stable] = [index(spec.variation), index(spec.stable)];
    if (rolled === stable) throw new Error(`${where}: variation and stable name the same variation`);
    return { flag, config, rolled, stable };
  };

  /** Thousandths of a percent of contexts falling through to the rolled-out variation. */
  const thousandths = ({ config, rolled }: Awaited<ReturnType<typeof read>>): number => {
    if (!config.on) return config.offVariation === rolled ? FULL : 0;
    const fallthrough = config.fallthrough ?? {};
    if (fallthrough.rollout) {
      const weights = fallthrough.rollout.variations;
      const total = weights.reduce((sum, w) => sum + w.weight, 0);
      if (total !== FULL) throw new Error(`${where}: the fallthrough rollout weights sum to ${total}, not ${FULL}`);
      return weights.filter((w) => w.variation === rolled).reduce((sum, w) => sum + w.weight, 0);
    }
    return fallthrough.variation === rolled ? FULL : 0;
  };

  const serially = serialQueue();

  return {
    type: 'launchdarkly',
    async setWeight(weight) {
      checkWeight(weight);
      return serially(async () => {
        const state = await read();
        const { flag, config, rolled, stable } = state;
        const rolloutWeights: Record<string, number> = {};
        flag.variations.forEach((v, i) => {
          rolloutWeights[v._id!] = i === rolled ? weight * 1000 : i === stable ? FULL - weight * 1000 : 0;
        });
        const instructions: Array<Record<string, unknown>> = [
          {
            kind: 'updateFallthroughVariationOrRollout',
            rolloutWeights,
            rolloutContextKind: spec.contextKind,
            ...(spec.bucketBy ? { rolloutBucketBy: spec.bucketBy } : {}),
          },
        ];
        // In the same patch, applied as one change: the flag goes on with the stage's split in place.
        if (weight > 0 && !config.on) instructions.push({ kind: 'turnFlagOn' });
        await call({
          method: 'PATCH',
          path,
          contentType: 'application/json; domain-model=launchdarkly.semanticpatch',
          body: { environmentKey: spec.environment, comment: `rollgate: ${weight}% to ${spec.variation}`, instructions },
        });
      });
    },
    async getWeight() {
      return Math.round(thousandths(await read()) / 1000);
    },
    async verify(weight) {
      const state = await read();
      const rollout = state.config.fallthrough?.rollout;
      const exact = thousandths(state) === weight * 1000;
      if (weight === 0) return exact;
      return (
        exact &&
        state.config.on &&
        (rollout?.contextKind ?? 'user') === spec.contextKind &&
        (rollout?.bucketBy ?? undefined) === spec.bucketBy
      );
    },
  };
}
