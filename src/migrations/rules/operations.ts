// How a migration runs against a live database: lock queues and long row locks.
import type { Node, RangeVar } from 'libpg-query';
import { dottedName, alterCommands, booleanOption, droppedNames, tableName, walk } from '../ast.js';
import type { Statement } from '../parse.js';
import { isConcurrent } from './locks.js';
import { existing, type LintContext, type Rule } from './rule.js';

/** PostgreSQL's lock mode number for SHARE (LockStmt.mode counts from ACCESS SHARE = 1). */
const SHARE_LOCK = 5;

/** The table a statement takes a write-blocking lock on, or undefined when it takes none. */
function lockedTable(statement: Statement, context: LintContext): string | undefined {
  const node = statement.node;
  if (isConcurrent(statement)) return undefined;
  if ('AlterTableStmt' in node) {
    const commands = alterCommands(node);
    const onlyValidates = commands.length > 0 && commands.every(({ cmd }) => cmd.subtype === 'AT_ValidateConstraint');
    const table = tableName(node.AlterTableStmt.relation);
    return !onlyValidates && existing(context, table) ? table : undefined;
  }
  if ('CreateStmt' in node) {
    // A foreign key to an existing table takes SHARE ROW EXCLUSIVE on it, which waits in its lock queue.
    const referenced: string[] = [];
    walk(node.CreateStmt.tableElts, (key, value) => {
      if (key === 'Constraint' && value.contype === 'CONSTR_FOREIGN') referenced.push(tableName(value.pktable as RangeVar | undefined));
    });
    return referenced.find((table) => existing(context, table));
  }
  if ('IndexStmt' in node || 'RenameStmt' in node || 'CreateTrigStmt' in node || 'ClusterStmt' in node) {
    const relation =
      'IndexStmt' in node
        ? node.IndexStmt.relation
        : 'RenameStmt' in node
          ? node.RenameStmt.relation
          : 'CreateTrigStmt' in node
            ? node.CreateTrigStmt.relation
            : node.ClusterStmt.relation;
    const table = tableName(relation);
    return existing(context, table) ? table : undefined;
  }
  const dropsRelation = ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(
    ('DropStmt' in node && node.DropStmt.removeType) || '',
  );
  if ('DropStmt' in node && dropsRelation) {
    return droppedNames(node.DropStmt.objects).find((name) => !context.newTables.has(name) && !context.newIndexes.has(name));
  }
  // A plain refresh takes ACCESS EXCLUSIVE on the view: it queues behind its readers, and they behind it.
  if ('RefreshMatViewStmt' in node) {
    const view = tableName(node.RefreshMatViewStmt.relation);
    return !node.RefreshMatViewStmt.concurrent && existing(context, view) ? view : undefined;
  }
  // Checking a domain's values (ADD CONSTRAINT without NOT VALID, VALIDATE) takes SHARE on every table using it.
  if ('AlterDomainStmt' in node) {
    const domain = node.AlterDomainStmt;
    const def = domain.def && 'Constraint' in domain.def ? domain.def.Constraint : undefined;
    const scans = domain.subtype === 'V' || domain.subtype === 'O' || (domain.subtype === 'C' && !def?.skip_validation);
    const name = dottedName(domain.typeName);
    return scans && existing(context, name) ? `the tables using domain ${name}` : undefined;
  }
  if ('LockStmt' in node) {
    // LOCK TABLE in SHARE mode or stronger blocks writers; ACCESS SHARE … SHARE UPDATE EXCLUSIVE do not.
    const mode = node.LockStmt.mode ?? 0;
    const relation = node.LockStmt.relations?.[0];
    return mode >= SHARE_LOCK && relation && 'RangeVar' in relation ? tableName(relation.RangeVar) : undefined;
  }
  if ('TruncateStmt' in node)
    return tableName(
      node.TruncateStmt.relations?.[0] && 'RangeVar' in node.TruncateStmt.relations[0]
        ? node.TruncateStmt.relations[0].RangeVar
        : undefined,
    );
  if ('ReindexStmt' in node)
    return tableName(node.ReindexStmt.relation) === '?' ? (node.ReindexStmt.name ?? '?') : tableName(node.ReindexStmt.relation);
  if ('VacuumStmt' in node) return booleanOption(node.VacuumStmt.options, 'full') === true ? 'the vacuumed tables' : undefined;
  return undefined;
}

