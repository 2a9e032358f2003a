// Reads the `migrations:` section of a rollout spec on its own: lint-migrations needs no traffic or
// stages, and runs with defaults when there is no spec file at all.
import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, parseDocument } from 'yaml';
import { formatPath, type SpecError } from '../config/load.js';
import { defaultMigrationsSettings, migrationsSchema, type MigrationsSettings } from './settings.js';

export type SettingsResult = { ok: true; settings: MigrationsSettings; source: string } | { ok: false; errors: SpecError[] };

/**
 * `explicit` is true when the user named the file (--config): then a missing file is an error.
 * Otherwise a missing file means defaults.
 */
export async function loadMigrationsSettings(path: string, displayName: string, explicit: boolean): Promise<SettingsResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !explicit)
      return { ok: true, settings: defaultMigrationsSettings(), source: 'defaults' };
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    return { ok: false, errors: [{ file: displayName, line: 1, column: 1, path: '', message: reason }] };
  }
  return parseMigrationsSettings(text, displayName);
}

export function parseMigrationsSettings(text: string, file: string): SettingsResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length) {
    return { ok: false, errors: doc.errors.map((e) => ({ file, ...at(e.pos[0]), path: '', message: e.message.split('\n')[0]! })) };
  }
  const data: unknown = doc.toJS();
  const section = data !== null && typeof data === 'object' ? (data as Record<string, unknown>).migrations : undefined;
  const parsed = migrationsSchema.safeParse(section ?? {});
  if (parsed.success)
    return { ok: true, settings: parsed.data, source: section === undefined ? `${file} (no migrations: section, defaults)` : file };
  return {
    ok: false,
    errors: parsed.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => {
        const path = ['migrations', ...issue.path, ...(key === undefined ? [] : [key])];
        // Walk back up the path until a node exists (a missing key points at its parent).
        let node: unknown;
        for (let depth = path.length; depth > 0 && !isNode(node); depth--) node = doc.getIn(path.slice(0, depth), true);
        const position = isNode(node) && node.range ? at(node.range[0]) : { line: 1, column: 1 };
        const message = key === undefined ? issue.message : `unknown key "${String(key)}"`;
        return { file, ...position, path: formatPath(path), message };
      });
    }),
  };
}
