// A test Kubernetes apiserver on 127.0.0.1 speaking the real REST protocol: discovery (/api, /apis,
// resource lists, /version), GET and LIST (label selectors), POST, PUT with resourceVersion
// conflicts, PATCH as server-side apply (application/apply-patch+yaml: field managers, conflicts,
// force, a resourceVersion precondition), JSON merge patch, JSON patch and strategic merge (as a
// merge patch), DELETE with garbage collection of a Deployment's pods, status subresources, bearer
// tokens over TLS and RBAC (403 with the apiserver's own message). Every object it stores is validated
// against the official schema (kubernetes-models: core/apps, Gateway API v1.0 and Istio CRD
// openAPIV3Schema) and refused with 422 as a real server would. Controllers are simulated in
// controllers.ts. No watch: neither Rollgate nor the kubectl commands the tests run use it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { apply, ApplyConflict, renderManagedFields, update, type ManagedEntry, type Obj } from './fields.js';

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Throws the schema's complaint. */
  validate(object: Obj): void;
  /** Fills the defaults a real apiserver writes (so a read-back looks like a cluster's). */
  defaults?(object: Obj): void;
  hasStatus?: boolean;
  shortNames?: string[];
}

type Model = new (data: Obj) => { validate(): void };
const validator = (Model: Model, asApiVersion?: string) => (object: Obj) =>
  new Model(asApiVersion ? { ...object, apiVersion: asApiVersion } : object).validate();

export const RESOURCE_TYPES: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    validate: validator(Namespace as unknown as Model),
  },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    validate: validator(Service as unknown as Model),
    shortNames: ['svc'],
    defaults(o) {
      const spec = (o.spec ??= {}) as Obj as { type?: string; ports?: Obj[]; sessionAffinity?: string };
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      for (const p of spec.ports ?? []) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
    },
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    validate: validator(Pod as unknown as Model),
    hasStatus: true,
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    validate: validator(Deployment as unknown as Model),
    hasStatus: true,
    shortNames: ['deploy'],
    defaults(o) {
      const spec = o.spec as Obj & { template?: { spec?: { containers?: Obj[] } } };
      spec.replicas ??= 1;
      spec.progressDeadlineSeconds ??= 600;
      spec.revisionHistoryLimit ??= 10;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      for (const c of spec.template?.spec?.containers ?? []) {
        c.imagePullPolicy ??= 'IfNotPresent';
        for (const p of (c.ports as Obj[] | undefined) ?? []) p.protocol ??= 'TCP';
      }
    },
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    namespaced: true,
    validate: validator(HTTPRoute as unknown as Model),
    hasStatus: true,
    defaults(o) {
      // The CRD's defaults: a rule matches every path, a backendRef is a core Service of weight 1.
      for (const rule of ((o.spec as Obj | undefined)?.rules as Obj[] | undefined) ?? []) {
        rule.matches ??= [{ path: { type: 'PathPrefix', value: '/' } }];
        for (const ref of (rule.backendRefs as Obj[] | undefined) ?? []) {
          ref.group ??= '';
          ref.kind ??= 'Service';
          ref.weight ??= 1;
        }
      }
    },
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'Gateway',
    plural: 'gateways',
    namespaced: true,
    validate: validator(Gateway as unknown as Model),
    hasStatus: true,
  },
  // Istio serves v1 with the same schema as v1beta1 (kubernetes-models 2.x predates the v1 name).
  {
    group: 'networking.istio.io',
    version: 'v1',
    kind: 'VirtualService',
    plural: 'virtualservices',
    namespaced: true,
    validate: validator(VirtualService as unknown as Model, 'networking.istio.io/v1beta1'),
    shortNames: ['vs'],
  },
  {
    group: 'networking.istio.io',
    version: 'v1',
    kind: 'DestinationRule',
    plural: 'destinationrules',
    namespaced: true,
    validate: validator(DestinationRule as unknown as Model, 'networking.istio.io/v1beta1'),
    shortNames: ['dr'],
  },
];

const groupVersion = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update'];

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface Identity {
  user: string;
  /** Absent: allowed everything (cluster-admin). */
  rules?: RbacRule[];
}

export interface StoredObject {
  object: Obj;
  managed: ManagedEntry[];
}

export type WriteListener = (type: ResourceType, key: string, stored: StoredObject | undefined, before: Obj | undefined) => void;

