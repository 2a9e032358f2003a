// A local LaunchDarkly for tests (no LaunchDarkly server runs here). It speaks the two APIs Rollgate and
// the SDK use: the REST API's get-flag and semantic-patch update, and the server SDK's polling endpoint.
// Every REST response is checked against LaunchDarkly's own generated schema of FeatureFlag (the
// Speakeasy models of its OpenAPI description, shipped in the official `@launchdarkly/mcp-server`), and
// every semantic patch against the parameters LaunchDarkly documents for its instructions. Anything that
// does not match is answered 400/500 and recorded in `violations`, which tests assert empty.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FeatureFlag$inboundSchema } from '@launchdarkly/mcp-server/models/components';

export interface FakeLaunchDarkly {
  url: string;
  /** A token allowed to read and update flags; `readerToken` may only read. */
  token: string;
  readerToken: string;
  sdkKey: string;
  /** Requests or responses that broke LaunchDarkly's API description. */
  violations: string[];
  /** The semantic patches received, in order. */
  patches: Array<{ flag: string; body: unknown }>;
  addFlag(project: string, key: string, variations: unknown[], environments: string[]): void;
  flag(project: string, key: string): StoredFlag;
  stop(): Promise<void>;
}

interface EnvConfig {
  on: boolean;
  salt: string;
  version: number;
  lastModified: number;
  offVariation: number;
  fallthrough: {
    variation?: number;
    rollout?: { variations: Array<{ variation: number; weight: number }>; contextKind?: string; bucketBy?: string };
  };
}
interface StoredFlag {
  key: string;
  version: number;
  variations: Array<{ _id: string; value: unknown; name?: string }>;
  environments: Record<string, EnvConfig>;
}

// The semantic patch body and the instructions Rollgate sends, with the parameters LaunchDarkly's
// "Update feature flag" documentation gives them (rolloutWeights: variation id → thousandths, 0..100000).
const instruction = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('updateFallthroughVariationOrRollout'),
    variationId: z.string().optional(),
    rolloutWeights: z.record(z.string(), z.int().min(0).max(100_000)).optional(),
    rolloutBucketBy: z.string().optional(),
    rolloutContextKind: z.string().optional(),
  }),
  z.strictObject({ kind: z.literal('turnFlagOn') }),
  z.strictObject({ kind: z.literal('turnFlagOff') }),
]);
const semanticPatch = z.strictObject({
  environmentKey: z.string().min(1),
  comment: z.string().optional(),
  instructions: z.array(instruction).min(1),
});

