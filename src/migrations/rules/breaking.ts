// Changes that break the old version of the code, which keeps running until the rollout reaches 100%.
import { dottedName, alterCommands, columnDef, columnType, constraints, droppedNames, locationOf, tableName } from '../ast.js';
import { existing, type Rule } from './rule.js';

const LATER_RELEASE =
  'Contract in a later release: the code that stops using it must be fully rolled out before the migration that removes it runs.';

export const dropColumn: Rule = {
  name: 'drop-column',
  category: 'breaking',
  severity: 'error',
  summary: 'DROP COLUMN while the old version may still read or write the column.',
  recipe: [
    '1. Release code that no longer reads or writes the column (e.g. Rails `ignored_columns`, Django `SeparateDatabaseAndState`, drop it from every SELECT and INSERT).',
    '2. Roll that release out to 100%.',
    `3. ${LATER_RELEASE} Rollgate checks this from git history when run with --base/--head.`,
  ].join('\n'),
  squawk: ['ban-drop-column'],
  locks: [
    {
      statement: 'ALTER TABLE … DROP COLUMN',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'brief',
      safe: 'stop using the column, roll out, then drop it (same lock, brief)',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node)
      .filter(({ table, cmd }) => cmd.subtype === 'AT_DropColumn' && existing(context, table))
      .map(({ table, cmd }) => ({
        message: `drops column ${table}.${cmd.name ?? '?'}: the old version, still serving during the rollout, fails on every query that names it`,
      }));
  },
};

export const dropTable: Rule = {
  name: 'drop-table',
  category: 'breaking',
  severity: 'error',
  summary: 'DROP TABLE while the old version may still use the table.',
  recipe: ['1. Release code that no longer uses the table.', '2. Roll that release out to 100%.', `3. ${LATER_RELEASE}`].join('\n'),
  squawk: ['ban-drop-table'],
  locks: [{ statement: 'DROP TABLE', lock: 'ACCESS EXCLUSIVE', holds: 'brief', safe: 'stop using the table, roll out, then drop it' }],
  check(statement, context) {
    if (!('DropStmt' in statement.node) || statement.node.DropStmt.removeType !== 'OBJECT_TABLE') return [];
    return droppedNames(statement.node.DropStmt.objects)
      .filter((table) => existing(context, table))
      .map((table) => ({
        message: `drops table ${table}: the old version, still serving during the rollout, fails on every query that uses it`,
      }));
  },
};

export const renameColumn: Rule = {
  name: 'rename-column',
  category: 'breaking',
  severity: 'error',
  summary: 'RENAME COLUMN: the old version keeps using the old name.',
  recipe: [
    'Expand: `ALTER TABLE t ADD COLUMN new_name <type>;` and write both columns (in the code, or with a trigger).',
    'Migrate: backfill `new_name` from `old_name` in batches; release code that reads `new_name`.',
    'Contract (a later release): stop writing `old_name`, roll out, then `ALTER TABLE t DROP COLUMN old_name;`.',
  ].join('\n'),
  squawk: ['renaming-column'],
  locks: [
    {
      statement: 'ALTER TABLE … RENAME COLUMN',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'brief',
      safe: 'add the new column, write both, backfill, switch reads, drop the old one',
    },
  ],
  check(statement, context) {
    if (!('RenameStmt' in statement.node)) return [];
    const rename = statement.node.RenameStmt;
    const table = tableName(rename.relation);
    if (rename.renameType !== 'OBJECT_COLUMN' || !existing(context, table)) return [];
    return [
      {
        message: `renames column ${table}.${rename.subname ?? '?'} to ${rename.newname ?? '?'}: the old version still uses "${rename.subname ?? '?'}" and fails until the rollout ends`,
      },
    ];
  },
};

export const renameTable: Rule = {
  name: 'rename-table',
  category: 'breaking',
  severity: 'error',
  summary: 'RENAME TABLE: the old version keeps using the old name.',
  recipe: [
    'Expand: in one transaction `ALTER TABLE old RENAME TO new; CREATE VIEW old AS SELECT * FROM new;` (a simple view is updatable, so the old version keeps working).',
    'Release code that uses `new` and roll it out to 100%.',
    'Contract (a later release): `DROP VIEW old;`.',
  ].join('\n'),
  squawk: ['renaming-table'],
  locks: [
    {
      statement: 'ALTER TABLE … RENAME TO',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'brief',
      safe: 'rename and `CREATE VIEW old AS SELECT * FROM new` in one transaction; drop the view later',
    },
  ],
  check(statement, context) {
    if (!('RenameStmt' in statement.node)) return [];
    const rename = statement.node.RenameStmt;
    const table = tableName(rename.relation);
    if (rename.renameType !== 'OBJECT_TABLE' || !existing(context, table)) return [];
    return [
      {
        message: `renames table ${table} to ${rename.newname ?? '?'}: the old version still uses "${table}" and fails until the rollout ends`,
      },
    ];
  },
};

