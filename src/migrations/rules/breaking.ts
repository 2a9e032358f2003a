// Changes that break the old version of the code, which keeps running until the rollout reaches 100%.
import { alterCommands, columnDef, columnType, constraints, droppedNames, locationOf, tableName } from '../ast.js';
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
