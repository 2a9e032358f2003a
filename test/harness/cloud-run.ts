// A local Cloud Run Admin API v2 (REST) for tests: no emulator exists. Every request body and query
// is validated against the API's published protos (the protos.json shipped in @google-cloud/run,
// read with protobufjs, under the proto3 JSON mapping), and so is every answer the fake gives, so it
// cannot drift from the real shapes. It keeps services with revisions, runs updates as long-running
// operations, and reconciles: `generation` moves at once, `observedGeneration`, `trafficStatuses` and
// `terminalCondition` when the operation completes. It enforces Cloud Run's traffic rules (known
// revisions, whole percents summing to 100, unique tags) and the etag. Knobs: deny a permission,
// throttle (429), and change the traffic as someone else.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const root = protobuf.Root.fromJSON(require('@google-cloud/run/build/protos/protos.json') as protobuf.INamespace);
root.resolveAll();
const SERVICE = root.lookupType('google.cloud.run.v2.Service');
export const serviceType = SERVICE;
const UPDATE_REQUEST = root.lookupType('google.cloud.run.v2.UpdateServiceRequest');
const OPERATION = root.lookupType('google.longrunning.Operation');

/** Where `value` breaks the proto3 JSON mapping of `type` (empty when it does not). */
export function schemaErrors(type: protobuf.Type, value: unknown, path = type.name): string[] {
  const errors: string[] = [];
  checkMessage(type, value, path, errors);
  return errors;
}

const INTEGER = /^-?\d+$/;
function checkMessage(type: protobuf.Type, value: unknown, path: string, errors: string[]): void {
  if (wellKnown(type, value, path, errors)) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push(`${path}: expected an object (${type.fullName.slice(1)})`);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const field = type.fieldsArray.find((f) => f.name === key || jsonName(f.name) === key);
    if (!field) {
      errors.push(`${path}.${key}: no such field in ${type.fullName.slice(1)}`);
      continue;
    }
    if (v === null) continue;
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) errors.push(`${path}.${key}: expected a map object`);
      else for (const [k, item] of Object.entries(v)) checkValue(field, item, `${path}.${key}[${k}]`, errors);
    } else if (field.repeated) {
      if (!Array.isArray(v)) errors.push(`${path}.${key}: expected an array`);
      else v.forEach((item, i) => checkValue(field, item, `${path}.${key}[${i}]`, errors));
    } else checkValue(field, v, `${path}.${key}`, errors);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => (value as Record<string, unknown>)[jsonName(f.name)] != null);
    if (set.length > 1) errors.push(`${path}: ${set.map((f) => f.name).join(' and ')} are one of "${oneof.name}"`);
  }
}

function checkValue(field: protobuf.Field, v: unknown, path: string, errors: string[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (!(typeof v === 'string' ? v in resolved.values : Number.isInteger(v) && Object.values(resolved.values).includes(v as number)))
      errors.push(`${path}: ${JSON.stringify(v)} is not a value of ${resolved.fullName.slice(1)}`);
    return;
  }
  if (resolved instanceof protobuf.Type) return checkMessage(resolved, v, path, errors);
  const ok = (() => {
    switch (field.type) {
      case 'string':
        return typeof v === 'string';
      case 'bytes':
        return typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v);
      case 'bool':
        return typeof v === 'boolean';
      case 'double':
      case 'float':
        return typeof v === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(v as string);
      case 'int64':
      case 'uint64':
      case 'sint64':
      case 'fixed64':
      case 'sfixed64':
        return (typeof v === 'string' && INTEGER.test(v)) || Number.isInteger(v);
      default: // 32-bit integers
        return (typeof v === 'string' && INTEGER.test(v)) || (Number.isInteger(v) && Math.abs(v as number) < 2 ** 32);
    }
  })();
  if (!ok) errors.push(`${path}: ${JSON.stringify(v)} is not a ${field.type}`);
}