export const setNotNull: Rule = {
  name: 'set-not-null',
  category: 'breaking',
  severity: 'error',
  summary: 'SET NOT NULL: scans the whole table under an ACCESS EXCLUSIVE lock, and old code that leaves the column null starts failing.',
  recipe: [
    '1. Release code that always writes the column; backfill existing NULLs in batches.',
    '2. `ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID;` (brief lock, no scan)',
    '3. `ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null;` (scans under SHARE UPDATE EXCLUSIVE: reads and writes go on)',
    '4. PostgreSQL 12+: `ALTER TABLE t ALTER COLUMN c SET NOT NULL;` uses the valid check instead of scanning; then `ALTER TABLE t DROP CONSTRAINT t_c_not_null;`',
  ].join('\n'),
  squawk: ['adding-not-nullable-field'],
  locks: [
    {
      statement: 'ALTER TABLE … ALTER COLUMN … SET NOT NULL',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'scan',
      safe: '`ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID`, `VALIDATE CONSTRAINT` (SHARE UPDATE EXCLUSIVE), then SET NOT NULL skips the scan (12+)',
    },
  ],
  check(statement, context) {
    return (
      alterCommands(statement.node)
        // PostgreSQL 12+ skips the scan when a valid CHECK (column IS NOT NULL) proves it, and that check
        // already refuses nulls from the old code.
        .filter(
          ({ table, cmd }) =>
            cmd.subtype === 'AT_SetNotNull' &&
            existing(context, table) &&
            !(context.postgresVersion >= 12 && context.catalog.provesNotNull(table, cmd.name ?? '')),
        )
        .map(({ table, cmd }) => ({
          message: `sets ${table}.${cmd.name ?? '?'} NOT NULL: the whole table is scanned under an ACCESS EXCLUSIVE lock (reads and writes wait), and the old version's inserts that leave it null fail${context.postgresVersion < 12 ? '; before PostgreSQL 12 no CHECK constraint can spare the scan' : ''}`,
        }))
    );
  },
};

export const addRequiredColumn: Rule = {
  name: 'add-required-column',
  category: 'breaking',
  severity: 'error',
  summary: "ADD COLUMN … NOT NULL without a DEFAULT: fails on a table with rows, and the old version's inserts fail.",
  recipe: [
    'Expand: `ALTER TABLE t ADD COLUMN c <type>;` (nullable) or with a constant DEFAULT (PostgreSQL 11+: no rewrite).',
    'Migrate: release code that writes `c`; backfill existing rows in batches.',
    'Contract: make it NOT NULL with the CHECK … NOT VALID → VALIDATE → SET NOT NULL steps (see set-not-null).',
  ].join('\n'),
  squawk: ['adding-required-field'],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      if (cmd.subtype !== 'AT_AddColumn' || !column || !existing(context, table)) return [];
      const kinds = constraints(column).map((c) => c.contype);
      const required = kinds.includes('CONSTR_NOTNULL') || kinds.includes('CONSTR_PRIMARY');
      const filled =
        kinds.some((k) => k === 'CONSTR_DEFAULT' || k === 'CONSTR_GENERATED' || k === 'CONSTR_IDENTITY') ||
        column.raw_default !== undefined;
      const serial = columnType(column.typeName)?.name.endsWith('serial') ?? false;
      if (!required || filled || serial) return [];
      return [
        {
          at: locationOf(column),
          message: `adds ${table}.${column.colname ?? '?'} NOT NULL without a default: it fails if the table has rows, and the old version's inserts, which do not set it, fail`,
        },
      ];
    });
  },
};

export const dropView: Rule = {
  name: 'drop-view',
  category: 'breaking',
  severity: 'error',
  summary: 'DROP VIEW / DROP MATERIALIZED VIEW while the old version may still query it (and the drop waits behind every reader).',
  recipe: ['1. Release code that no longer queries the view.', '2. Roll that release out to 100%.', `3. ${LATER_RELEASE}`].join('\n'),
  squawk: [],
  locks: [
    {
      statement: 'DROP VIEW / DROP MATERIALIZED VIEW',
      lock: 'ACCESS EXCLUSIVE',
      on: 'the view',
      holds: 'brief',
      safe: 'stop querying the view, roll out, then drop it',
    },
  ],
  check(statement, context) {
    const node = statement.node;
    if (!('DropStmt' in node) || (node.DropStmt.removeType !== 'OBJECT_VIEW' && node.DropStmt.removeType !== 'OBJECT_MATVIEW')) return [];
    const kind = node.DropStmt.removeType === 'OBJECT_VIEW' ? 'view' : 'materialized view';
    return droppedNames(node.DropStmt.objects)
      .filter((view) => existing(context, view))
      .map((view) => ({
        message: `drops ${kind} ${view}: the old version, still serving during the rollout, fails on every query that uses it`,
      }));
  },
};

