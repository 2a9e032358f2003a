// Which migration files a run reads: the ones the globs match in a directory tree, or given paths.
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
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

/** Expands command-line paths: a file stays itself, a directory gives its *.sql files. Missing → error. */
export async function expandPaths(cwd: string, paths: readonly string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const path of paths) {
    let info;
    try {
      info = await stat(join(cwd, path));
    } catch {
      throw new MissingPathError(`${path}: no such file or directory`);
    }
    if (info.isDirectory()) for (const file of await findMigrationFiles(join(cwd, path), ['**/*.sql'])) out.add(toPosix(join(path, file)));
    else out.add(toPosix(path));
  }
  return [...out].sort();
}

export const toPosix = (path: string): string => path.split(sep).join('/').replace(/^\.\//, '');