export interface ApiserverOptions {
  /** Bearer token → identity. Requests without a known token get 401. */
  tokens: Record<string, Identity>;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

export class TestApiserver {
  readonly objects = new Map<string, StoredObject>();
  /** Every request as method and path (with query), for assertions on what a client did. */
  readonly requests: Array<{ method: string; path: string; contentType?: string; user: string; status: number }> = [];
  private revision = 1;
  private server?: Server;
  private listeners: WriteListener[] = [];
  private answered: Array<(request: TestApiserver['requests'][number]) => void> = [];
  url = '';

  constructor(private readonly options: ApiserverOptions) {
    this.put(RESOURCE_TYPES[0]!, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }, 'kube-apiserver');
  }

  async start(): Promise<string> {
    // HTTPS: client-go (kubectl) sends a bearer token over TLS only.
    const tls = (file: string) => readFileSync(new URL(`../../fixtures/kubernetes/${file}`, import.meta.url));
    this.server = createServer({ cert: tls('server.crt'), key: tls('server.key') }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `https://127.0.0.1:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  onWrite(listener: WriteListener): void {
    this.listeners.push(listener);
  }

  /** Called with each request as its answer is sent, before the client reads it: acts between two of a client's requests. */
  onAnswer(listener: (request: TestApiserver['requests'][number]) => void): void {
    this.answered.push(listener);
  }

  type(kind: string): ResourceType {
    const type = RESOURCE_TYPES.find((t) => t.kind === kind);
    if (!type) throw new Error(`no resource type ${kind}`);
    return type;
  }

  key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.plural}/${type.namespaced ? namespace : ''}/${name}`;
  }

  /** An object as a client reads it. */
  get(kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const type = this.type(kind);
    const stored = this.objects.get(this.key(type, namespace, name));
    return stored ? this.render(stored) : undefined;
  }

  list(kind: string, namespace?: string): Obj[] {
    const type = this.type(kind);
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${type.group}/${type.plural}/${namespace ?? ''}`))
      .map(([, s]) => this.render(s));
  }

  /** Writes an object as a controller does (no RBAC); `statusOnly` touches only .status. */
  put(type: ResourceType, namespace: string | undefined, object: Obj, manager: string, statusOnly = false): Obj {
    const metadata = object.metadata as Obj;
    const key = this.key(type, namespace, metadata.name as string);
    const existing = this.objects.get(key);
    if (statusOnly) {
      if (!existing) throw new Error(`${key} does not exist`);
      const next = structuredClone(existing.object);
      next.status = structuredClone(object.status);
      this.validate(type, next);
      return this.store(type, key, { object: next, managed: existing.managed }, existing.object);
    }
    const next = structuredClone(object);
    if (type.namespaced) (next.metadata as Obj).namespace = namespace;
    const managed = update(existing?.object ?? {}, next, existing?.managed ?? [], manager, groupVersion(type), this.now());
    return this.commit(type, key, existing, next, managed);
  }

  delete(kind: string, namespace: string | undefined, name: string): boolean {
    const type = this.type(kind);
    const key = this.key(type, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return false;
    this.objects.delete(key);
    this.revision++;
    for (const l of this.listeners) l(type, key, undefined, existing.object);
    return true;
  }

  private now(): string {
    return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  }

  private render(stored: StoredObject): Obj {
    const object = structuredClone(stored.object);
    (object.metadata as Obj).managedFields = renderManagedFields(stored.managed);
    return object;
  }

  private validate(type: ResourceType, object: Obj): void {
    try {
      type.validate(object);
    } catch (error) {
      const name = (object.metadata as Obj | undefined)?.name;
      throw new HttpError(
        422,
        'Invalid',
        `${type.kind}.${type.group || 'core'} "${String(name)}" is invalid: ${(error as Error).message}`,
        {
          name,
          group: type.group,
          kind: type.kind,
          causes: [{ reason: 'FieldValueInvalid', message: (error as Error).message }],
        },
      );
    }
  }

  /** Stores a new version of an object: defaults, validation, metadata bookkeeping. */
  private commit(type: ResourceType, key: string, existing: StoredObject | undefined, next: Obj, managed: ManagedEntry[]): Obj {
    next.apiVersion = groupVersion(type);
    next.kind = type.kind;
    type.defaults?.(next);
    const metadata = next.metadata as Obj;
    const old = existing?.object.metadata as Obj | undefined;
    metadata.uid = old?.uid ?? randomUUID();
    metadata.creationTimestamp = old?.creationTimestamp ?? this.now();
    delete metadata.managedFields;
    if (existing && type.hasStatus) next.status = existing.object.status;
    const specChanged = !existing || !isDeepStrictEqual(strip(existing.object), strip(next));
    if (type.kind !== 'Namespace' && type.kind !== 'Pod') {
      metadata.generation = ((old?.generation as number | undefined) ?? 0) + (specChanged ? 1 : 0);
    }
    if (existing && isDeepStrictEqual(existing.object, { ...next, metadata: { ...metadata, resourceVersion: old?.resourceVersion } })) {
      if (isDeepStrictEqual(existing.managed.map(fieldsOf), managed.map(fieldsOf))) return this.render(existing);
    }
    this.validate(type, next);
    return this.store(type, key, { object: next, managed }, existing?.object);
  }

  private store(type: ResourceType, key: string, stored: StoredObject, before: Obj | undefined): Obj {
    (stored.object.metadata as Obj).resourceVersion = String(++this.revision);
    this.objects.set(key, stored);
    for (const l of this.listeners) l(type, key, stored, before);
    return this.render(stored);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let user = 'anonymous';
    const send = (status: number, body: unknown) => {
      const request = {
        method: req.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        contentType: req.headers['content-type'],
        user,
        status,
      };
      this.requests.push(request);
      for (const listener of this.answered) listener(request);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const identity = token ? this.options.tokens[token] : undefined;
      if (!identity) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
      user = identity.user;
      const body = await readBody(req);
      send(200, this.route(req.method ?? 'GET', url, req.headers, body, identity));
    } catch (error) {
      if (error instanceof HttpError) {
        send(error.code, status(error.code, error.reason, error.message, error.details));
      } else {
        send(500, status(500, 'InternalError', (error as Error).stack ?? String(error)));
      }
    }
  }

  private route(method: string, url: URL, headers: IncomingMessage['headers'], body: string, identity: Identity): unknown {
    const path = url.pathname.replace(/\/+$/, '');
    if (method === 'GET') {
      const discovery = this.discovery(path);
      if (discovery) return discovery;
    }
    // /api/v1/... or /apis/<group>/<version>/...
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(path);
    if (!m) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const [, coreVersion, group = '', groupVer, namespace, plural, name, subresource] = m;
    const version = coreVersion ?? groupVer!;
    const type = RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
    if (!type) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (subresource && (subresource !== 'status' || !type.hasStatus))
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    const verb =
      method === 'GET'
        ? name
          ? 'get'
          : url.searchParams.get('watch') === 'true'
            ? 'watch'
            : 'list'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : method === 'DELETE'
                ? name
                  ? 'delete'
                  : 'deletecollection'
                : '';
    this.authorize(identity, verb, type, namespace, name, subresource);
    if (verb === 'watch') throw new HttpError(405, 'MethodNotAllowed', 'this test apiserver does not serve watch');
    if (type.namespaced && !namespace && verb !== 'list')
      throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    if (
      namespace &&
      type.namespaced &&
      verb !== 'get' &&
      verb !== 'list' &&
      verb !== 'delete' &&
      !this.objects.has(this.key(RESOURCE_TYPES[0]!, undefined, namespace))
    )
      throw new HttpError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });

    const manager = url.searchParams.get('fieldManager') ?? (headers['user-agent'] ?? 'unknown').split('/')[0]!;
    const contentType = (headers['content-type'] ?? '').split(';')[0]!.trim();
    switch (verb) {
      case 'get':
        return this.getOne(type, namespace, name!);
      case 'list':
        return this.listObjects(type, namespace, url.searchParams.get('labelSelector'));
      case 'create': {
        const object = parseObject(body, contentType);
        const meta = (object.metadata ?? {}) as Obj;
        if (!meta.name)
          throw new HttpError(
            422,
            'Invalid',
            `${type.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
          );
        const key = this.key(type, namespace, meta.name as string);
        if (this.objects.has(key)) throw new HttpError(409, 'AlreadyExists', `${resourceName(type)} "${String(meta.name)}" already exists`);
        checkIdentity(type, object, namespace, meta.name as string);
        object.metadata = { ...meta, namespace: type.namespaced ? namespace : undefined };
        delete (object.metadata as Obj).resourceVersion;
        if (type.hasStatus) delete object.status;
        const managed = update({}, object, [], manager, groupVersion(type), this.now());
        return this.commit(type, key, undefined, object, managed);
      }
      case 'update': {
        const key = this.key(type, namespace, name!);
        const existing = this.objects.get(key);
        if (!existing) throw notFound(type, name!);
        const object = parseObject(body, contentType);
        checkIdentity(type, object, namespace, name!);
        const rv = (object.metadata as Obj | undefined)?.resourceVersion;
        if (rv !== undefined && rv !== (existing.object.metadata as Obj).resourceVersion) throw modified(type, name!);
        if (subresource === 'status') {
          this.validate(type, { ...existing.object, status: object.status });
          return this.store(
            type,
            key,
            { object: { ...structuredClone(existing.object), status: object.status }, managed: existing.managed },
            existing.object,
          );
        }
        (object.metadata as Obj).namespace = type.namespaced ? namespace : undefined;
        const managed = update(existing.object, object, existing.managed, manager, groupVersion(type), this.now());
        return this.commit(type, key, existing, object, managed);
      }
      case 'patch':
        return this.patch(type, namespace, name!, subresource, contentType, body, manager, url.searchParams.get('force') === 'true');
      case 'delete': {
        const existing = this.objects.get(this.key(type, namespace, name!));
        if (!existing) throw notFound(type, name!);
        this.delete(type.kind, namespace, name!);
        return status(200, 'Success', `${resourceName(type)} "${name}" deleted`, {
          name,
          group: type.group,
          kind: type.plural,
          uid: (existing.object.metadata as Obj).uid,
        });
      }
      default:
        throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }
  }

  private patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string | undefined,
    contentType: string,
    body: string,
    manager: string,
    force: boolean,
  ): Obj {
    const key = this.key(type, namespace, name);
    const existing = this.objects.get(key);
    if (contentType === 'application/apply-patch+yaml') {
      if (!manager || manager === 'unknown')
        throw new HttpError(
          400,
          'BadRequest',
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        );
      const applied = parseObject(body, 'application/yaml');
      if (applied.apiVersion !== groupVersion(type) || applied.kind !== type.kind)
        throw new HttpError(
          400,
          'BadRequest',
          `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${groupVersion(type)})`,
        );
      checkIdentity(type, applied, namespace, name);
      const meta = applied.metadata as Obj;
      if (meta.resourceVersion !== undefined) {
        if (!existing)
          throw new HttpError(
            409,
            'Conflict',
            `${resourceName(type)} "${name}" not found (resourceVersion precondition on a missing object)`,
          );
        if (meta.resourceVersion !== (existing.object.metadata as Obj).resourceVersion) throw modified(type, name);
      }
      const content: Obj = { ...applied, metadata: pick(meta, ['labels', 'annotations']) };
      if (subresource === 'status' || type.hasStatus) delete content.status;
      try {
        const merged = apply(existing?.object, existing?.managed ?? [], content, manager, force, groupVersion(type), this.now());
        merged.object.metadata = {
          ...((existing?.object.metadata as Obj | undefined) ?? {}),
          ...((merged.object.metadata as Obj | undefined) ?? {}),
          name,
          ...(type.namespaced ? { namespace } : {}),
        };
        return this.commit(type, key, existing, merged.object, merged.managed);
      } catch (error) {
        if (error instanceof ApplyConflict)
          throw new HttpError(409, 'Conflict', error.message, {
            causes: error.conflicts.map((c) => ({
              reason: 'FieldManagerConflict',
              message: `conflict with "${c.manager}"`,
              field: c.field,
            })),
          });
        throw error;
      }
    }
    if (!existing) throw notFound(type, name);
    const before = existing.object;
    let after: Obj;
    if (contentType === 'application/json-patch+json') after = jsonPatch(before, JSON.parse(body) as Obj[]);
    else if (
      contentType === 'application/merge-patch+json' ||
      (contentType === 'application/strategic-merge-patch+json' && !type.group.includes('.'))
    )
      after = mergePatch(before, JSON.parse(body)) as Obj;
    else if (contentType === 'application/strategic-merge-patch+json')
      throw new HttpError(415, 'UnsupportedMediaType', 'strategic merge patch is not supported for custom resources');
    else
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    const rv = (after.metadata as Obj | undefined)?.resourceVersion;
    if (rv !== undefined && rv !== (before.metadata as Obj).resourceVersion) throw modified(type, name);
    if (subresource === 'status') {
      this.validate(type, { ...before, status: after.status });
      return this.store(type, key, { object: { ...structuredClone(before), status: after.status }, managed: existing.managed }, before);
    }
    const managed = update(before, after, existing.managed, manager, groupVersion(type), this.now());
    return this.commit(type, key, existing, after, managed);
  }

  private getOne(type: ResourceType, namespace: string | undefined, name: string): Obj {
    const stored = this.objects.get(this.key(type, namespace, name));
    if (!stored) throw notFound(type, name);
    return this.render(stored);
  }

  private listObjects(type: ResourceType, namespace: string | undefined, selector: string | null): Obj {
    const prefix = `${type.group}/${type.plural}/${namespace ?? ''}`;
    const match = labelMatcher(selector);
    const items = [...this.objects.entries()]
      .filter(([key]) => (namespace || !type.namespaced ? key.startsWith(`${prefix}/`) : key.startsWith(`${type.group}/${type.plural}/`)))
      .map(([, stored]) => this.render(stored))
      .filter((o) => match(((o.metadata as Obj).labels ?? {}) as Record<string, string>));
    return { apiVersion: groupVersion(type), kind: `${type.kind}List`, metadata: { resourceVersion: String(this.revision) }, items };
  }

  private authorize(identity: Identity, verb: string, type: ResourceType, namespace?: string, name?: string, subresource?: string) {
    if (!identity.rules) return;
    const resource = subresource ? `${type.plural}/${subresource}` : type.plural;
    const allowed = identity.rules.some(
      (r) =>
        (r.apiGroups.includes(type.group) || r.apiGroups.includes('*')) &&
        (r.resources.includes(resource) || r.resources.includes('*')) &&
        (r.verbs.includes(verb) || r.verbs.includes('*')),
    );
    if (allowed) return;
    // The apiserver's own words (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters).
    const what = name ? `${resourceName(type)} "${name}"` : resourceName(type);
    const where = namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope';
    throw new HttpError(
      403,
      'Forbidden',
      `${what} is forbidden: User "${identity.user}" cannot ${verb} resource "${resource}" in API group "${type.group}"${where}`,
      { name, group: type.group, kind: type.plural },
    );
  }

  /**
   * OpenAPI v3 as far as kubectl reads it: the index of group-versions, and per group-version the
   * PATCH operations with their GVK and the fieldValidation parameter, so kubectl leaves validation to
   * this server (fieldValidation=Strict) instead of validating against schemas it would download.
   */
  private openapi(path: string): unknown {
    const groupVersions = [...new Set(RESOURCE_TYPES.map(groupVersion))];
    const urlOf = (gv: string) => (gv === 'v1' ? 'api/v1' : `apis/${gv}`);
    if (path === '/openapi/v3') {
      return {
        paths: Object.fromEntries(
          groupVersions.map((gv) => [urlOf(gv), { serverRelativeURL: `/openapi/v3/${urlOf(gv)}?hash=${gv.length}` }]),
        ),
      };
    }
    const gv = groupVersions.find((g) => path === `/openapi/v3/${urlOf(g)}`);
    if (!gv) return undefined;
    const paths: Obj = {};
    for (const t of RESOURCE_TYPES.filter((r) => groupVersion(r) === gv)) {
      const item = `/${urlOf(gv)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
      paths[item] = {
        patch: {
          'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
          'x-kubernetes-action': 'patch',
          parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
            name,
            in: 'query',
            schema: { type: name === 'force' ? 'boolean' : 'string' },
          })),
          responses: { '200': { description: 'OK' } },
        },
      };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
  }

  private discovery(path: string): unknown {
    const openapi = this.openapi(path);
    if (openapi) return openapi;
    if (path === '/version') return { major: '1', minor: '32', gitVersion: 'v1.32.0-rollgate-test', platform: 'linux/amd64' };
    if (path === '/api')
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.url.slice(8) }],
      };
    const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group).map((t) => t.group))];
    if (path === '/apis') {
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: groups.map((name) => {
          const version = RESOURCE_TYPES.find((t) => t.group === name)!.version;
          const gv = { groupVersion: `${name}/${version}`, version };
          return { name, versions: [gv], preferredVersion: gv };
        }),
      };
    }
    const gv = path === '/api/v1' ? 'v1' : /^\/apis\/([^/]+\/[^/]+)$/.exec(path)?.[1];
    if (!gv) return undefined;
    const types = RESOURCE_TYPES.filter((t) => groupVersion(t) === gv);
    if (!types.length) throw new HttpError(404, 'NotFound', 'the server could not find the requested resource');
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: gv,
      resources: types.flatMap((t) => [
        {
          name: t.plural,
          singularName: t.kind.toLowerCase(),
          namespaced: t.namespaced,
          kind: t.kind,
          verbs: VERBS,
          ...(t.shortNames ? { shortNames: t.shortNames } : {}),
        },
        ...(t.hasStatus
          ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] }]
          : []),
      ]),
    };
  }
}

const fieldsOf = (e: ManagedEntry) => [e.manager, e.operation, [...e.fields].sort()];

function strip(object: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function pick(object: Obj, keys: string[]): Obj {
  const out: Obj = {};
  for (const k of keys) if (object[k] !== undefined) out[k] = object[k];
  return out;
}

function resourceName(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

function notFound(type: ResourceType, name: string) {
  return new HttpError(404, 'NotFound', `${resourceName(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
}

function modified(type: ResourceType, name: string) {
  return new HttpError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resourceName(type)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group: type.group, kind: type.plural },
  );
}

function status(code: number, reason: string, message: string, details?: Obj): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

function checkIdentity(type: ResourceType, object: Obj, namespace: string | undefined, name: string) {
  const meta = (object.metadata ?? {}) as Obj;
  if (meta.name !== undefined && meta.name !== name)
    throw new HttpError(400, 'BadRequest', `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
  if (type.namespaced && meta.namespace !== undefined && meta.namespace !== namespace)
    throw new HttpError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
  object.metadata = { ...meta, name };
}

function parseObject(body: string, contentType: string): Obj {
  let parsed: unknown;
  try {
    parsed = contentType.includes('yaml') ? parseYaml(body) : JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, 'BadRequest', `error decoding ${contentType || 'body'}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new HttpError(400, 'BadRequest', 'the body is not an object');
  return parsed as Obj;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** Equality-based label selectors (a=b, a==b, a!=b), comma separated; set-based `in`/`notin`. */
function labelMatcher(selector: string | null): (labels: Record<string, string>) => boolean {
  if (!selector) return () => true;
  const terms = selector.split(/,(?![^(]*\))/).map((t) => t.trim());
  return (labels) =>
    terms.every((term) => {
      const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
      if (set) {
        const values = set[3]!.split(',').map((v) => v.trim());
        return set[2] === 'in' ? values.includes(labels[set[1]!]!) : !values.includes(labels[set[1]!]!);
      }
      const eq = /^([^!=]+)(==|=|!=)(.*)$/.exec(term);
      if (!eq) return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
      return eq[2] === '!=' ? labels[eq[1]!] !== eq[3] : labels[eq[1]!] === eq[3];
    });
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Obj = typeof target === 'object' && target !== null && !Array.isArray(target) ? structuredClone(target as Obj) : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902: add, remove, replace, test (what kubectl patch --type=json sends). */
export function jsonPatch(target: Obj, operations: Obj[]): Obj {
  const doc = structuredClone(target);
  for (const op of operations) {
    const parts = String(op.path)
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: unknown = doc;
    for (const p of parts) parent = (parent as Record<string, unknown>)?.[p];
    if (typeof parent !== 'object' || parent === null)
      throw new HttpError(422, 'Invalid', `jsonpatch ${String(op.op)} operation does not apply: doc is missing path: ${String(op.path)}`);
    const container = parent as Record<string, unknown>;
    switch (op.op) {
      case 'test':
        if (!isDeepStrictEqual(container[last], op.value))
          throw new HttpError(422, 'Invalid', `testing value ${String(op.path)} failed: test failed`);
        break;
      case 'remove':
        if (!(last in container))
          throw new HttpError(422, 'Invalid', `jsonpatch remove operation does not apply: doc is missing key: ${String(op.path)}`);
        if (Array.isArray(container)) (container as unknown[]).splice(Number(last), 1);
        else delete container[last];
        break;
      case 'add':
        if (Array.isArray(container)) (container as unknown[]).splice(last === '-' ? container.length : Number(last), 0, op.value);
        else container[last] = op.value;
        break;
      case 'replace':
        if (!(last in container))
          throw new HttpError(422, 'Invalid', `jsonpatch replace operation does not apply: doc is missing key: ${String(op.path)}`);
        container[last] = op.value;
        break;
      default:
        throw new HttpError(422, 'Invalid', `unsupported JSON patch operation ${String(op.op)}`);
    }
  }
  return doc;
}
