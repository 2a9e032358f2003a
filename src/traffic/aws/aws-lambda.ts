// Traffic `aws-lambda`: a Lambda alias's weighted routing. The stable version is the one the alias
// points at (FunctionVersion); the canary, a published version, gets a fraction of the invocations
// through RoutingConfig.AdditionalVersionWeights. Promotion (100 %) points the alias at the canary
// with no extra weights. Every change carries the RevisionId of the alias as just read, so a change
// made by someone else in between is refused by Lambda (PreconditionFailed), never overwritten.
import type { AliasConfiguration, LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { checkWeight, defineTrafficProvider } from '../provider.js';
import type { TrafficRouter } from '../../ports.js';
import { awsCall, awsClientConfig, awsFields } from '../../util/aws.js';

// Lambda's own patterns (API reference: FunctionName, Alias Name, Version).
const functionName = z.string().regex(/^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/, {
  error: 'expected a function name (letters, digits, "-", "_", up to 64) or its ARN without a qualifier',
});
const aliasName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^(?!\d+$)[A-Za-z0-9_-]+$/, { error: 'an alias name is letters, digits, "-" and "_", and not only digits' });
const publishedVersion = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, { error: 'expected a published version number such as "7" (an alias cannot weight $LATEST)' });

const lambdaSchema = z
  .strictObject({
    provider: z.literal('aws-lambda'),
    ...awsFields,
    function: functionName.describe('The function, by name or unqualified ARN.'),
    alias: aliasName.describe('The alias callers invoke (e.g. live); its FunctionVersion is the stable version.'),
    canary: publishedVersion.describe('The published version to shift invocations to.'),
    stable: publishedVersion
      .optional()
      .describe('The version the alias points at before the rollout; checked at start, and where a switch back goes after a restart.'),
  })
  .superRefine((spec, ctx) => {
    if (spec.stable === spec.canary) ctx.addIssue({ code: 'custom', path: ['canary'], message: 'is the same version as stable' });
  });

export type LambdaSpec = z.output<typeof lambdaSchema>;

/** An alias's routing as Lambda takes it: a weight is a fraction 0–1 of one additional version. */
export function aliasRouting(weight: number, stable: string, canary: string): { FunctionVersion: string; weights: Record<string, number> } {
  checkWeight(weight);
  if (weight === 100) return { FunctionVersion: canary, weights: {} };
  if (weight === 0) return { FunctionVersion: stable, weights: {} };
  const fraction = weight / 100;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`Lambda alias weights are fractions 0..1 (got ${fraction})`);
  return { FunctionVersion: stable, weights: { [canary]: fraction } };
}

export const awsLambdaTraffic = defineTrafficProvider({
  schema: lambdaSchema,
  create(spec, env): TrafficRouter {
    const where = `Lambda alias ${spec.function}:${spec.alias}`;
    const config = awsClientConfig(spec, env, where);
    let sdk: Promise<{ client: LambdaClient; m: typeof import('@aws-sdk/client-lambda') }> | undefined;
    const load = () => (sdk ??= import('@aws-sdk/client-lambda').then((m) => ({ client: new m.LambdaClient(config), m })));
    // The stable version: from the spec, or the alias's FunctionVersion the first time it is read
    // pointing elsewhere than the canary. Only the version's identity is kept, never a weight.
    let stable = spec.stable;

    const read = async (): Promise<AliasConfiguration> => {
      const { client, m } = await load();
      const alias = await awsCall(where, 'lambda:GetAlias', () =>
        client.send(new m.GetAliasCommand({ FunctionName: spec.function, Name: spec.alias })),
      );
      const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
      const others = weights.filter(([version, w]) => version !== spec.canary && w > 0);
      if (others.length)
        throw new Error(
          `${where} also routes to version ${others.map(([v, w]) => `${v} (${w})`).join(', ')}: not the canary ${spec.canary}`,
        );
      if (alias.FunctionVersion !== spec.canary) {
        if (stable === undefined) stable = alias.FunctionVersion;
        else if (alias.FunctionVersion !== stable)
          throw new Error(
            `${where} points at version ${alias.FunctionVersion}, neither the stable ${stable} nor the canary ${spec.canary}`,
          );
      }
      return alias;
    };

    const share = (alias: AliasConfiguration) => {
      const fraction = alias.RoutingConfig?.AdditionalVersionWeights?.[spec.canary] ?? 0;
      return alias.FunctionVersion === spec.canary ? 100 - Math.round(100 * fraction) : Math.round(100 * fraction);
    };

    return {
      type: 'aws-lambda',
      async setWeight(weight) {
        const alias = await read();
        if (stable === undefined || stable === spec.canary)
          throw new Error(`${where} points at the canary ${spec.canary} and no stable version is known: set traffic.stable`);
        const target = aliasRouting(weight, stable, spec.canary);
        const { client, m } = await load();
        try {
          await awsCall(where, 'lambda:UpdateAlias', () =>
            client.send(
              new m.UpdateAliasCommand({
                FunctionName: spec.function,
                Name: spec.alias,
                FunctionVersion: target.FunctionVersion,
                RoutingConfig: { AdditionalVersionWeights: target.weights },
                RevisionId: alias.RevisionId,
              }),
            ),
          );
        } catch (error) {
          if ((error as Error).cause instanceof m.PreconditionFailedException)
            throw new Error(`${where} was changed by someone else between Rollgate's read and its update (RevisionId): not overwritten`, {
              cause: error,
            });
          throw error;
        }
      },
      async getWeight() {
        return share(await read());
      },
      async verify(weight) {
        const alias = await read();
        if (stable === undefined) return false;
        const target = aliasRouting(weight, stable, spec.canary);
        const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {}).filter(([, w]) => w > 0);
        return (
          alias.FunctionVersion === target.FunctionVersion &&
          weights.length === Object.keys(target.weights).length &&
          weights.every(([version, w]) => target.weights[version] === w)
        );
      },
      async close() {
        await sdk?.then(
          ({ client }) => client.destroy(),
          () => undefined,
        );
      },
    };
  },
});
