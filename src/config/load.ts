// Loads a rollout spec and reports every problem at once as `file:line:col path: message`.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { loadSchemaFor, schemaLoadedFor, specSchema, type Spec } from './schema.js';
import { didYouMean, objectKeysAt } from './keys.js';

export interface SpecError {
  file: string;
  line: number;
  column: number;
  /** Field path such as `stages[2].weight`; empty for the whole document. */
  path: string;
  message: string;
}

export type LoadResult = { ok: true; spec: Spec; errors: [] } | { ok: false; errors: SpecError[] };

export class SpecInvalidError extends Error {
  constructor(readonly errors: SpecError[]) {
    super(errors.map(formatSpecError).join('\n'));
    this.name = 'SpecInvalidError';
  }
}

export function formatSpecError(e: SpecError): string {
  return `${e.file}:${e.line}:${e.column} ${e.path ? `${e.path}: ` : ''}${e.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The largest spec read (a rollout spec is a few kB). */
export const MAX_SPEC_BYTES = 1_000_000;
/** YAML aliases allowed in a spec: enough for sharing a gate, too few for an alias bomb. */
export const MAX_YAML_ALIASES = 100;

/** Reads and validates a spec file. `displayName` is what errors call the file (default: its base name). */
export async function loadSpecFile(path: string, displayName = basename(path)): Promise<LoadResult> {
  const fail = (message: string): LoadResult => ({ ok: false, errors: [{ file: displayName, line: 1, column: 1, path: '', message }] });
  let text: string;
  try {
    // Non-blocking open, then a check that it is a regular file: a FIFO or a device would hang the read.
    // Synchronous calls: a spec is small, and node:fs/promises (it loads readline) costs `validate` start-up time.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) return fail(`not a regular file (${info.isDirectory() ? 'a directory' : 'a FIFO, socket or device'})`);
      if (info.size > MAX_SPEC_BYTES) return fail(`the file is ${info.size} bytes; a rollout spec is at most ${MAX_SPEC_BYTES}`);
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'not a regular file (a directory)' : (error as Error).message);
  }
  return parseSpecLoadingProviders(text, displayName);
}

/** Loads a spec or throws SpecInvalidError listing every problem. */
export async function loadSpecOrThrow(path: string, displayName?: string): Promise<Spec> {
  const result = await loadSpecFile(path, displayName);
  if (!result.ok) throw new SpecInvalidError(result.errors);
  return result.spec;
}

/** Parses and validates a spec's text, first loading the providers it names and the sections it has (only those). */
export async function parseSpecLoadingProviders(text: string, file = 'rollout.yml'): Promise<LoadResult> {
  const read = readYaml(text, file);
  if ('errors' in read) return { ok: false, errors: read.errors };
  await loadSchemaFor(read.data);
  return validate(read, file);
}

/**
 * Parses and validates a spec's text with its providers and sections already loaded (loadWholeSchema,
 * or loadSchemaFor); throws if one is not, rather than misreport its fields.
 */
export function parseSpec(text: string, file = 'rollout.yml'): LoadResult {
  const read = readYaml(text, file);
  if ('errors' in read) return { ok: false, errors: read.errors };
  if (!schemaLoadedFor(read.data))
    throw new Error('parseSpec: the spec names a provider or has a section that is not loaded (use parseSpecLoadingProviders)');
  return validate(read, file);
}

interface ReadYaml {
  doc: Document;
  data: unknown;
  at: (offset: number) => { line: number; column: number };
}

/** Phase 1: the YAML, its syntax errors and its data (which names the providers to load). */
function readYaml(text: string, file: string): ReadYaml | { errors: SpecError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const errors: SpecError[] = [];

  // Tabs are invalid YAML indentation; say so plainly at the tab itself.
  text.split('\n').forEach((lineText, i) => {
    const tab = /^[ ]*\t/.exec(lineText);
    if (tab)
      errors.push({ file, line: i + 1, column: tab[0].length, path: '', message: 'tab used for indentation; YAML indents with spaces' });
  });
  // A syntax error cascades into many; the first is the one to fix. Duplicate keys are each their own.
  let syntaxReported = false;
  for (const e of doc.errors) {
    if (e.code === 'TAB_AS_INDENT' && errors.length) continue;
    const { line, column } = at(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      const key = keyAt(doc, e.pos[0]);
      errors.push({ file, line, column, path: pathAtOffset(doc, e.pos[0]), message: `duplicate key${key ? ` "${key}"` : ''}` });
    } else if (!syntaxReported) {
      syntaxReported = true;
      errors.push({ file, line, column, path: '', message: `YAML: ${firstLine(e.message)}` });
    }
  }
  if (errors.length) return { errors: dedupe(errors) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    // The yaml package throws on too many alias expansions (an "alias bomb").
    const message = /alias/i.test((error as Error).message)
      ? `YAML: too many alias expansions (at most ${MAX_YAML_ALIASES}); write the repeated parts out`
      : `YAML: ${firstLine((error as Error).message)}`;
    return { errors: [{ file, line: 1, column: 1, path: '', message }] };
  }
  if (data === null || data === undefined) {
    return {
      errors: [{ file, line: 1, column: 1, path: '', message: 'the file is empty; expected a rollout spec (version: 1, traffic, stages)' }],
    };
  }
  return { doc, data, at };
}

/** Phase 2: the data against the spec's schema, each problem placed at its line and column. */
function validate({ doc, data, at }: ReadYaml, file: string): LoadResult {
  const errors: SpecError[] = [];
  const schema = specSchema();
  const parsed = schema.safeParse(data);
  if (parsed.success) return { ok: true, spec: parsed.data, errors: [] };

  for (const issue of parsed.error.issues) {
    for (const e of describeIssue(issue, data, schema)) {
      const node = nodeAt(doc, e.path, e.pointAtKey);
      const pos = node?.range ? at(node.range[0]) : { line: 1, column: 1 };
      errors.push({ file, ...pos, path: formatPath(e.path), message: e.message });
    }
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, errors: dedupe(errors) };
}

// ---------------------------------------------------------------- issue → message

interface Described {
  path: PropertyKey[];
  message: string;
  /** Point at the key rather than the value (unknown or missing keys). */
  pointAtKey?: boolean;
}

function describeIssue(issue: z.core.$ZodIssue, data: unknown, schema: z.core.$ZodType): Described[] {
  const path = [...issue.path];
  const got = valueAt(data, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const hint = didYouMean(key, objectKeysAt(schema, path, data));
        return { path: [...path, key], pointAtKey: true, message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}` };
      });
    case 'too_big':
      return [
        { path, message: `must be at most ${String(issue.maximum)}${issue.inclusive === false ? ' (exclusive)' : ''} (got ${show(got)})` },
      ];
    case 'too_small':
      if (issue.origin === 'array')
        return [{ path, message: `needs at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}` }];
      if (issue.origin === 'string') return [{ path, message: 'must not be empty' }];
      return [
        { path, message: `must be at least ${String(issue.minimum)}${issue.inclusive === false ? ' (exclusive)' : ''} (got ${show(got)})` },
      ];
    case 'invalid_type':
      if (got === undefined) {
        const misspelt = misspeltKey(valueAt(data, path.slice(0, -1)), String(path[path.length - 1]), []);
        return [{ path, pointAtKey: true, message: `is required (expected ${issue.expected})${misspelt ? `; found ${misspelt}` : ''}` }];
      }
      if (issue.expected === 'int') return [{ path, message: `must be a whole number (got ${show(got)})` }];
      // A schema's own wording (e.g. "expected a duration such as ...") beats zod's generic one.
      if (!issue.message.startsWith('Invalid input')) return [{ path, message: `${issue.message} (got ${show(got)})` }];
      return [
        { path, message: `expected ${issue.expected} (got ${typeof got === 'object' ? show(got) : `${typeName(got)} ${show(got)}`})` },
      ];
    case 'invalid_value':
      return [{ path, message: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')} (got ${show(got)})` }];
    case 'invalid_union': {
      if ((issue as { note?: string }).note === 'No matching discriminator') {
        // zod puts the path at the discriminator key and lists the values it accepts.
        const options = ((issue as { options?: unknown[] }).options ?? []).map(String);
        const key = String(path[path.length - 1]);
        const hint = typeof got === 'string' ? didYouMean(got, options) : undefined;
        const misspelt = got === undefined ? misspeltKey(valueAt(data, path.slice(0, -1)), key, options) : undefined;
        return [
          {
            path,
            pointAtKey: got === undefined,
            message:
              got === undefined
                ? `is required (one of ${options.join(', ')})${misspelt ? `; found ${misspelt}` : ''}`
                : `unknown ${key} ${show(got)}; expected one of ${options.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`,
          },
        ];
      }
      // A union of shapes (e.g. environment: string | {name, url}): report the closest branch's problems.
      const branches = issue.errors.map((branch) =>
        branch.flatMap((inner) => describeIssue({ ...inner, path: [...path, ...inner.path] }, data, schema)),
      );
      // Prefer a branch of the value's own type over one that rejects the type outright.
      const wrongType = (d: Described[]) => d.length === 1 && d[0]!.path.length === path.length && d[0]!.message.startsWith('expected ');
      const best = branches.sort((a, b) => Number(wrongType(a)) - Number(wrongType(b)) || a.length - b.length)[0];
      return best?.length ? best : [{ path, message: 'does not match any allowed form' }];
    }
    case 'invalid_format':
      if (!issue.message.startsWith('Invalid')) return [{ path, message: `${issue.message} (got ${show(got)})` }];
      return [{ path, message: `${issue.format === 'url' ? 'expected a URL' : `expected ${issue.format}`} (got ${show(got)})` }];
    case 'invalid_key': {
      // A record key (a gate name) that its key schema rejects: say why, at the key.
      const reason = issue.issues[0]?.message ?? 'is not allowed here';
      return [{ path, pointAtKey: true, message: reason }];
    }
    default:
      return [{ path, message: `${issue.message}${got !== undefined && issue.code !== 'custom' ? ` (got ${show(got)})` : ''}` }];
  }
}

