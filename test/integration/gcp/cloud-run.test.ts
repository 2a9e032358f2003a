// The cloud-run router against a local Run Admin API v2 whose requests and answers are validated
// against the published protos (test/harness/cloud-run.ts): no Cloud Run emulator exists.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { v2 } from '@google-cloud/run';
import { OAuth2Client } from 'google-auth-library';
import { cloudRunTraffic, trafficFor } from '../../../src/traffic/gcp/cloud-run.js';
import { schemaErrors, serviceType, startCloudRunFake, type CloudRunFake } from '../../harness/cloud-run.js';
import { canaryStages, drive, providerEnv } from '../aws/fixtures.js';

let fake: CloudRunFake;
beforeAll(async () => {
  fake = await startCloudRunFake();
  process.env.GOOGLE_OAUTH_ACCESS_TOKEN = fake.token;
});
afterAll(async () => fake.close());
afterEach(() => {
  expect(fake.violations).toEqual([]);
  fake.resetKnobs();
});

const NAME = 'projects/shop-prod/locations/europe-west1/services/web';
let counter = 0;
/** A fresh service (own name per test) serving web-00001-abc, with web-00002-def deployed at 0 %. */
function service() {
  const name = `web${++counter}`;
  fake.addService('shop-prod', 'europe-west1', name, ['web-00001-abc', 'web-00002-def']);
  return { name, path: NAME.replace(/web$/, name) };
}
const fields = (name: string) => ({
  provider: 'cloud-run',
  project: 'shop-prod',
  region: 'europe-west1',
  service: name,
  stable: 'web-00001-abc',
  canary: 'web-00002-def',
  endpoint: fake.endpoint,
});
const router = (name: string) => cloudRunTraffic.create(cloudRunTraffic.schema.parse(fields(name)), providerEnv());
const yaml = (name: string) =>
  `version: 1\nenvironment: it\ntraffic:\n${Object.entries(fields(name))
    .map(([k, v]) => `  ${k}: ${v}`)
    .join('\n')}\n`;
const context = { stage: 0, stageName: 's', environment: 'it', rollback: false };
const statuses = (path: string) => fake.service(path).trafficStatuses.map((t) => [t.revision, t.percent]);

