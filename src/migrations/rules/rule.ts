// A rule looks at one statement with what the file said before it, and says what is unsafe.
import type { Catalog } from '../catalog.js';
import type { Statement } from '../parse.js';

export type Category = 'breaking' | 'rewrite' | 'lock' | 'operations' | 'hygiene';

/** What a rule knows besides the statement. Updated by the linter after every statement. */
export interface LintContext {
  postgresVersion: number;
  catalog: Catalog;
  /** Tables created earlier in this file: no running code uses them yet, so locking them hurts no one. */
  newTables: Set<string>;
  /** Indexes created earlier in this file. */
  newIndexes: Set<string>;
  /** A non-zero lock_timeout was set earlier in this file. */
  lockTimeoutSet: boolean;
  /** The statement runs inside a transaction (the runner's per-file one or an explicit BEGIN). */
  inTransaction: boolean;
  /** Constraints added NOT VALID earlier in the transaction still open, by name: a VALIDATE of one of them
   * would scan under the ACCESS EXCLUSIVE lock the ADD took. */
  notValidInTransaction: Map<string, 'check' | 'foreign-key'>;
  /** Rules that speak once per file (e.g. missing-lock-timeout) note here that they have. */
  reportedOnce: Set<string>;
}

export interface RuleHit {
  /** Byte offset to point at; the statement's start when absent. */
  at?: number;
  message: string;
  /** Overrides the rule's recipe when the safe steps depend on the statement. */
  recipe?: string;
}

/** PostgreSQL's table lock modes a migration statement takes (ROW EXCLUSIVE: a row write's). */
export type LockMode =
  'ACCESS EXCLUSIVE' | 'EXCLUSIVE' | 'SHARE ROW EXCLUSIVE' | 'SHARE' | 'SHARE UPDATE EXCLUSIVE' | 'ROW EXCLUSIVE' | 'ROW SHARE' | 'none';

/** What the application's queries wait for while a lock of each mode is held (PostgreSQL's conflict table). */
export const LOCK_BLOCKS: Record<LockMode, string> = {
  'ACCESS EXCLUSIVE': 'reads and writes',
  EXCLUSIVE: 'writes (reads go on)',
  'SHARE ROW EXCLUSIVE': 'writes (reads go on)',
  SHARE: 'writes (reads go on)',
  'SHARE UPDATE EXCLUSIVE': 'nothing the application does (only other DDL and VACUUM)',
  'ROW EXCLUSIVE': 'nothing at table level (other writers of the same rows wait)',
  'ROW SHARE': 'nothing the application does',
  none: 'nothing',
};

/** One statement form a rule flags, as the generated lock table in docs/migrations.md shows it. */
export interface LockClaim {
  statement: string;
  lock: LockMode;
  /** What is locked, when not just the statement's table. */
  on?: string;
  /** How long: for the whole scan / rewrite / build, or briefly (but queued behind running queries). */
  holds: 'scan' | 'rewrite' | 'build' | 'refresh' | 'brief' | 'commit';
  /** The safe form, with the lock it takes. */
  safe: string;
}

export interface Rule {
  name: string;
  category: Category;
  severity: 'error' | 'warning';
  /** One line: what the rule flags. */
  summary: string;
  /** The safe way, as steps. */
  recipe: string;
  /** squawk rules that flag the same thing (for the comparison in bench/migrations.ts and the docs). */
  squawk: readonly string[];
  /** The lock each flagged statement form takes, proven in test/integration/migrations/postgres.test.ts. */
  locks?: readonly LockClaim[];
  check(statement: Statement, context: LintContext): RuleHit[];
}

export const existing = (context: LintContext, table: string): boolean => !context.newTables.has(table);
