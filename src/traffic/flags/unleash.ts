// Traffic `unleash`: the share of users who get a feature is the `rollout` of one flexibleRollout
// strategy (titled "rollgate") of the feature in one Unleash environment, set through the Admin API.
// The strategy is created or updated before the environment is switched on, so the feature is never on
// for more users than the stage allows. Rollback sets the percentage to 0 or switches the environment
// off (`onRollback`). Unleash accepts percentages above 100; Rollgate sends only 0..100 and refuses to
// read anything else back. Other active strategies of the environment would widen who gets the feature
// beyond Rollgate's percentage: they are refused, not ignored.
import { z } from 'zod';
import { checkWeight, defineTrafficProvider, serialQueue } from '../provider.js';
import type { ProviderEnv, RouteContext, TrafficRouter } from '../../ports.js';
import { unboundedDuration, credentialFreeUrl, duration } from '../../config/common.js';
import { parseDuration } from '../../config/duration.js';
import { envVarName, readSecret } from '../../util/credentials.js';
import { RestError, restClient } from './rest.js';

// Unleash names are URL-friendly; Rollgate also keeps them safe in paths, logs and queries.
const unleashName = z
  .string()
  .regex(/^[A-Za-z0-9][\w.~-]{0,99}$/, { error: 'expected letters, digits, "_", ".", "~" and "-" (at most 100)' });
const label = z.string().regex(/^[A-Za-z0-9][\w.:-]{0,63}$/, { error: 'expected letters, digits, "_", ".", ":" and "-" (at most 64)' });

const unleashSchema = z.strictObject({
  provider: z.literal('unleash'),
  url: credentialFreeUrl('put the token in the variable tokenEnv names').describe(
    'Base URL of the Unleash server (the Admin API is under /api/admin).',
  ),
  project: unleashName.default('default').describe('The Unleash project of the feature.'),
  flag: unleashName.describe('The feature (flag) name.'),
  environment: unleashName.default('production').describe('The Unleash environment whose strategy rollgate drives.'),
  stickiness: z
    .string()
    .regex(/^[A-Za-z][\w.-]{0,63}$/)
    .default('default')
    .describe('Stickiness of the flexibleRollout strategy: default, userId, sessionId, random or a context field.'),
  groupId: unleashName.optional().describe('Group id of the strategy (default: the flag name); users are bucketed by it.'),
  tokenEnv: envVarName
    .default('UNLEASH_API_TOKEN')
    .describe('Environment variable holding an Admin API token (or a personal access token) allowed to update the feature.'),
  onRollback: z
    .enum(['zero', 'disable'])
    .default('zero')
    .describe('What a rollback does: set the percentage to 0, or switch the feature off in the environment.'),
  variation: label.default('enabled').describe('Name of the rolled-out side in reports and in {{variation}}.'),
  stable: label.default('disabled').describe('Name of the other side in reports and in {{stable}}.'),
  removeAfter: unboundedDuration
    .default('30d')
    .describe('A flag at 100 % for longer than this is listed (rollgate status, the report) as a candidate to remove from the code.'),
  timeout: duration.default('10s').describe('Time limit of one Admin API call.'),
});

export type UnleashSpec = z.output<typeof unleashSchema>;

export const unleashTraffic = defineTrafficProvider({ schema: unleashSchema, create: (spec, env) => createUnleashRouter(spec, env) });

/** The title that marks the strategy rollgate owns. */
export const STRATEGY_TITLE = 'rollgate';

interface Strategy {
  id: string;
  name: string;
  title?: string | null;
  disabled?: boolean | null;
  parameters?: Record<string, string>;
  constraints?: unknown[];
  segments?: unknown[];
}
interface Feature {
  environments?: Array<{ name: string; enabled: boolean; strategies?: Strategy[] }>;
}

