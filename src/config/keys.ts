// Walks the zod schema along a data path, so errors can list the keys or providers allowed there.
import type { z } from 'zod';

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
  discriminator?: string;
  values?: unknown[];
}
const def = (schema: AnySchema) => (schema as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const d = def(current);
    if (d.innerType) current = d.innerType;
    else if (d.type === 'pipe' && d.in) current = d.in;
    else return current;
  }
}

/** Literal values an option of a discriminated union takes for its discriminator. */
function literalValues(schema: AnySchema | undefined): string[] {
  if (!schema) return [];
  const d = def(unwrap(schema));
  return d.type === 'literal' || d.type === 'enum' ? (d.values ?? []).map(String) : [];
}

function pickOption(union: Def, data: unknown): AnySchema | undefined {
  if (!union.discriminator || data === null || typeof data !== 'object') return undefined;
  const value = (data as Record<string, unknown>)[union.discriminator];
  return union.options?.find((option) => literalValues(def(unwrap(option)).shape?.[union.discriminator!]).includes(String(value)));
}

/** The schema that validates the value at `path`, following the data through unions. */
export function schemaAt(root: AnySchema, path: readonly PropertyKey[], data: unknown): AnySchema | undefined {
  let schema: AnySchema | undefined = unwrap(root);
  let value = data;
  for (const key of path) {
    if (!schema) return undefined;
    let d = def(schema);
    if (d.type === 'union') {
      schema = pickOption(d, value);
      if (!schema) return undefined;
      d = def(unwrap(schema));
    }
    if (d.type === 'object') schema = d.shape?.[String(key)];
    else if (d.type === 'array') schema = d.element;
    else if (d.type === 'record') schema = d.valueType;
    else return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
    schema = schema ? unwrap(schema) : undefined;
  }
  if (schema && def(schema).type === 'union') return pickOption(def(schema), value) ?? schema;
  return schema;
}

/** Keys allowed in the object at `path` (empty when it is not an object). */
export function objectKeysAt(root: AnySchema, path: readonly PropertyKey[], data: unknown): string[] {
  const schema = schemaAt(root, path, data);
  const d = schema ? def(unwrap(schema)) : undefined;
  return d?.type === 'object' ? Object.keys(d.shape ?? {}) : [];
}

/** The closest candidate by edit distance, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