/** The well-known types have their own JSON forms. */
function wellKnown(type: protobuf.Type, v: unknown, path: string, errors: string[]): boolean {
  const check = (ok: boolean, what: string) => {
    if (!ok) errors.push(`${path}: ${JSON.stringify(v)} is not ${what}`);
    return true;
  };
  switch (type.fullName) {
    case '.google.protobuf.Timestamp':
      return check(typeof v === 'string' && !Number.isNaN(Date.parse(v)) && /Z$|[+-]\d\d:\d\d$/.test(v), 'an RFC 3339 timestamp');
    case '.google.protobuf.Duration':
      return check(typeof v === 'string' && /^-?\d+(\.\d{1,9})?s$/.test(v), 'a duration such as "3.5s"');
    case '.google.protobuf.FieldMask':
      return check(typeof v === 'string' && /^([a-zA-Z0-9_.]+(,[a-zA-Z0-9_.]+)*)?$/.test(v), 'a field mask');
    case '.google.protobuf.Any':
      return check(typeof v === 'object' && v !== null && typeof (v as { '@type'?: unknown })['@type'] === 'string', 'an Any with @type');
    case '.google.protobuf.Struct':
    case '.google.protobuf.Value':
    case '.google.protobuf.ListValue':
      return true;
    default:
      return false;
  }
}

/** Google's system parameters, valid on every method (https://cloud.google.com/apis/docs/system-parameters). */
const SYSTEM_PARAMETERS = new Set([
  '$alt',
  'alt',
  '$.xgafv',
  '$callback',
  'callback',
  'fields',
  '$fields',
  'key',
  'prettyPrint',
  'quotaUser',
  'upload_protocol',
  'uploadType',
]);

const jsonName = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export interface TrafficTarget {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
}

export interface FakeService {
  name: string;
  uid: string;
  generation: string;
  observedGeneration: string;
  etag: string;
  reconciling: boolean;
  traffic: TrafficTarget[];
  trafficStatuses: TrafficTarget[];
  terminalCondition: { type: string; state: string; lastTransitionTime: string; message?: string };
  latestReadyRevision: string;
  latestCreatedRevision: string;
  uri: string;
  createTime: string;
  updateTime: string;
}

export interface CloudRunFake {
  endpoint: string;
  token: string;
  /** Method and path of every request, in order. */
  requests: string[];
  /** Schema violations seen in requests (answered 400) and in the fake's own answers (a test bug). */
  violations: string[];
  /** Creates a service serving `revisions[0]` at 100 % (all revisions exist). */
  addService(project: string, region: string, service: string, revisions: string[]): FakeService;
  service(name: string): FakeService;
  /** The next `times` requests are answered 429 RESOURCE_EXHAUSTED. */
  throttle(times: number): void;
  /** Requests needing this IAM permission are answered 403 PERMISSION_DENIED. */
  deny(permission: string): void;
  /** Someone else changes the traffic (a completed update: new generation and etag). */
  changeTraffic(name: string, traffic: TrafficTarget[]): void;
  /** Polls of an operation before it is done (default 2). */
  pollsPerOperation: number;
  /** Runs `step` (someone else's change) when the next PATCH arrives, before it is checked. */
  beforeNextPatch(step: () => void): void;
  /** Undoes throttle, deny, beforeNextPatch and failNextOperation. */
  resetKnobs(): void;
  /** The next update's operation ends with this error instead of reconciling. */
  failNextOperation(message: string): void;
  close(): Promise<void>;
}

