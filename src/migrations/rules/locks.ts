// Statements that hold a lock blocking writes (or reads) for as long as they scan or build.
import type { AlterTableCmd } from 'libpg-query';
import { dottedName, alterCommands, booleanOption, columnDef, constraints, droppedNames, locationOf, tableName } from '../ast.js';
import { existing, type LintContext, type Rule, type RuleHit } from './rule.js';
import type { Statement } from '../parse.js';

const validatesInSameTransaction = (cmd: AlterTableCmd, context: LintContext, kind: 'check' | 'foreign-key') =>
  cmd.subtype === 'AT_ValidateConstraint' && cmd.name !== undefined && context.notValidInTransaction.get(cmd.name) === kind;

const sameTransactionHit = (table: string, name: string): RuleHit => ({
  message: `validates ${name} on ${table} in the same transaction that added it NOT VALID: the ADD's ACCESS EXCLUSIVE lock is still held, so the scan blocks reads and writes after all`,
  recipe: 'Run the VALIDATE in its own transaction: a separate migration file, or after a COMMIT.',
});

export const checkWithoutNotValid: Rule = {
  name: 'check-without-not-valid',
  category: 'lock',
  severity: 'error',
  summary: 'ADD CONSTRAINT … CHECK without NOT VALID: scans the table under an ACCESS EXCLUSIVE lock.',
  recipe: [
    '1. `ALTER TABLE t ADD CONSTRAINT c CHECK (…) NOT VALID;` (new rows are checked; no scan)',
    '2. In a separate transaction: `ALTER TABLE t VALIDATE CONSTRAINT c;` (scans under SHARE UPDATE EXCLUSIVE: reads and writes go on)',
  ].join('\n'),
  squawk: ['constraint-missing-not-valid'],
  locks: [
    {
      statement: 'ALTER TABLE … ADD CONSTRAINT … CHECK',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'scan',
      safe: '`… NOT VALID`, then `VALIDATE CONSTRAINT` in another transaction (SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }): RuleHit[] => {
      // A table created in this file has no reader or writer to block, whatever the scan.
      if (!existing(context, table)) return [];
      if (validatesInSameTransaction(cmd, context, 'check')) return [sameTransactionHit(table, cmd.name!)];
      const constraint = cmd.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def ? cmd.def.Constraint : undefined;
      if (constraint?.contype !== 'CONSTR_CHECK' || constraint.skip_validation) return [];
      return [
        {
          at: constraint.location,
          message:
            `adds CHECK ${constraint.conname ?? ''} on ${table} without NOT VALID: every row is checked while an ACCESS EXCLUSIVE lock blocks reads and writes`.replace(
              '  ',
              ' ',
            ),
        },
      ];
    });
  },
};

export const foreignKeyWithoutNotValid: Rule = {
  name: 'foreign-key-without-not-valid',
  category: 'lock',
  severity: 'error',
  summary: 'ADD FOREIGN KEY without NOT VALID: checks every row while both tables are locked against writes.',
  recipe: [
    '1. `ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (x) REFERENCES p (id) NOT VALID;` (no scan)',
    '2. In a separate transaction: `ALTER TABLE t VALIDATE CONSTRAINT t_fk;` (SHARE UPDATE EXCLUSIVE on t, ROW SHARE on p: writes go on)',
  ].join('\n'),
  squawk: ['adding-foreign-key-constraint', 'constraint-missing-not-valid'],
  locks: [
    {
      statement: 'ALTER TABLE … ADD FOREIGN KEY',
      lock: 'SHARE ROW EXCLUSIVE',
      on: 'the table and the referenced table',
      holds: 'scan',
      safe: '`… NOT VALID`, then `VALIDATE CONSTRAINT` in another transaction (SHARE UPDATE EXCLUSIVE; ROW SHARE on the referenced table)',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }): RuleHit[] => {
      if (!existing(context, table)) return [];
      if (validatesInSameTransaction(cmd, context, 'foreign-key')) return [sameTransactionHit(table, cmd.name!)];
      const column = columnDef(cmd.def);
      const candidates =
        cmd.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def
          ? [cmd.def.Constraint]
          : cmd.subtype === 'AT_AddColumn' && column
            ? constraints(column)
            : [];
      return candidates
        .filter((c) => c.contype === 'CONSTR_FOREIGN' && !c.skip_validation)
        .map((c) => ({
          at: c.location,
          message: `adds a foreign key from ${table} to ${tableName(c.pktable)} without NOT VALID: every row is checked while SHARE ROW EXCLUSIVE locks block writes to both tables`,
        }));
    });
  },
};