describe('cloud-run router on a schema-checked Run v2 fake', { timeout: 60_000 }, () => {
  it('promotes: one PATCH per stage, each operation awaited, trafficStatuses read back', async () => {
    const { name, path } = service();
    const run = await drive(yaml(name) + canaryStages());
    expect(run.result.outcome).toBe('promoted');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 100]);
    expect(statuses(path)).toEqual([['web-00002-def', 100]]);
    expect(fake.requests.filter((r) => r.startsWith(`PATCH /v2/${path}?updateMask=traffic`))).toHaveLength(3);
    expect(
      fake.requests.filter((r) => r.startsWith('GET /v2/projects/shop-prod/locations/europe-west1/operations/')).length,
    ).toBeGreaterThanOrEqual(6);
  });

  it('rolls a failing canary back to 0 %', async () => {
    const { name, path } = service();
    const run = await drive(yaml(name) + canaryStages(25));
    expect(run.result.outcome).toBe('rolled-back');
    expect(run.segments.map((s) => s.weight)).toEqual([5, 25, 0]);
    expect(statuses(path)).toEqual([['web-00001-abc', 100]]);
  });

  it('reads back only once observedGeneration caught up, and reports a failed operation', async () => {
    const { name, path } = service();
    const r = router(name);
    await r.setWeight(10, context);
    expect(await r.verify(10)).toBe(true);
    fake.failNextOperation('Revision web-00002-def is not ready and cannot serve traffic.');
    await expect(r.setWeight(20, context)).rejects.toThrow(
      `Cloud Run service ${name} (shop-prod, europe-west1): the traffic change failed: 9 Revision web-00002-def is not ready and cannot serve traffic.`,
    );
    // The spec moved (generation 3), the controller did not: still 10 % in force, not verified as 20.
    expect(fake.service(path).generation).toBe('3');
    expect(fake.service(path).observedGeneration).toBe('2');
    expect(await r.getWeight()).toBe(10);
    expect(await r.verify(20)).toBe(false);
  });

  it('reads a split someone else made, refuses to overwrite a concurrent change (etag) and a split to LATEST', async () => {
    const { name, path } = service();
    const r = router(name);
    await r.setWeight(25, context);
    fake.changeTraffic(path, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-abc', percent: 40 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-def', percent: 60 },
    ]);
    expect(await r.getWeight()).toBe(60);
    expect(await r.verify(25)).toBe(false);

    // A change lands between Rollgate's read (GET) and its PATCH: the etag no longer matches.
    fake.beforeNextPatch(() =>
      fake.changeTraffic(path, [
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-abc', percent: 70 },
        { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-def', percent: 30 },
      ]),
    );
    await expect(r.setWeight(50, context)).rejects.toThrow(
      /was changed by someone else between Rollgate's read and its update \(etag\): not overwritten \(409 ABORTED/,
    );
    expect(statuses(path)).toEqual([
      ['web-00001-abc', 70],
      ['web-00002-def', 30],
    ]);

    fake.changeTraffic(path, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-abc', percent: 90 },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 10 },
    ]);
    await expect(r.getWeight()).rejects.toThrow('also sends traffic to LATEST (10%): Rollgate shifts only between stable and canary');
  });

  it('keeps tagged preview entries, retries 429, names a missing permission', async () => {
    const { name, path } = service();
    fake.addService('shop-prod', 'europe-west1', `${name}x`, ['a-1', 'a-2']); // another service, untouched
    fake.changeTraffic(path, [
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-abc', percent: 100, tag: 'blue' },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-def', percent: 0, tag: 'green' },
    ]);
    const r = router(name);
    fake.throttle(2);
    await r.setWeight(100, context);
    expect(fake.service(path).traffic).toEqual([
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00001-abc', percent: 0, tag: 'blue' },
      { type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-def', percent: 100, tag: 'green' },
    ]);
    fake.deny('run.services.update');
    await expect(r.setWeight(0, context)).rejects.toThrow(
      `Cloud Run service ${name} (shop-prod, europe-west1): permission denied for run.services.update; grant it to the identity (e.g. roles/run.developer) (403 PERMISSION_DENIED: Permission 'run.services.update' denied`,
    );
  });

  it('builds traffic[] as Cloud Run requires it: whole percents summing to 100, no untagged 0 % entry', () => {
    expect(trafficFor(0, 's', 'c')).toEqual([{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 's', percent: 100 }]);
    expect(trafficFor(30, 's', 'c').map((t) => t.percent)).toEqual([70, 30]);
    expect(() => trafficFor(30.5, 's', 'c')).toThrow('canary weight must be a whole number 0..100');
    expect(() => trafficFor(101, 's', 'c')).toThrow('canary weight must be a whole number 0..100');
  });

  it('the fake holds requests to the published protos: unknown fields, wrong types and enum values are refused', () => {
    expect(
      schemaErrors(serviceType, { name: 'x', traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'r', percent: 100 }] }),
    ).toEqual([]);
    expect(schemaErrors(serviceType, { trafic: [] })).toEqual(['Service.trafic: no such field in google.cloud.run.v2.Service']);
    expect(schemaErrors(serviceType, { traffic: [{ percent: 'ten' }] })).toEqual(['Service.traffic[0].percent: "ten" is not a int32']);
    expect(schemaErrors(serviceType, { traffic: [{ type: 'REVISION' }] })).toEqual([
      'Service.traffic[0].type: "REVISION" is not a value of google.cloud.run.v2.TrafficTargetAllocationType',
    ]);
    expect(schemaErrors(serviceType, { traffic: { revision: 'r' } })).toEqual(['Service.traffic: expected an array']);
    expect(schemaErrors(serviceType, { updateTime: 'yesterday' })).toEqual([
      'Service.updateTime: "yesterday" is not an RFC 3339 timestamp',
    ]);
  });

  it("is driven by Google's own client too: @google-cloud/run (REST) gets, updates and awaits the operation on the same paths", async () => {
    const { path } = service();
    const url = new URL(fake.endpoint);
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: fake.token, expiry_date: Date.now() + 3_600_000 });
    const client = new v2.ServicesClient({
      fallback: true,
      apiEndpoint: url.hostname,
      port: Number(url.port),
      protocol: 'http',
      authClient: auth,
    } as never);
    const [read] = await client.getService({ name: path });
    expect(read.generation).toBe('1');
    const [operation] = await client.updateService({
      service: {
        name: path,
        etag: read.etag,
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: 'web-00002-def', percent: 100 }],
      },
      updateMask: { paths: ['traffic'] },
    });
    const [done] = await operation.promise();
    expect(done.trafficStatuses?.map((t) => [t.revision, t.percent])).toEqual([['web-00002-def', 100]]);
    expect(fake.requests.filter((r) => r.includes(path)).map((r) => r.replace(/[?&]\$alt=[^&]*/, ''))).toEqual([
      `GET /v2/${path}`,
      `PATCH /v2/${path}?updateMask=traffic`,
    ]);
    await client.close();
  });
});