export const renameSchema: Rule = {
  name: 'rename-schema',
  category: 'breaking',
  severity: 'error',
  summary: 'ALTER SCHEMA … RENAME: every query of the old version that names the schema fails.',
  recipe: [
    'Expand: create the new schema and move or mirror the objects (views in the old schema over the tables in the new one keep the old names working),',
    'or put both schemas on the search_path and use unqualified names.',
    'Release code that uses the new schema and roll it out to 100%.',
    'Contract (a later release): drop what is left in the old schema.',
  ].join('\n'),
  squawk: [],
  check(statement) {
    const node = statement.node;
    if (!('RenameStmt' in node) || node.RenameStmt.renameType !== 'OBJECT_SCHEMA') return [];
    const { subname, newname } = node.RenameStmt;
    return [
      {
        message: `renames schema ${subname ?? '?'} to ${newname ?? '?'}: the old version still names "${subname ?? '?'}" and fails until the rollout ends`,
      },
    ];
  },
};

export const renameEnumValue: Rule = {
  name: 'rename-enum-value',
  category: 'breaking',
  severity: 'error',
  summary: "ALTER TYPE … RENAME VALUE: the old version's writes of the old label fail, and its reads meet a label it does not know.",
  recipe: [
    "Expand: `ALTER TYPE e ADD VALUE 'new';` (its own transaction before PostgreSQL 12); release code that reads both labels and writes the new one.",
    "Migrate: `UPDATE t SET c = 'new' WHERE c = 'old'` in batches.",
    'Contract (a later release): stop accepting the old label (an enum value cannot be dropped: leave it, or recreate the type).',
  ].join('\n'),
  squawk: [],
  check(statement) {
    const node = statement.node;
    if (!('AlterEnumStmt' in node) || node.AlterEnumStmt.oldVal === undefined) return [];
    const type = dottedName(node.AlterEnumStmt.typeName);
    const { oldVal, newVal } = node.AlterEnumStmt;
    return [
      {
        message: `renames value '${oldVal}' of enum ${type} to '${newVal ?? '?'}': the old version's inserts of '${oldVal}' fail ("invalid input value for enum") and its reads meet '${newVal ?? '?'}'`,
      },
    ];
  },
};

export const dropNotNull: Rule = {
  name: 'drop-not-null',
  category: 'breaking',
  severity: 'error',
  summary: 'DROP NOT NULL: once the new version writes NULLs, the old version, which assumes a value, reads them.',
  recipe: [
    '1. Release code that reads the column as nullable (and does not yet write NULL); roll it out to 100%.',
    '2. Then `ALTER TABLE t ALTER COLUMN c DROP NOT NULL;` (a brief ACCESS EXCLUSIVE lock, no scan).',
    '3. Only a release after that may write NULL.',
  ].join('\n'),
  squawk: ['ban-drop-not-null'],
  locks: [
    {
      statement: 'ALTER TABLE … ALTER COLUMN … DROP NOT NULL',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'brief',
      safe: 'release code that reads NULLs first; write NULLs only a release later',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node)
      .filter(({ table, cmd }) => cmd.subtype === 'AT_DropNotNull' && existing(context, table))
      .map(({ table, cmd }) => ({
        message: `drops NOT NULL from ${table}.${cmd.name ?? '?'}: the old version, still serving during the rollout, assumes a value and meets the NULLs the new version writes`,
      }));
  },
};

export const dropDatabase: Rule = {
  name: 'drop-database',
  category: 'breaking',
  severity: 'error',
  summary:
    'DROP DATABASE in a migration: every version loses its data; PostgreSQL refuses it in a transaction or while anyone is connected.',
  recipe: 'Never in a deploy migration. Retire a database by hand, after every service stopped using it and a backup was taken.',
  squawk: ['ban-drop-database'],
  check(statement) {
    if (!('DropdbStmt' in statement.node)) return [];
    return [
      {
        message: `drops database ${statement.node.DropdbStmt.dbname ?? '?'}: all its data is gone for the old and the new version alike (PostgreSQL also refuses it inside a transaction, or while a session is connected)`,
      },
    ];
  },
};