export const uniqueWithoutIndex: Rule = {
  name: 'unique-without-index',
  category: 'lock',
  severity: 'error',
  summary: 'ADD UNIQUE / PRIMARY KEY not built USING INDEX: builds the index under an ACCESS EXCLUSIVE lock.',
  recipe: [
    '1. `CREATE UNIQUE INDEX CONCURRENTLY t_x_key ON t (x);` (in a file the runner does not wrap in a transaction)',
    '2. `ALTER TABLE t ADD CONSTRAINT t_x_key UNIQUE USING INDEX t_x_key;` (or PRIMARY KEY USING INDEX, once the columns are NOT NULL): a brief lock, no build',
  ].join('\n'),
  squawk: ['disallowed-unique-constraint', 'adding-serial-primary-key-field', 'constraint-missing-not-valid'],
  locks: [
    {
      statement: 'ALTER TABLE … ADD UNIQUE / PRIMARY KEY / EXCLUDE',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'build',
      safe: '`CREATE UNIQUE INDEX CONCURRENTLY` (SHARE UPDATE EXCLUSIVE), then `ADD CONSTRAINT … USING INDEX` (brief)',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      if (!existing(context, table)) return [];
      const column = columnDef(cmd.def);
      const candidates =
        cmd.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def
          ? [cmd.def.Constraint]
          : cmd.subtype === 'AT_AddColumn' && column
            ? constraints(column)
            : [];
      return candidates
        .filter(
          (c) => (c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_EXCLUSION') && !c.indexname,
        )
        .map((c) => ({
          at: c.location,
          message: `adds ${c.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'EXCLUDE'} on ${table} by building a new index: reads and writes wait under an ACCESS EXCLUSIVE lock for the whole build`,
        }));
    });
  },
};