export const missingLockTimeout: Rule = {
  name: 'missing-lock-timeout',
  category: 'operations',
  severity: 'warning',
  summary: 'A statement that takes a write-blocking lock before any `SET lock_timeout`.',
  recipe: [
    "Start the file with `SET lock_timeout = '2s';` (inside the runner's transaction: `SET LOCAL lock_timeout = '2s';`).",
    'A DDL statement waiting for its lock behind one long query blocks every query queued after it; with a timeout it gives up instead, and the deploy retries.',
  ].join('\n'),
  squawk: ['require-lock-timeout', 'require-timeout-settings'],
  check(statement, context) {
    if (context.lockTimeoutSet || context.reportedOnce.has('missing-lock-timeout')) return [];
    const table = lockedTable(statement, context);
    if (!table) return [];
    context.reportedOnce.add('missing-lock-timeout');
    return [
      {
        message: `locks ${table} before any SET lock_timeout: if a long query holds the table, this statement waits, and every read and write queued behind it waits too`,
      },
    ];
  },
};

/** A WHERE clause works through one batch when it has a LIMIT sub-select or a bounded range. */
function isBatched(where: Node | undefined): boolean {
  let limited = false;
  let lower = false;
  let upper = false;
  walk(where, (key, value) => {
    if (key === 'SelectStmt' && value.limitCount !== undefined) limited = true;
    if (key !== 'A_Expr') return;
    if (value.kind === 'AEXPR_BETWEEN' || value.kind === 'AEXPR_BETWEEN_SYM') limited = true;
    const op = (value.name as Node[] | undefined)?.[0];
    const symbol = op && 'String' in op ? op.String.sval : undefined;
    if (symbol === '>' || symbol === '>=') lower = true;
    if (symbol === '<' || symbol === '<=') upper = true;
  });
  return limited || (lower && upper);
}

export const unbatchedWrite: Rule = {
  name: 'unbatched-write',
  category: 'operations',
  severity: 'warning',
  summary: 'One big UPDATE / DELETE: locks every matching row until it commits, and bloats the table at once.',
  recipe: [
    'Work in batches, each in its own transaction, until a batch touches no row:',
    '`UPDATE t SET c = … WHERE id IN (SELECT id FROM t WHERE c IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED);`',
    'or by key range: `… WHERE id >= $1 AND id < $1 + 1000`. Run it from a script after the deploy, not in the schema migration.',
  ].join('\n'),
  squawk: [],
  locks: [
    {
      statement: 'UPDATE / DELETE of many rows in one statement',
      lock: 'ROW EXCLUSIVE',
      on: 'every matched row, until commit',
      holds: 'commit',
      safe: 'batches of ~1000 rows, each its own transaction',
    },
  ],
  check(statement, context) {
    const node = statement.node;
    const write =
      'UpdateStmt' in node
        ? { verb: 'UPDATE', relation: node.UpdateStmt.relation, where: node.UpdateStmt.whereClause }
        : 'DeleteStmt' in node
          ? { verb: 'DELETE', relation: node.DeleteStmt.relation, where: node.DeleteStmt.whereClause }
          : undefined;
    if (!write) return [];
    const table = tableName(write.relation);
    if (!existing(context, table) || isBatched(write.where)) return [];
    return [
      {
        message: `${write.verb} on ${table} ${write.where ? 'with an unbounded WHERE' : 'of every row'} in one statement: each row it touches stays locked against other writers until the migration commits`,
      },
    ];
  },
};