export async function startCloudRunFake(): Promise<CloudRunFake> {
  const token = `ya29.fake-${randomUUID()}`;
  const services = new Map<string, { service: FakeService; revisions: Set<string> }>();
  const operations = new Map<string, { polls: number; service: string; error?: string; done: boolean }>();
  const requests: string[] = [];
  const violations: string[] = [];
  const denied = new Set<string>();
  let throttled = 0;
  let failNext: string | undefined;
  let beforePatch: (() => void) | undefined;
  const now = () => new Date().toISOString();

  const reply = (res: ServerResponse, status: number, body: unknown, type?: protobuf.Type) => {
    if (type) for (const error of schemaErrors(type, body)) violations.push(`answer: ${error}`);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, code: number, status: string, message: string) =>
    reply(res, code, { error: { code, message, status } });

  const reconcile = (name: string) => {
    const entry = services.get(name)!;
    const s = entry.service;
    s.observedGeneration = s.generation;
    s.trafficStatuses = s.traffic.map((t) => ({ ...t }));
    s.reconciling = false;
    s.terminalCondition = { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now() };
  };
  const operationJson = (name: string) => {
    const op = operations.get(name)!;
    const service = services.get(op.service)!.service;
    const any = { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', ...service };
    return {
      name,
      metadata: any,
      done: op.done,
      ...(op.done ? (op.error ? { error: { code: 9, message: op.error } } : { response: any }) : {}),
    };
  };

  /** Cloud Run's rules for traffic[], as the API answers them (400 INVALID_ARGUMENT). */
  const trafficError = (traffic: TrafficTarget[], revisions: Set<string>): string | undefined => {
    let sum = 0;
    const seen = new Set<string>();
    const tags = new Set<string>();
    for (const t of traffic) {
      const percent = t.percent ?? 0;
      if (!Number.isInteger(percent) || percent < 0 || percent > 100) return `Traffic percent must be between 0 and 100, got ${percent}.`;
      sum += percent;
      if ((t.type ?? 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION') === 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION') {
        if (!t.revision) return 'A traffic target of type REVISION must name a revision.';
        if (!revisions.has(t.revision)) return `Revision named '${t.revision}' does not exist.`;
        if (seen.has(t.revision) && !t.tag) return `Revision '${t.revision}' appears more than once.`;
        seen.add(t.revision);
      }
      if (t.tag) {
        if (tags.has(t.tag)) return `Tag '${t.tag}' appears more than once.`;
        tags.add(t.tag);
      }
      if (!percent && !t.tag) return 'A traffic target with 0 percent must have a tag.';
    }
    if (sum !== 100) return `Traffic percents must sum to 100, got ${sum}.`;
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString();
    if (req.headers.authorization !== `Bearer ${token}`)
      return fail(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    if (throttled > 0) {
      throttled--;
      return fail(res, 429, 'RESOURCE_EXHAUSTED', "Quota exceeded for quota metric 'Write requests' of service 'run.googleapis.com'.");
    }
    const serviceMatch = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/services\/[^/:]+)$/.exec(url.pathname);
    const operationMatch = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/operations\/[^/:]+)$/.exec(url.pathname);
    const permission = serviceMatch ? (req.method === 'PATCH' ? 'run.services.update' : 'run.services.get') : 'run.operations.get';
    if (denied.has(permission))
      return fail(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission '${permission}' denied on resource '${url.pathname.slice(4)}' (or it may not exist).`,
      );

    if (operationMatch && req.method === 'GET') {
      const op = operations.get(operationMatch[1]!);
      if (!op) return fail(res, 404, 'NOT_FOUND', `Operation ${operationMatch[1]} not found.`);
      if (!op.done && ++op.polls >= fake.pollsPerOperation) {
        op.done = true;
        if (!op.error) reconcile(op.service);
      }
      return reply(res, 200, operationJson(operationMatch[1]!), OPERATION);
    }
    if (!serviceMatch) return fail(res, 404, 'NOT_FOUND', `No route for ${req.method} ${url.pathname}.`);
    const entry = services.get(serviceMatch[1]!);
    if (!entry) return fail(res, 404, 'NOT_FOUND', `Resource '${serviceMatch[1]}' was not found`);
    if (req.method === 'GET') return reply(res, 200, entry.service, SERVICE);
    if (req.method !== 'PATCH') return fail(res, 405, 'UNIMPLEMENTED', `${req.method} is not a method of this resource.`);

    beforePatch?.();
    beforePatch = undefined;
    // UpdateService: the query holds the request's other fields, the body is the Service.
    const query: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) if (!SYSTEM_PARAMETERS.has(k)) query[k] = v === 'true' ? true : v === 'false' ? false : v;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return fail(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const errors = [...schemaErrors(UPDATE_REQUEST, query, 'UpdateServiceRequest'), ...schemaErrors(SERVICE, body)];
    if (errors.length) {
      violations.push(...errors.map((e) => `request: ${e}`));
      return fail(res, 400, 'INVALID_ARGUMENT', `Invalid JSON payload received. ${errors.join('; ')}`);
    }
    if (body.name !== undefined && body.name !== serviceMatch[1])
      return fail(res, 400, 'INVALID_ARGUMENT', 'service.name does not match the URL.');
    const mask = typeof query.updateMask === 'string' ? query.updateMask.split(',') : undefined;
    if (mask?.some((path) => path !== 'traffic'))
      return fail(res, 400, 'INVALID_ARGUMENT', `This fake updates traffic only (updateMask=${String(query.updateMask)}).`);
    if (body.etag !== undefined && body.etag !== entry.service.etag)
      return fail(
        res,
        409,
        'ABORTED',
        'The etag of the request does not match the current etag of the Service; it was modified concurrently.',
      );
    const traffic = (body.traffic ?? []) as TrafficTarget[];
    const invalid = trafficError(traffic, entry.revisions);
    if (invalid) return fail(res, 400, 'INVALID_ARGUMENT', invalid);
    if (query.validateOnly === true)
      return reply(res, 200, { name: `${serviceMatch[1]!.replace(/services\/.*/, 'operations/')}${randomUUID()}`, done: true }, OPERATION);

    const s = entry.service;
    s.traffic = traffic.map((t) => ({ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', ...t }));
    s.generation = String(Number(s.generation) + 1);
    s.etag = `"${randomUUID()}"`;
    s.reconciling = true;
    s.updateTime = now();
    s.terminalCondition = { type: 'Ready', state: 'CONDITION_RECONCILING', lastTransitionTime: now() };
    const opName = `${serviceMatch[1]!.replace(/services\/.*/, 'operations/')}${randomUUID()}`;
    operations.set(opName, { polls: 0, service: serviceMatch[1]!, done: false, ...(failNext ? { error: failNext } : {}) });
    if (failNext) {
      s.reconciling = false;
      s.terminalCondition = { type: 'Ready', state: 'CONDITION_FAILED', lastTransitionTime: now(), message: failNext };
    }
    failNext = undefined;
    return reply(res, 200, operationJson(opName), OPERATION);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      violations.push(`fake crashed: ${error.stack ?? error.message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const fake: CloudRunFake = {
    endpoint: `http://127.0.0.1:${port}`,
    token,
    requests,
    violations,
    pollsPerOperation: 2,
    addService(project, region, service, revisions) {
      const name = `projects/${project}/locations/${region}/services/${service}`;
      const traffic = [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION', revision: revisions[0]!, percent: 100 }];
      const created: FakeService = {
        name,
        uid: randomUUID(),
        generation: '1',
        observedGeneration: '1',
        etag: `"${randomUUID()}"`,
        reconciling: false,
        traffic,
        trafficStatuses: traffic.map((t) => ({ ...t })),
        terminalCondition: { type: 'Ready', state: 'CONDITION_SUCCEEDED', lastTransitionTime: now() },
        latestReadyRevision: `${name}/revisions/${revisions.at(-1)}`,
        latestCreatedRevision: `${name}/revisions/${revisions.at(-1)}`,
        uri: `https://${service}-abcdefghij-ew.a.run.app`,
        createTime: now(),
        updateTime: now(),
      };
      services.set(name, { service: created, revisions: new Set(revisions) });
      return created;
    },
    service: (name) => services.get(name)!.service,
    throttle(times) {
      throttled = times;
    },
    deny(permission) {
      denied.add(permission);
    },
    changeTraffic(name, traffic) {
      const s = services.get(name)!.service;
      s.traffic = traffic;
      s.generation = String(Number(s.generation) + 1);
      s.etag = `"${randomUUID()}"`;
      reconcile(name);
    },
    resetKnobs() {
      throttled = 0;
      denied.clear();
      beforePatch = undefined;
      failNext = undefined;
    },
    beforeNextPatch(step) {
      beforePatch = step;
    },
    failNextOperation(message) {
      failNext = message;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