export async function startFakeLaunchDarkly(): Promise<FakeLaunchDarkly> {
  const flags = new Map<string, StoredFlag>();
  const violations: string[] = [];
  const patches: FakeLaunchDarkly['patches'] = [];
  const token = `api-${randomUUID()}`;
  const readerToken = `api-${randomUUID()}`;
  const sdkKey = `sdk-${randomUUID()}`;

  /** The flag as the REST API represents it (environments filtered by ?env=). */
  const representation = (project: string, flag: StoredFlag, env: string | null) => ({
    name: flag.key,
    kind: flag.variations.length === 2 && flag.variations.every((v) => typeof v.value === 'boolean') ? 'boolean' : 'multivariate',
    key: flag.key,
    _version: flag.version,
    creationDate: 1_700_000_000_000,
    variations: flag.variations,
    temporary: true,
    tags: [],
    _links: { self: { href: `/api/v2/flags/${project}/${flag.key}`, type: 'application/json' } },
    experiments: { baselineIdx: 0, items: [] },
    customProperties: {},
    archived: false,
    environments: Object.fromEntries(
      Object.entries(flag.environments)
        .filter(([name]) => env === null || name === env)
        .map(([name, c]) => [
          name,
          {
            on: c.on,
            archived: false,
            salt: c.salt,
            sel: c.salt.slice(0, 8),
            lastModified: c.lastModified,
            version: c.version,
            targets: [],
            contextTargets: [],
            rules: [],
            fallthrough: c.fallthrough,
            offVariation: c.offVariation,
            prerequisites: [],
            _site: { href: `/${project}/${name}/features/${flag.key}`, type: 'text/html' },
            _environmentName: name,
            trackEvents: false,
            trackEventsFallthrough: false,
          },
        ]),
    ),
  });

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  /** A REST answer with a flag: checked against LaunchDarkly's FeatureFlag schema first. */
  const sendFlag = (response: ServerResponse, body: unknown) => {
    const checked = FeatureFlag$inboundSchema.safeParse(body);
    if (!checked.success) {
      violations.push(`response: ${checked.error.message}`);
      return send(response, 500, { code: 'internal', message: 'the fake built a flag the API description rejects' });
    }
    send(response, 200, body);
  };
  const readBody = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => resolve(text));
    });

  const sdkFlag = (flag: StoredFlag, env: string) => {
    const c = flag.environments[env]!;
    return {
      key: flag.key,
      version: c.version,
      on: c.on,
      variations: flag.variations.map((v) => v.value),
      fallthrough: c.fallthrough,
      offVariation: c.offVariation,
      targets: [],
      contextTargets: [],
      rules: [],
      prerequisites: [],
      salt: c.salt,
      trackEvents: false,
      trackEventsFallthrough: false,
      clientSide: false,
      deleted: false,
    };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname === '/sdk/latest-all') {
      if (request.headers.authorization !== sdkKey) return send(response, 401, {});
      // An SDK key belongs to one environment: this fake's is "production".
      const all = Object.fromEntries(
        [...flags.values()].filter((f) => f.environments.production).map((f) => [f.key, sdkFlag(f, 'production')]),
      );
      return send(response, 200, { flags: all, segments: {} });
    }
    const route = /^\/api\/v2\/flags\/([\w.-]+)\/([\w.-]+)$/.exec(url.pathname);
    if (!route) return send(response, 404, { code: 'not_found', message: 'Unknown resource' });
    const auth = request.headers.authorization;
    if (auth !== token && auth !== readerToken) return send(response, 401, { code: 'unauthorized', message: 'Invalid access token' });
    const [, project, key] = route as unknown as [string, string, string];
    const flag = flags.get(`${project}/${key}`);
    if (!flag) return send(response, 404, { code: 'not_found', message: 'Unknown resource' });

    if (request.method === 'GET') return sendFlag(response, representation(project, flag, url.searchParams.get('env')));
    if (request.method !== 'PATCH') return send(response, 405, { code: 'method_not_allowed', message: 'Method not allowed' });
    if (auth !== token) return send(response, 403, { code: 'forbidden', message: 'Access to the requested resource was denied' });
    const contentType = request.headers['content-type'] ?? '';
    const text = await readBody(request);
    if (!/^application\/json;\s*domain-model=launchdarkly\.semanticpatch$/.test(contentType)) {
      violations.push(`PATCH ${url.pathname}: content type ${contentType} is not a semantic patch`);
      return send(response, 400, { code: 'invalid_request', message: 'unsupported content type' });
    }
    let body: z.infer<typeof semanticPatch>;
    try {
      body = semanticPatch.parse(JSON.parse(text));
    } catch (error) {
      violations.push(`PATCH ${url.pathname}: ${(error as Error).message}`);
      return send(response, 400, { code: 'invalid_request', message: 'invalid semantic patch' });
    }
    patches.push({ flag: key, body });
    const config = flag.environments[body.environmentKey];
    if (!config) return send(response, 400, { code: 'invalid_request', message: `unknown environment ${body.environmentKey}` });
    // Applied as one change: every instruction is checked before any takes effect.
    const next = structuredClone(config);
    for (const step of body.instructions) {
      if (step.kind === 'turnFlagOn') next.on = true;
      else if (step.kind === 'turnFlagOff') next.on = false;
      else if (step.rolloutWeights) {
        const weights = Object.entries(step.rolloutWeights);
        const total = weights.reduce((sum, [, w]) => sum + w, 0);
        const index = (id: string) => flag.variations.findIndex((v) => v._id === id);
        if (total !== 100_000 || weights.some(([id]) => index(id) < 0)) {
          violations.push(`PATCH ${url.pathname}: rolloutWeights ${JSON.stringify(step.rolloutWeights)} (sum ${total})`);
          return send(response, 400, { code: 'invalid_request', message: 'rollout weights must sum to 100000 and name variations' });
        }
        next.fallthrough = {
          rollout: {
            variations: weights.map(([id, weight]) => ({ variation: index(id), weight })),
            ...(step.rolloutContextKind ? { contextKind: step.rolloutContextKind } : {}),
            ...(step.rolloutBucketBy ? { bucketBy: step.rolloutBucketBy } : {}),
          },
        };
      } else if (step.variationId !== undefined) {
        next.fallthrough = { variation: flag.variations.findIndex((v) => v._id === step.variationId) };
      }
    }
    next.version += 1;
    next.lastModified = Date.now();
    flag.environments[body.environmentKey] = next;
    flag.version += 1;
    return sendFlag(response, representation(project, flag, null));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => send(response, 500, { code: 'internal', message: error.message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    readerToken,
    sdkKey,
    violations,
    patches,
    addFlag(project, key, values, environments) {
      const variations = values.map((value) => ({ _id: randomUUID(), value }));
      flags.set(`${project}/${key}`, {
        key,
        version: 1,
        variations,
        environments: Object.fromEntries(
          environments.map((env) => [
            env,
            {
              on: false,
              salt: randomUUID().replace(/-/g, ''),
              version: 1,
              lastModified: Date.now(),
              offVariation: values.length - 1,
              fallthrough: { variation: values.length - 1 },
            },
          ]),
        ),
      });
    },
    flag: (project, key) => flags.get(`${project}/${key}`)!,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
