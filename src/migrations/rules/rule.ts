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
  check(statement: Statement, context: LintContext): RuleHit[];
}

export const existing = (context: LintContext, table: string): boolean => !context.newTables.has(table);