export const indexWithoutConcurrently: Rule = {
  name: 'index-without-concurrently',
  category: 'lock',
  severity: 'error',
  summary: 'CREATE INDEX without CONCURRENTLY: blocks writes for the whole build.',
  recipe: [
    '`CREATE INDEX CONCURRENTLY i ON t (x);` in a file the runner does not wrap in a transaction.',
    'If it fails it leaves an INVALID index: `DROP INDEX CONCURRENTLY i;` and run it again.',
  ].join('\n'),
  squawk: ['require-concurrent-index-creation'],
  locks: [
    {
      statement: 'CREATE INDEX',
      lock: 'SHARE',
      holds: 'build',
      safe: '`CREATE INDEX CONCURRENTLY` outside a transaction (SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement, context) {
    if (!('IndexStmt' in statement.node)) return [];
    const index = statement.node.IndexStmt;
    const table = tableName(index.relation);
    if (index.concurrent || !existing(context, table)) return [];
    return [
      {
        message: `creates index ${index.idxname ?? '(unnamed)'} on ${table} without CONCURRENTLY: a SHARE lock blocks every write for the whole build`,
      },
    ];
  },
};

export const dropIndexWithoutConcurrently: Rule = {
  name: 'drop-index-without-concurrently',
  category: 'lock',
  severity: 'error',
  summary: 'DROP INDEX without CONCURRENTLY: takes an ACCESS EXCLUSIVE lock on the table.',
  recipe: '`DROP INDEX CONCURRENTLY i;` in a file the runner does not wrap in a transaction.',
  squawk: ['require-concurrent-index-deletion'],
  locks: [
    {
      statement: 'DROP INDEX',
      lock: 'ACCESS EXCLUSIVE',
      on: "the index's table",
      holds: 'brief',
      safe: '`DROP INDEX CONCURRENTLY` outside a transaction (SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement, context) {
    if (!('DropStmt' in statement.node) || statement.node.DropStmt.removeType !== 'OBJECT_INDEX' || statement.node.DropStmt.concurrent)
      return [];
    return droppedNames(statement.node.DropStmt.objects)
      .filter((name) => !context.newIndexes.has(name))
      .map((name) => ({
        message: `drops index ${name} without CONCURRENTLY: its table is locked ACCESS EXCLUSIVE, and the drop queues behind every running query`,
      }));
  },
};

export const reindexWithoutConcurrently: Rule = {
  name: 'reindex-without-concurrently',
  category: 'lock',
  severity: 'error',
  summary: 'REINDEX without CONCURRENTLY: blocks writes (and reads that use the index) for the rebuild.',
  recipe: [
    'PostgreSQL 12+: `REINDEX INDEX CONCURRENTLY i;` outside a transaction.',
    'Before 12: `CREATE INDEX CONCURRENTLY i_new …;` then `DROP INDEX CONCURRENTLY i;` and `ALTER INDEX i_new RENAME TO i;`.',
  ].join('\n'),
  squawk: ['require-concurrent-reindex'],
  locks: [
    {
      statement: 'REINDEX (also `(CONCURRENTLY false)`)',
      lock: 'SHARE',
      on: 'the table (ACCESS EXCLUSIVE on the index: reads that use it wait)',
      holds: 'build',
      safe: '`REINDEX … CONCURRENTLY` outside a transaction (12+; SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement) {
    if (!('ReindexStmt' in statement.node)) return [];
    // An option value PostgreSQL refuses (undefined) fails the statement before it locks anything.
    return booleanOption(statement.node.ReindexStmt.params, 'concurrently') !== false
      ? []
      : [{ message: 'REINDEX without CONCURRENTLY locks the table against writes (and the index against reads) while it rebuilds' }];
  },
};

/** True for statements PostgreSQL refuses to run inside a transaction block. */
export function isConcurrent(statement: Statement): boolean {
  const node = statement.node;
  if ('IndexStmt' in node) return node.IndexStmt.concurrent === true;
  if ('DropStmt' in node) return node.DropStmt.removeType === 'OBJECT_INDEX' && node.DropStmt.concurrent === true;
  if ('ReindexStmt' in node) return booleanOption(node.ReindexStmt.params, 'concurrently') === true;
  return alterCommands(node).some(
    ({ cmd }) =>
      cmd.subtype === 'AT_DetachPartition' &&
      cmd.def !== undefined &&
      'PartitionCmd' in cmd.def &&
      cmd.def.PartitionCmd.concurrent === true,
  );
}

export const concurrentlyInTransaction: Rule = {
  name: 'concurrently-in-transaction',
  category: 'lock',
  severity: 'error',
  summary: 'CONCURRENTLY inside a transaction: PostgreSQL refuses it, so the migration fails mid-deploy.',
  recipe: [
    'Put the CONCURRENTLY statement alone in its own migration file and tell the runner not to wrap that file in a transaction',
    '(dbmate: `-- migrate:up transaction:false`; graphile-migrate: `--! no-transaction`; Rails: `disable_ddl_transaction!`; Flyway: `executeInTransaction=false`).',
    'Rollgate reads the first two markers; otherwise set `migrations.transactionPerFile: false` if your runner never wraps files.',
  ].join('\n'),
  squawk: ['ban-concurrent-index-creation-in-transaction'],
  check(statement, context: LintContext) {
    if (!context.inTransaction || !isConcurrent(statement)) return [];
    return [
      {
        message:
          'runs CONCURRENTLY inside a transaction: PostgreSQL refuses with "cannot run inside a transaction block" and the migration fails',
      },
    ];
  },
};

export const truncateCascade: Rule = {
  name: 'truncate-cascade',
  category: 'lock',
  severity: 'error',
  summary: 'TRUNCATE … CASCADE: empties every table that references this one, under ACCESS EXCLUSIVE locks.',
  recipe:
    'Name every table to empty explicitly (`TRUNCATE a, b;`) after checking what references them; plain TRUNCATE refuses when another table still references it.',
  squawk: ['ban-truncate-cascade'],
  locks: [
    {
      statement: 'TRUNCATE … CASCADE',
      lock: 'ACCESS EXCLUSIVE',
      on: 'every table with a foreign key to it',
      holds: 'brief',
      safe: 'TRUNCATE the tables named explicitly',
    },
  ],
  check(statement) {
    if (!('TruncateStmt' in statement.node) || statement.node.TruncateStmt.behavior !== 'DROP_CASCADE') return [];
    return [
      {
        at: locationOf(statement.node.TruncateStmt.relations),
        message:
          'TRUNCATE … CASCADE also empties every table with a foreign key to these, whatever their data, under ACCESS EXCLUSIVE locks',
      },
    ];
  },
};

export const detachPartitionWithoutConcurrently: Rule = {
  name: 'detach-partition-without-concurrently',
  category: 'lock',
  severity: 'error',
  summary: 'DETACH PARTITION without CONCURRENTLY: ACCESS EXCLUSIVE on the parent and the partition, behind every running query.',
  recipe: [
    'PostgreSQL 14+: `ALTER TABLE parent DETACH PARTITION part CONCURRENTLY;` in a file the runner does not wrap in a transaction',
    '(SHARE UPDATE EXCLUSIVE on the parent: reads and writes go on; not allowed when the parent has a default partition).',
    'If it is interrupted, finish it with `ALTER TABLE parent DETACH PARTITION part FINALIZE;`.',
  ].join('\n'),
  squawk: ['require-concurrent-partition-detach'],
  locks: [
    {
      statement: 'ALTER TABLE … DETACH PARTITION',
      lock: 'ACCESS EXCLUSIVE',
      on: 'the parent and the partition',
      holds: 'brief',
      safe: '`DETACH PARTITION … CONCURRENTLY` outside a transaction (14+; SHARE UPDATE EXCLUSIVE on the parent)',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const partition = cmd.subtype === 'AT_DetachPartition' && cmd.def && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
      if (!partition || partition.concurrent || !existing(context, table)) return [];
      return [
        {
          at: partition.name?.location,
          message: `detaches ${tableName(partition.name)} from ${table} without CONCURRENTLY: both are locked ACCESS EXCLUSIVE, so every read and write of the parent waits${context.postgresVersion < 14 ? ' (CONCURRENTLY needs PostgreSQL 14)' : ''}`,
        },
      ];
    });
  },
};

export const domainCheckWithoutNotValid: Rule = {
  name: 'domain-check-without-not-valid',
  category: 'lock',
  severity: 'error',
  summary:
    'ALTER DOMAIN … ADD CONSTRAINT without NOT VALID, or SET NOT NULL: checks every column of the domain, in every table, under a write-blocking SHARE lock.',
  recipe: [
    '1. `ALTER DOMAIN d ADD CONSTRAINT c CHECK (…) NOT VALID;` (new values are checked; no scan)',
    '2. Later, at a quiet time: `ALTER DOMAIN d VALIDATE CONSTRAINT c;` (it still scans every table using the domain under a SHARE lock, which blocks writes: run it with a lock_timeout and a statement_timeout, and retry)',
  ].join('\n'),
  squawk: ['ban-alter-domain-with-add-constraint'],
  locks: [
    {
      statement: 'ALTER DOMAIN … ADD CONSTRAINT / SET NOT NULL',
      lock: 'SHARE',
      on: 'every table with a column of the domain',
      holds: 'scan',
      safe: '`… NOT VALID` (no table lock); `VALIDATE CONSTRAINT` at a quiet time (still SHARE while it scans, on 15)',
    },
  ],
  check(statement, context) {
    const node = statement.node;
    if (!('AlterDomainStmt' in node)) return [];
    const domain = dottedName(node.AlterDomainStmt.typeName);
    // SET NOT NULL checks every value the same way, and has no NOT VALID form.
    if (node.AlterDomainStmt.subtype === 'O' && existing(context, domain))
      return [
        {
          message: `sets domain ${domain} NOT NULL: every column of that domain, in every table, is checked while a SHARE lock blocks writes to those tables`,
          recipe: 'Add `CHECK (VALUE IS NOT NULL) NOT VALID` instead (new values are checked, no scan), then VALIDATE it at a quiet time.',
        },
      ];
    if (node.AlterDomainStmt.subtype !== 'C') return [];
    const constraint =
      node.AlterDomainStmt.def && 'Constraint' in node.AlterDomainStmt.def ? node.AlterDomainStmt.def.Constraint : undefined;
    if (!constraint || constraint.skip_validation || !existing(context, domain)) return [];
    return [
      {
        at: constraint.location,
        message:
          `adds ${constraint.contype === 'CONSTR_NOTNULL' ? 'NOT NULL' : 'CHECK'} ${constraint.conname ?? ''} to domain ${domain} without NOT VALID: every column of that domain, in every table, is checked while a SHARE lock blocks writes to those tables`.replace(
            '  ',
            ' ',
          ),
      },
    ];
  },
};

export const refreshWithoutConcurrently: Rule = {
  name: 'refresh-without-concurrently',
  category: 'lock',
  severity: 'error',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY: reads of the view wait for the whole refresh.',
  recipe: [
    '1. Give the view a unique index on plain columns: `CREATE UNIQUE INDEX CONCURRENTLY v_key ON v (id);`',
    '2. `REFRESH MATERIALIZED VIEW CONCURRENTLY v;` (EXCLUSIVE lock: reads go on; it diffs the new result into the view)',
  ].join('\n'),
  squawk: [],
  locks: [
    {
      statement: 'REFRESH MATERIALIZED VIEW',
      lock: 'ACCESS EXCLUSIVE',
      on: 'the view',
      holds: 'refresh',
      safe: '`REFRESH MATERIALIZED VIEW CONCURRENTLY` with a unique index on the view (EXCLUSIVE: reads go on)',
    },
  ],
  check(statement, context) {
    const node = statement.node;
    if (!('RefreshMatViewStmt' in node) || node.RefreshMatViewStmt.concurrent) return [];
    const view = tableName(node.RefreshMatViewStmt.relation);
    if (!existing(context, view)) return [];
    if (node.RefreshMatViewStmt.skipData)
      return [{ message: `empties materialized view ${view} (WITH NO DATA): every read of it fails until the next REFRESH` }];
    return [
      {
        message: `refreshes materialized view ${view} without CONCURRENTLY: an ACCESS EXCLUSIVE lock makes every read of it wait until the query behind it has run again`,
      },
    ];
  },
};
