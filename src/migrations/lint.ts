// Lints one migration file: parse, run every enabled rule statement by statement, apply inline ignores.
import type { Node } from 'libpg-query';
import { alterCommands, calledFunctions, stringValue, walk } from './ast.js';
import { Catalog } from './catalog.js';
import type { Finding, Severity } from './finding.js';
import { readIgnores } from './ignore.js';
import { parseMigration, type Statement } from './parse.js';
import { phaseOf, type Phase } from './phase.js';
import { INVALID_IGNORE, RULES, SYNTAX_ERROR } from './rules/index.js';
import type { LintContext } from './rules/rule.js';
import type { MigrationsSettings } from './settings.js';

export interface LintedStatement extends Statement {
  phase: Phase;
  line: number;
  column: number;
}

/** A finding with the statement it came from (the expand/contract check needs it). */
export interface StatementFinding extends Finding {
  statement?: number;
}

export interface LintedFile {
  file: string;
  findings: StatementFinding[];
  /** Empty when the file does not parse. */
  statements: LintedStatement[];
  /** Rules silenced inline, with the reason given (reports show them). */
  ignored: { rule: string; line: number; reason: string }[];
}

const KNOWN_RULES = new Set([...RULES.map((rule) => rule.name), SYNTAX_ERROR]);

/** Markers by which migration runners let a file opt out of the per-file transaction. */
const NO_TRANSACTION = [/--\s*migrate:up\b.*\btransaction:false\b/, /--!\s*no-transaction\b/];

/**
 * Lints SQL text. The parser must be loaded (await loadParser()). `catalog` carries the schema from
 * the files linted before this one; it is updated with what this file does.
 */
export function lintSql(text: string, file: string, settings: MigrationsSettings, catalog = new Catalog()): LintedFile {
  const parsed = parseMigration(text);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    const finding: StatementFinding = {
      file,
      line,
      column,
      rule: SYNTAX_ERROR,
      severity: 'error',
      message: `does not parse as PostgreSQL: ${message}; no other rule ran on this file`,
      recipe: "Fix the SQL so PostgreSQL accepts it (Rollgate uses PostgreSQL's own parser).",
    };
    return { file, findings: [finding], statements: [], ignored: [] };
  }
  const { source, statements, comments } = parsed;
  const at = (offset: number) => source.positionOfByte(offset);
  const findings: StatementFinding[] = [];

  const { ignores, problems } = readIgnores(comments, statements, source, KNOWN_RULES);
  for (const problem of problems) {
    findings.push({
      file,
      ...at(problem.at),
      rule: INVALID_IGNORE,
      severity: 'warning',
      message: problem.message,
      recipe: 'Write `-- rollgate-ignore <rule>[, <rule>]: <why this is safe here>` on the line before the statement.',
    });
  }

  const context: LintContext = {
    postgresVersion: settings.postgresVersion,
    catalog,
    newTables: new Set(),
    newIndexes: new Set(),
    lockTimeoutSet: false,
    inTransaction: settings.transactionPerFile && !NO_TRANSACTION.some((marker) => marker.test(text)),
    notValidInTransaction: new Map(),
    reportedOnce: new Set(),
  };
  const linted: LintedStatement[] = [];
  for (const statement of statements) {
    trackTransaction(statement.node, context);
    for (const rule of RULES) {
      const level = settings.rules[rule.name] ?? rule.severity;
      if (level === 'off') continue;
      for (const hit of rule.check(statement, context)) {
        findings.push({
          file,
          ...at(hit.at ?? statement.start),
          rule: rule.name,
          severity: level as Severity,
          message: hit.message,
          recipe: hit.recipe ?? rule.recipe,
          statement: statement.index,
        });
      }
    }
    for (const table of catalog.apply(statement.node)) context.newTables.add(table);
    if ('IndexStmt' in statement.node && statement.node.IndexStmt.idxname) context.newIndexes.add(statement.node.IndexStmt.idxname);
    trackLockTimeout(statement.node, context);
    trackNotValid(statement.node, context);
    linted.push({ ...statement, phase: phaseOf(statement.node), ...at(statement.start) });
  }

  const ignored: LintedFile['ignored'] = [];
  const kept = findings.filter((finding) => {
    const ignore = ignores.find((i) => i.statement !== undefined && i.statement === finding.statement && i.rules.includes(finding.rule));
    if (ignore) ignored.push({ rule: finding.rule, line: finding.line, reason: ignore.reason });
    return !ignore;
  });
  return { file, findings: kept, statements: linted, ignored };
}

function trackTransaction(node: Node, context: LintContext): void {
  if (!('TransactionStmt' in node)) return;
  const kind = node.TransactionStmt.kind;
  if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') context.inTransaction = true;
  if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_PREPARE') {
    context.inTransaction = false;
    context.notValidInTransaction.clear();
  }
}

/** Remembers constraints added NOT VALID inside the open transaction (outside one, each statement commits). */
function trackNotValid(node: Node, context: LintContext): void {
  if (!context.inTransaction) return;
  for (const { cmd } of alterCommands(node)) {
    const constraint = cmd.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined;
    if (!constraint?.skip_validation || !constraint.conname) continue;
    if (constraint.contype === 'CONSTR_CHECK') context.notValidInTransaction.set(constraint.conname, 'check');
    if (constraint.contype === 'CONSTR_FOREIGN') context.notValidInTransaction.set(constraint.conname, 'foreign-key');
  }
}

/** `SET [LOCAL] lock_timeout = …`, `RESET lock_timeout` and `SELECT set_config('lock_timeout', …)`. */
function trackLockTimeout(node: Node, context: LintContext): void {
  if ('VariableSetStmt' in node && node.VariableSetStmt.name === 'lock_timeout') {
    const set = node.VariableSetStmt;
    const value = set.args?.[0];
    const constant = value && 'A_Const' in value ? value.A_Const : undefined;
    // libpg-query leaves a zero out of the tree: `SET lock_timeout = 0` has an empty ival.
    const zero =
      constant !== undefined &&
      ((constant.ival !== undefined && (constant.ival.ival ?? 0) === 0) || /^0+\s*(ms|s|min)?$/.test(constant.sval?.sval ?? 'x'));
    context.lockTimeoutSet = set.kind === 'VAR_SET_VALUE' && !zero;
    return;
  }
  if ('SelectStmt' in node && calledFunctions(node).includes('set_config')) {
    walk(node, (key, value) => {
      if (key !== 'FuncCall') return;
      const args = value.args as Node[] | undefined;
      const first = args?.[0];
      const name = first && 'A_Const' in first ? first.A_Const.sval?.sval : undefined;
      const names = (value.funcname as Node[] | undefined)?.map(stringValue);
      if (names?.includes('set_config') && name === 'lock_timeout') context.lockTimeoutSet = true;
    });
  }
}
