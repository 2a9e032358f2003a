// The aws-lambda router against moto: the real Lambda client, a function with two published versions
// and an alias. moto does not check RevisionId; the harness front does, as Lambda does (412).
import { describe, expect, it } from 'vitest';
import { CreateRoleCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  LambdaClient,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { awsLambdaTraffic } from '../../../src/traffic/aws/aws-lambda.js';
import { ROLLOUT_TIMEOUT, canaryStages, clientConfig, drive, iamUser, providerEnv, useMoto } from './fixtures.js';
import { MOTO_REGION } from '../../harness/moto.js';

const { moto } = useMoto(async (m) => {
  await new IAMClient(clientConfig(m)).send(new ListRolesCommand({}));
  await new LambdaClient(clientConfig(m)).send(new ListFunctionsCommand({}));
});
const context = { stage: 0, stageName: 's', environment: 'it', rollback: false };
// A zip holding index.mjs (`export const handler = async () => ({ statusCode: 200 })`); never invoked.
const ZIP = Buffer.from(
  'UEsDBBQAAAAAAL1ofl1wRQaeOgAAADoAAAAJAAAAaW5kZXgubWpzZXhwb3J0IGNvbnN0IGhhbmRsZXIgPSBhc3luYyAoKSA9PiAoeyBzdGF0dXNDb2RlOiAyMDAgfSk7ClBLAQIUAxQAAAAAAL1ofl1wRQaeOgAAADoAAAAJAAAAAAAAAAAAAACAAQAAAABpbmRleC5tanNQSwUGAAAAAAEAAQA3AAAAYQAAAAAA',
  'base64',
);

/** Function `web` with versions 1 and 2 published and alias `live` on version 1; clients go through the front. */
async function createFunction() {
  const iam = new IAMClient(clientConfig(moto()));
  const role = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'web',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    )
  ).Role!.Arn!;
  const lambda = new LambdaClient({ ...clientConfig(moto()), endpoint: moto().endpoint });
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'web', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: ZIP } }),
  );
  await lambda.send(new PublishVersionCommand({ FunctionName: 'web' }));
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'web', ZipFile: ZIP }));
  await lambda.send(new PublishVersionCommand({ FunctionName: 'web' }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '1' }));
  const alias = async () => lambda.send(new GetAliasCommand({ FunctionName: 'web', Name: 'live' }));
  return { lambda, alias };
}

const yaml = (extra = '') => `
version: 1
environment: it
traffic:
  provider: aws-lambda
  endpoint: ${moto().endpoint}
  function: web
  alias: live
  canary: "2"
${extra ? `${extra}\n` : ''}`;

const router = (fields: Record<string, unknown> = {}, env = providerEnv()) =>
  awsLambdaTraffic.create(
    awsLambdaTraffic.schema.parse({
      provider: 'aws-lambda',
      endpoint: moto().endpoint,
      function: 'web',
      alias: 'live',
      canary: '2',
      ...fields,
    }),
    env,
  );

describe('aws-lambda router on moto', { timeout: ROLLOUT_TIMEOUT }, () => {
  it('promotes through weighted routing, then points the alias at the canary with no extra weights', async () => {
    const { alias } = await createFunction();
    const run = await drive(yaml() + canaryStages());
    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 100]);
    const after = await alias();
    expect(after.FunctionVersion).toBe('2');
    expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
    expect(moto().actions.filter((a) => a === 'UpdateAlias')).toHaveLength(3);
  });

  it('sends 5 % as the fraction 0.05 and returns a failing canary to 0 %', async () => {
    const { alias } = await createFunction();
    const r = router();
    await r.setWeight(5, context);
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.05 });
    const run = await drive(yaml('  stable: "1"') + canaryStages(25));
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 0]);
    const after = await alias();
    expect(after.FunctionVersion).toBe('1');
    expect(after.RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({});
  });

  it('reads a weight changed by someone else, and refuses to overwrite a change made between its read and its update', async () => {
    const { lambda, alias } = await createFunction();
    const r = router();
    await r.setWeight(25, context);
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'web',
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.6 } },
      }),
    );
    expect(await r.getWeight()).toBe(60);
    expect(await r.verify(25)).toBe(false);

    // Someone else's update lands after Rollgate's GetAlias and before its UpdateAlias.
    moto().beforeAction('UpdateAlias', () =>
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'web',
          Name: 'live',
          FunctionVersion: '1',
          RoutingConfig: { AdditionalVersionWeights: { '2': 0.9 } },
        }),
      ),
    );
    await expect(r.setWeight(50, context)).rejects.toThrow(
      "Lambda alias web:live was changed by someone else between Rollgate's read and its update (RevisionId): not overwritten",
    );
    expect((await alias()).RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.9 });
    expect(await r.getWeight()).toBe(90);

    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'web',
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } },
      }),
    );
    await expect(r.getWeight()).rejects.toThrow('Lambda alias web:live also routes to version 3 (0.1): not the canary 2');
  });

  it('refuses an alias on another version than the stable one given', async () => {
    await createFunction();
    await expect(router({ stable: '7' }).getWeight()).rejects.toThrow(
      'Lambda alias web:live points at version 1, neither the stable 7 nor the canary 2',
    );
  });

  it('retries a throttled UpdateAlias', async () => {
    await createFunction();
    const r = router();
    moto().throttle('UpdateAlias', 2, 'rest-json');
    await r.setWeight(50, context);
    expect(moto().actions.filter((a) => a === 'UpdateAlias')).toHaveLength(3);
    expect(await r.getWeight()).toBe(50);
  });

  it('names the IAM action a role lacks', async () => {
    await createFunction();
    const keys = await iamUser(moto(), 'reader', ['lambda:GetAlias']);
    await moto().enforceIam(true);
    const r = router(
      {},
      providerEnv({ AWS_REGION: MOTO_REGION, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey }),
    );
    expect(await r.getWeight()).toBe(0);
    await expect(r.setWeight(5, context)).rejects.toThrow(
      'access denied to lambda:UpdateAlias; allow the IAM action "lambda:UpdateAlias" to the role',
    );
  });
});
