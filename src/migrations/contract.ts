// Expand / contract across releases. A contract step (drop or rename of a column or table) is safe only
// once the code that used the object is gone from every version that can run during the rollout: the
// old one (the PR's base) and the new one (its head). So it passes when
//   - no expand on the same table is in this PR (the replacement was merged in an earlier release), and
//   - no file outside the migrations names the object at the base or at the head (a code search).
import picomatch from 'picomatch';
import type { CommitInfo, GitRepo, GrepHit } from './git.js';
import type { LintedFile } from './lint.js';
import type { Node } from 'libpg-query';
import { addedColumns, createdRelations, expandedTables, removedObjects, type RemovedObject } from './phase.js';

export const CONTRACT_RULES = new Set(['drop-column', 'drop-table', 'drop-view', 'rename-column', 'rename-table']);

/** A migration file merged before the PR (at the merge base), already linted for its statements. */
export interface BaseMigration {
  path: string;
  linted: LintedFile;
}

export interface ContractInput {
  git: GitRepo;
  /** Commit the PR branched from (merge base of base and head). */
  base: string;
  head: string;
  migrationGlobs: readonly string[];
  /** The PR's migration files (linted at head). Their contract findings are rewritten in place. */
  prFiles: LintedFile[];
  baseMigrations: BaseMigration[];
}

const SHOWN_HITS = 5;

export async function checkContracts(input: ContractInput): Promise<void> {
  const isMigration = picomatch([...input.migrationGlobs], { dot: true });
  const addedCache = new Map<string, Promise<CommitInfo | undefined>>();
  const addedIn = (path: string) => {
    if (!addedCache.has(path)) addedCache.set(path, input.git.addedIn(input.base, path));
    return addedCache.get(path)!;
  };
  const prPaths = new Set(input.prFiles.map((f) => f.file));

  for (const file of input.prFiles) {
    for (const statement of file.statements) {
      const findings = file.findings.filter((f) => f.statement === statement.index && CONTRACT_RULES.has(f.rule));
      if (!findings.length) continue;
      for (const removed of removedObjects(statement.node)) {
        const named = new RegExp(
          `(^|[^\\w.])${escapeRegExp(removed.kind === 'column' ? `${removed.table}.${removed.column}` : removed.table)}(?![\\w.])`,
        );
        const finding = findings.find((f) => named.test(f.message));
        if (!finding) continue;

        const sameRelease = input.prFiles.flatMap((f) =>
          f.statements
            .filter((s) => !(f === file && s.index === statement.index) && replacements(removed, s.node).length > 0)
            .map((s) => `${f.file}:${s.line}`),
        );
        const words = searchWords(removed.name);
        const [baseHits, headHits] = await Promise.all([input.git.grepWords(input.base, words), input.git.grepWords(input.head, words)]);
        const outside = (hits: GrepHit[]) => hits.filter((hit) => !isMigration(hit.path) && !prPaths.has(hit.path));
        const codeHits = [
          ...outside(baseHits).map((h) => ({ ...h, ref: 'base' })),
          ...outside(headHits).map((h) => ({ ...h, ref: 'head' })),
        ];
        const earlier = await latestEarlierExpand(input.baseMigrations, removed, addedIn);

        const what = removed.kind === 'column' ? `column ${removed.table}.${removed.column}` : `${removed.kind} ${removed.table}`;
        const reasons: string[] = [];
        if (sameRelease.length)
          reasons.push(
            `its replacement is expanded in this same PR (${sameRelease.join(', ')}): the old version, still serving during the rollout, uses ${what} — merge and roll out the expand first, then contract in a later PR`,
          );
        if (codeHits.length) {
          const shown = codeHits.slice(0, SHOWN_HITS).map((h) => `${h.ref} ${h.path}:${h.line} \`${h.text.slice(0, 80)}\``);
          reasons.push(
            `code outside the migrations still names "${words.join('" or "')}" (${codeHits.length} hit${codeHits.length > 1 ? 's' : ''}): ${shown.join('; ')}${codeHits.length > SHOWN_HITS ? `; and ${codeHits.length - SHOWN_HITS} more` : ''}`,
          );
        }
        const expandNote = earlier
          ? `expand step ${earlier.file}:${earlier.line} merged in ${earlier.commit.sha.slice(0, 7)} (${earlier.commit.date}), before the PR's base ${input.base.slice(0, 7)}`
          : `no earlier expand of ${removed.table} found in the migrations at the base`;
        if (reasons.length) {
          finding.message += ` — expand/contract: not yet safe: ${reasons.join('; ')} (${expandNote})`;
        } else {
          finding.severity = 'notice';
          finding.message += ` — expand/contract: safe to contract: ${expandNote}, and no file outside the migrations names "${words.join('" or "')}" at the base or the head`;
        }
      }
    }
  }
}

/** What a statement expands that could replace the removed object: for a column, an expand of the
 * same table; for a table, another new table or view. */
function replacements(removed: RemovedObject, node: Node): string[] {
  return removed.kind === 'column'
    ? expandedTables(node).filter((t) => t === removed.table)
    : createdRelations(node).filter((t) => t !== removed.table);
}

async function latestEarlierExpand(
  migrations: BaseMigration[],
  removed: RemovedObject,
  addedIn: (path: string) => Promise<CommitInfo | undefined>,
): Promise<{ file: string; line: number; commit: CommitInfo } | undefined> {
  for (const migration of [...migrations].reverse()) {
    const statement = [...migration.linted.statements]
      .reverse()
      .find(
        (s) =>
          replacements(removed, s.node).length > 0 &&
          !addedColumns(s.node).some((c) => c.table === removed.table && c.column === removed.column),
      );
    if (!statement) continue;
    const commit = await addedIn(migration.path);
    if (commit) return { file: migration.path, line: statement.line, commit };
  }
  return undefined;
}

/** The name as SQL writes it, and as camelCase code usually does (full_name → fullName). */
export function searchWords(name: string): string[] {
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return camel === name ? [name] : [name, camel];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