export function createUnleashRouter(spec: UnleashSpec, env: ProviderEnv): TrafficRouter {
  const where = `unleash feature "${spec.flag}" (${spec.environment})`;
  const token = readSecret(env, spec.tokenEnv, `traffic (unleash)`);
  const call = restClient({
    baseUrl: spec.url,
    headers: { Authorization: token },
    timeoutMs: parseDuration(spec.timeout) ?? 10_000,
    where,
    explain: (status) =>
      status === 401
        ? `the token in ${spec.tokenEnv} is not valid for ${spec.url}`
        : status === 403
          ? `the token in ${spec.tokenEnv} may not update features in project "${spec.project}": use an Admin API token or a personal access token with that permission`
          : undefined,
  });
  const featurePath = `/api/admin/projects/${spec.project}/features/${spec.flag}`;
  const envPath = `${featurePath}/environments/${spec.environment}`;
  const groupId = spec.groupId ?? spec.flag;

  const read = async () => {
    const feature = await call<Feature>({ method: 'GET', path: featurePath }).catch((error: RestError) => {
      if (error instanceof RestError && error.status === 404)
        throw new Error(`${where}: Unleash at ${spec.url} has no feature "${spec.flag}" in project "${spec.project}" (${error.message})`);
      throw error;
    });
    const environment = feature.environments?.find((e) => e.name === spec.environment);
    if (!environment) {
      const names = (feature.environments ?? []).map((e) => e.name).join(', ');
      throw new Error(`${where}: the feature has no environment "${spec.environment}" (environments: ${names || 'none'})`);
    }
    const strategies = environment.strategies ?? [];
    const ours = strategies.filter((s) => s.title === STRATEGY_TITLE);
    if (ours.length > 1) throw new Error(`${where}: ${ours.length} strategies are titled "${STRATEGY_TITLE}"; remove all but one`);
    const others = strategies.filter((s) => s.title !== STRATEGY_TITLE && !s.disabled);
    return { enabled: environment.enabled, ours: ours[0], others };
  };

  const percentageOf = (strategy: Strategy) => {
    const raw = strategy.parameters?.rollout ?? '';
    const percentage = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
    if (!(percentage >= 0 && percentage <= 100))
      throw new Error(`${where}: the "${STRATEGY_TITLE}" strategy holds rollout ${JSON.stringify(raw)}, not 0..100`);
    return percentage;
  };

  const refuseOthers = (others: Strategy[]) => {
    if (others.length) {
      const names = others.map((s) => `${s.name}${s.title ? ` "${s.title}"` : ''}`).join(', ');
      throw new Error(
        `${where} has active strategies rollgate does not own (${names}): with them the share of users who get the feature is not rollgate's percentage. Disable or remove them`,
      );
    }
  };

  /** The share of users who get the feature now: 0 while the environment is off. */
  const share = async () => {
    const { enabled, ours, others } = await read();
    refuseOthers(others);
    if (!enabled) return 0;
    // An environment switched on without any strategy gives the feature to everyone.
    if (!ours) return 100;
    if (ours.disabled) throw new Error(`${where}: the "${STRATEGY_TITLE}" strategy is disabled; enable it or let rollgate set it again`);
    return percentageOf(ours);
  };

  // Constraints and segments the team put on the strategy are kept: they only narrow who is eligible,
  // and the percentage applies within them (never to more users than the stage allows).
  const strategyBody = (weight: number, current?: Strategy) => ({
    name: 'flexibleRollout',
    title: STRATEGY_TITLE,
    disabled: false,
    parameters: { rollout: String(weight), stickiness: spec.stickiness, groupId },
    constraints: current?.constraints ?? [],
    segments: current?.segments ?? [],
  });
  const owned = (strategy: Strategy | undefined, weight: number) =>
    strategy !== undefined &&
    strategy.name === 'flexibleRollout' &&
    !strategy.disabled &&
    strategy.parameters?.rollout === String(weight) &&
    strategy.parameters?.stickiness === spec.stickiness &&
    strategy.parameters?.groupId === groupId;

  const serially = serialQueue();

  return {
    type: 'unleash',
    async setWeight(weight: number, context: RouteContext) {
      checkWeight(weight);
      return serially(async () => {
        const { enabled, ours, others } = await read();
        if (weight === 0 && context.rollback && spec.onRollback === 'disable') {
          // Off first: from this request on no user gets the feature, whatever the strategies say.
          if (enabled) await call({ method: 'POST', path: `${envPath}/off` });
          return;
        }
        refuseOthers(others);
        if (!ours) await call({ method: 'POST', path: `${envPath}/strategies`, body: strategyBody(weight) });
        else if (!owned(ours, weight)) {
          // The id comes from the server: it becomes a path segment only if it is one (Unleash ids are UUIDs).
          if (!/^[A-Za-z0-9][\w-]{0,99}$/.test(ours.id))
            throw new Error(`${where}: Unleash answered a strategy id that is not an id (${JSON.stringify(ours.id.slice(0, 60))})`);
          await call({ method: 'PUT', path: `${envPath}/strategies/${ours.id}`, body: strategyBody(weight, ours) });
        }
        // The strategy holds the stage's percentage before the environment is switched on.
        if (weight > 0 && !enabled) await call({ method: 'POST', path: `${envPath}/on` });
      });
    },
    getWeight: share,
    async verify(weight) {
      const { enabled, ours, others } = await read();
      if (others.length) return false;
      return weight === 0 ? !enabled || owned(ours, 0) : enabled && owned(ours, weight);
    },
  };
}
