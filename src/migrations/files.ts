// Which migration files a run reads: the ones the globs match in a directory tree, or given paths.
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';

export class MissingPathError extends Error {}

const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** Files under `root` (relative paths, `/`-separated, sorted) that match any glob. */
export async function findMigrationFiles(root: string, globs: readonly string[]): Promise<string[]> {
  const matches = picomatch([...globs], { dot: true });
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await visit(path);
      } else if (entry.isFile()) {
        const rel = toPosix(relative(root, path));
        if (matches(rel)) found.push(rel);
      }
    }
  };
  await visit(root);
  return found.sort();
}

/**
 * Expands command-line paths: a file stays itself, a directory gives its *.sql files. Missing → error.
 * Relative paths are from `cwd`; an absolute one inside `cwd` becomes relative (so it names the same file
 * as the globs do), one outside stays absolute. Read them with readPath().
 */
export async function expandPaths(cwd: string, paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const given of paths) {
    const full = resolve(cwd, given);
    const inside = relative(cwd, full);
    const path = inside === '' || inside.startsWith('..') || isAbsolute(inside) ? full : inside;
    let info;
    try {
      info = await stat(full);
    } catch {
      throw new MissingPathError(`${given}: no such file or directory`);
    }
    if (info.isDirectory()) for (const file of await findMigrationFiles(full, ['**/*.sql'])) out.add(toPosix(join(path, file)));
    else out.add(toPosix(path));
  }
  return [...out].sort();
}

/** Where a path from expandPaths() or findMigrationFiles() is on disk. */
export const readPath = (cwd: string, path: string): string => resolve(cwd, path);

export const toPosix = (path: string): string => path.split(sep).join('/').replace(/^\.\//, '');