/**
 * A key of `object` that is probably the missing `key` misspelt: close to it, or (for a discriminator
 * such as provider) a synonym holding one of its values, like `kind: http`. Says "kind: http (did you mean provider?)".
 */
function misspeltKey(object: unknown, key: string, values: string[]): string | undefined {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return undefined;
  for (const [other, value] of Object.entries(object)) {
    if (other === key) continue;
    const holdsValue = typeof value === 'string' && values.includes(value);
    if (holdsValue || didYouMean(other, [key])) return `${other}${holdsValue ? `: ${value}` : ''} (did you mean "${key}"?)`;
  }
  return undefined;
}

// ---------------------------------------------------------------- positions

function nodeAt(doc: Document, path: PropertyKey[], pointAtKey = false): Node | undefined {
  let node: unknown = doc.contents;
  let lastParent: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    lastParent = node;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) return isNode(lastParent) ? lastParent : undefined;
      if (pointAtKey && i === path.length - 1) return pair.key as Node;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) return isNode(lastParent) ? lastParent : undefined;
    } else {
      return isNode(lastParent) ? lastParent : undefined;
    }
  }
  return isNode(node) ? node : undefined;
}

function pathAtOffset(doc: Document, offset: number): string {
  const path: PropertyKey[] = [];
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) =>
          isPair(p) &&
          isNode(p.key) &&
          p.key.range &&
          spans(p.key.range[0], isNode(p.value) && p.value.range ? p.value.range[2] : p.key.range[2], offset),
      );
      if (!pair || !isScalar(pair.key)) break;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => isNode(item) && item.range && spans(item.range[0], item.range[2], offset));
      if (index < 0) break;
      path.push(index);
      node = node.items[index];
    } else break;
  }
  return formatPath(path);
}

function keyAt(doc: Document, offset: number): string | undefined {
  let found: string | undefined;
  const visit = (node: unknown) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.range && pair.key.range[0] === offset) found = String(pair.key.value);
        visit(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(doc.contents);
  return found;
}

const spans = (start: number, end: number, offset: number) => offset >= start && offset <= end;

// ---------------------------------------------------------------- small helpers

function valueAt(data: unknown, path: PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'a list' : 'a mapping';
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

function dedupe(errors: SpecError[]): SpecError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = formatSpecError(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
