// Field ownership as the apiserver tracks it for server-side apply (structured-merge-diff, reduced
// to what Rollgate's objects use): a field is a path of `f:<name>` and `k:{<keys>}` segments; a list
// is atomic (one field) unless its path is a known associative list (containers by name, ports by
// port and protocol...). CRD lists are atomic, as in a real cluster for lists without a list-type.
import { isDeepStrictEqual } from 'node:util';

export type Obj = Record<string, unknown>;
export type FieldPath = string[];

/** Associative lists of core/apps objects by their path of field names, and their key fields. */
const ASSOCIATIVE: Record<string, string[]> = {
  'spec.template.spec.containers': ['name'],
  'spec.template.spec.initContainers': ['name'],
  'spec.template.spec.volumes': ['name'],
  'spec.template.spec.containers.ports': ['containerPort', 'protocol'],
  'spec.template.spec.containers.env': ['name'],
  'spec.template.spec.containers.volumeMounts': ['mountPath'],
  'spec.ports': ['port', 'protocol'],
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const names = (path: FieldPath) =>
  path
    .filter((s) => s.startsWith('f:'))
    .map((s) => s.slice(2))
    .join('.');

function itemKey(item: Obj, keys: string[]): string {
  const key: Obj = {};
  for (const k of keys) if (item[k] !== undefined) key[k] = item[k];
  return `k:${JSON.stringify(key)}`;
}

/** The leaf fields an object sets (identity and status are not fields of a manager). */
export function fieldSet(object: Obj): Set<string> {
  const out = new Set<string>();
  const walk = (value: unknown, path: FieldPath) => {
    if (isObj(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, `f:${k}`]);
      return;
    }
    const keys = ASSOCIATIVE[names(path)];
    if (Array.isArray(value) && keys) {
      for (const item of value as Obj[]) walk(item, [...path, itemKey(item, keys)]);
      if (value.length === 0) out.add(JSON.stringify(path));
      return;
    }
    out.add(JSON.stringify(path));
  };
  for (const [k, v] of Object.entries(object)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isObj(v)) {
      for (const m of ['labels', 'annotations'] as const) if (isObj(v[m])) walk(v[m], ['f:metadata', `f:${m}`]);
      continue;
    }
    walk(v, [`f:${k}`]);
  }
  return out;
}

function findItem(list: unknown[], segment: string): Obj | undefined {
  const key = JSON.parse(segment.slice(2)) as Obj;
  return list.find((item) => isObj(item) && Object.entries(key).every(([k, v]) => isDeepStrictEqual(item[k], v))) as Obj | undefined;
}

export function getAt(object: unknown, path: FieldPath): unknown {
  let at: unknown = object;
  for (const segment of path) {
    if (segment.startsWith('f:')) at = isObj(at) ? at[segment.slice(2)] : undefined;
    else at = Array.isArray(at) ? findItem(at, segment) : undefined;
    if (at === undefined) return undefined;
  }
  return at;
}

export function setAt(object: Obj, path: FieldPath, value: unknown): void {
  let at: unknown = object;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    const next = path[i + 1];
    const fresh = () => (next?.startsWith('k:') ? [] : {});
    if (segment.startsWith('f:')) {
      const o = at as Obj;
      const name = segment.slice(2);
      if (last) o[name] = structuredClone(value);
      else {
        if (o[name] === undefined || (next?.startsWith('k:') ? !Array.isArray(o[name]) : !isObj(o[name]))) o[name] = fresh();
        at = o[name];
      }
    } else {
      const list = at as Obj[];
      let item = findItem(list, segment);
      if (!item) list.push((item = { ...(JSON.parse(segment.slice(2)) as Obj) }));
      at = item;
    }
  });
}

export function deleteAt(object: Obj, path: FieldPath): void {
  const parents: unknown[] = [];
  let at: unknown = object;
  for (const segment of path.slice(0, -1)) {
    parents.push(at);
    at = segment.startsWith('f:') ? (isObj(at) ? at[segment.slice(2)] : undefined) : Array.isArray(at) ? findItem(at, segment) : undefined;
    if (at === undefined) return;
  }
  const leaf = path[path.length - 1]!;
  if (leaf.startsWith('f:') && isObj(at)) delete at[leaf.slice(2)];
  else if (Array.isArray(at)) {
    const item = findItem(at, leaf);
    if (item) at.splice(at.indexOf(item), 1);
  }
  // Prune what became empty on the way up (an object with no fields, a list item with only its key).
  for (let i = path.length - 2; i >= 0; i--) {
    const node = getAt(object, path.slice(0, i + 1));
    const segment = path[i]!;
    const onlyKey = segment.startsWith('k:') && isObj(node) && Object.keys(node).every((k) => k in (JSON.parse(segment.slice(2)) as Obj));
    const empty = (isObj(node) && Object.keys(node).length === 0) || (Array.isArray(node) && node.length === 0);
    if (!onlyKey && !empty) break;
    deleteAt(object, path.slice(0, i + 1));
    break;
  }
}

