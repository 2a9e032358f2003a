// One lint-migrations run: pick the files, lint them in order over a shared schema catalog, and (with
// base/head refs) judge every contract step against git history.
import { readFile } from 'node:fs/promises';
import picomatch from 'picomatch';
import { Catalog } from './catalog.js';
import { checkContracts, type BaseMigration } from './contract.js';
import { compareFindings, type Finding } from './finding.js';
import { expandPaths, findMigrationFiles, readPath } from './files.js';
import { GitRepo } from './git.js';
import { lintSql, type LintedFile } from './lint.js';
import { loadParser } from './parse.js';
import type { Phase } from './phase.js';
import type { MigrationsSettings } from './settings.js';

export interface LintOptions {
  cwd: string;
  settings: MigrationsSettings;
  /** Files or directories to lint; empty: every file the globs match (or, with refs, every changed one). */
  paths?: string[];
  /** With both refs: lint the migration files changed from base to head, and check contracts in history. */
  base?: string;
  head?: string;
}

export interface FileSummary {
  file: string;
  phases: Record<Phase, number>;
}

export interface MigrationReport {
  findings: Finding[];
  files: FileSummary[];
  ignored: { file: string; rule: string; line: number; reason: string }[];
  refs?: { base: string; head: string; mergeBase: string };
  postgresVersion: number;
}

interface Source {
  path: string;
  text: string;
  /** Reported (true) or only replayed into the catalog (false). */
  report: boolean;
}

export async function lintMigrations(options: LintOptions): Promise<MigrationReport> {
  await loadParser();
  const { settings } = options;
  const paths = options.paths ?? [];
  let sources: Source[];
  let refs: MigrationReport['refs'];
  let git: GitRepo | undefined;

  if (options.base !== undefined || options.head !== undefined) {
    if (options.base === undefined || options.head === undefined) throw new Error('--base and --head go together');
    git = new GitRepo(options.cwd);
    const [base, head] = await Promise.all([git.commit(options.base), git.commit(options.head)]);
    const mergeBase = await git.mergeBase(base, head);
    refs = { base, head, mergeBase };
    const isMigration = picomatch([...settings.paths], { dot: true });
    const underPaths = (file: string) => !paths.length || paths.some((p) => file === p || file.startsWith(`${p.replace(/\/$/, '')}/`));
    const changed = (await git.changedFiles(mergeBase, head)).filter((f) => isMigration(f) && underPaths(f));
    const before = (await git.listFiles(mergeBase)).filter((f) => isMigration(f) && !changed.includes(f));
    const [headTexts, baseTexts] = await Promise.all([git.readFiles(head, changed), git.readFiles(mergeBase, before)]);
    sources = [
      ...before.map((path) => ({ path, text: baseTexts.get(path) ?? '', report: false })),
      ...changed.map((path) => ({ path, text: headTexts.get(path) ?? '', report: true })),
    ];
  } else {
    const chosen = paths.length ? await expandPaths(options.cwd, paths) : await findMigrationFiles(options.cwd, settings.paths);
    // Files the globs match but the user did not name still tell the catalog what the schema was.
    const context = paths.length
      ? (await findMigrationFiles(options.cwd, settings.paths).catch(() => [])).filter((f) => !chosen.includes(f))
      : [];
    sources = await Promise.all([
      ...chosen.map(async (path) => ({ path, text: await readFile(readPath(options.cwd, path), 'utf8'), report: true })),
      ...context.map(async (path) => ({ path, text: await readFile(readPath(options.cwd, path), 'utf8'), report: false })),
    ]);
  }

  // Migration files run in name order (timestamps or sequence numbers): replay them in that order.
  sources.sort((a, b) => a.path.localeCompare(b.path));
  const catalog = new Catalog();
  const reported: LintedFile[] = [];
  const baseMigrations: BaseMigration[] = [];
  for (const source of sources) {
    const linted = lintSql(source.text, source.path, settings, catalog);
    if (source.report) reported.push(linted);
    else baseMigrations.push({ path: source.path, linted });
  }

  if (git && refs) {
    await checkContracts({ git, base: refs.mergeBase, head: refs.head, migrationGlobs: settings.paths, prFiles: reported, baseMigrations });
  }

  return {
    findings: reported.flatMap((file) => file.findings.map(({ statement: _statement, ...finding }) => finding)).sort(compareFindings),
    files: reported.map((file) => ({ file: file.file, phases: countPhases(file) })),
    ignored: reported.flatMap((file) => file.ignored.map((i) => ({ file: file.file, ...i }))),
    refs,
    postgresVersion: settings.postgresVersion,
  };
}

function countPhases(file: LintedFile): Record<Phase, number> {
  const phases: Record<Phase, number> = { expand: 0, migrate: 0, contract: 0, other: 0 };
  for (const statement of file.statements) phases[statement.phase]++;
  return phases;
}

/** Exit status of a run: 1 when an error-severity finding remains. */
export const hasErrors = (report: MigrationReport): boolean => report.findings.some((f) => f.severity === 'error');