/** One manager's fields, as metadata.managedFields lists them. */
export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fields: Set<string>;
  subresource?: string;
}

export class ApplyConflict extends Error {
  constructor(readonly conflicts: Array<{ manager: string; field: string }>) {
    super(
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ` +
        conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`).join('; '),
    );
  }
}

/** `.spec.rules`, `.spec.template.spec.containers[name="app"].image`: a field as the apiserver names it. */
export function describeField(key: string): string {
  return (JSON.parse(key) as string[])
    .map((s) => {
      if (s.startsWith('f:')) return `.${s.slice(2)}`;
      const k = JSON.parse(s.slice(2)) as Obj;
      return `[${Object.entries(k)
        .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
        .join(',')}]`;
    })
    .join('');
}

/**
 * Server-side apply of `applied` by `manager` onto `current` (undefined: a create). Returns the merged
 * object and the new managed fields, or throws ApplyConflict for a field another manager owns with
 * a different value (unless forced: then the field changes hands).
 */
export function apply(
  current: Obj | undefined,
  managed: ManagedEntry[],
  applied: Obj,
  manager: string,
  force: boolean,
  apiVersion: string,
  now: string,
): { object: Obj; managed: ManagedEntry[] } {
  const fields = fieldSet(applied);
  const object = structuredClone(current ?? {}) as Obj;
  const entries = managed.map((e) => ({ ...e, fields: new Set(e.fields) }));
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== mine);
  const conflicts: Array<{ manager: string; field: string }> = [];
  for (const key of fields) {
    const path = JSON.parse(key) as FieldPath;
    if (isDeepStrictEqual(getAt(object, path), getAt(applied, path))) continue;
    for (const other of others) {
      if (!ownsOverlapping(other.fields, key)) continue;
      if (force) removeOverlapping(other.fields, key);
      else conflicts.push({ manager: other.manager, field: describeField(key) });
    }
  }
  if (conflicts.length) throw new ApplyConflict(conflicts);
  for (const key of fields) setAt(object, JSON.parse(key) as FieldPath, getAt(applied, JSON.parse(key) as FieldPath));
  // Fields this manager applied before and applies no more are removed, unless someone else owns them.
  for (const key of mine?.fields ?? []) {
    if (fields.has(key) || others.some((o) => o.fields.has(key))) continue;
    deleteAt(object, JSON.parse(key) as FieldPath);
  }
  const next = others.filter((e) => e.fields.size > 0);
  next.push({ manager, operation: 'Apply', apiVersion, time: now, fields });
  return { object, managed: next };
}

/** An update (PUT or a patch) by `manager`: every field it changed becomes its own, and only its own. */
export function update(before: Obj, after: Obj, managed: ManagedEntry[], manager: string, apiVersion: string, now: string): ManagedEntry[] {
  const [old, now_] = [fieldSet(before), fieldSet(after)];
  const changed = [...new Set([...old, ...now_])].filter(
    (key) => !isDeepStrictEqual(getAt(before, JSON.parse(key) as FieldPath), getAt(after, JSON.parse(key) as FieldPath)),
  );
  if (changed.length === 0) return managed;
  const entries = managed.map((e) => ({ ...e, fields: new Set(e.fields) }));
  for (const e of entries) for (const key of changed) removeOverlapping(e.fields, key);
  let mine = entries.find((e) => e.manager === manager && e.operation === 'Update');
  if (!mine) entries.push((mine = { manager, operation: 'Update', apiVersion, time: now, fields: new Set() }));
  mine.time = now;
  for (const key of changed) if (now_.has(key)) mine.fields.add(key);
  return entries.filter((e) => e.fields.size > 0);
}

const isPrefix = (a: string[], b: string[]) => a.length <= b.length && a.every((s, i) => s === b[i]);
function ownsOverlapping(fields: Set<string>, key: string): boolean {
  const path = JSON.parse(key) as string[];
  for (const f of fields) {
    const other = JSON.parse(f) as string[];
    if (isPrefix(other, path) || isPrefix(path, other)) return true;
  }
  return false;
}
function removeOverlapping(fields: Set<string>, key: string): void {
  const path = JSON.parse(key) as string[];
  for (const f of [...fields]) {
    const other = JSON.parse(f) as string[];
    if (isPrefix(other, path) || isPrefix(path, other)) fields.delete(f);
  }
}

/** metadata.managedFields in the apiserver's FieldsV1 form ({"f:spec":{"f:rules":{}}}). */
export function renderManagedFields(managed: ManagedEntry[]): Obj[] {
  return managed.map((e) => {
    const tree: Obj = {};
    for (const key of e.fields) {
      let node = tree;
      for (const segment of JSON.parse(key) as string[]) {
        if (!node['.'] && node !== tree) node['.'] = {};
        node = (node[segment] ??= {}) as Obj;
      }
    }
    return {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: tree,
      ...(e.subresource ? { subresource: e.subresource } : {}),
    };
  });
}
