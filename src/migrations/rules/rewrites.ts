// Statements that rewrite the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait for the copy.
import type { Node } from 'libpg-query';
import {
  alterCommands,
  calledFunctions,
  columnDef,
  columnType,
  constraints,
  formatType,
  locationOf,
  walk,
  type ColumnType,
} from '../ast.js';
import { existing, type Rule } from './rule.js';

// Built-in functions whose value is fixed for the statement (STABLE or IMMUTABLE): PostgreSQL 11+ stores
// such a default once in the catalog instead of writing it into every row. Any other function may be
// VOLATILE (user functions are, unless declared otherwise), which forces a rewrite.
const NON_VOLATILE = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_setting',
  'lower',
  'upper',
  'concat',
  'length',
  'abs',
  'md5',
  'to_jsonb',
  'to_json',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'make_interval',
  'make_date',
  'date_trunc',
  'to_timestamp',
  'to_date',
  'array_fill',
  'coalesce',
  'greatest',
  'least',
  'timezone',
]);

/** Why adding this column rewrites the table, or undefined when it does not. */
function rewriteReason(column: NonNullable<ReturnType<typeof columnDef>>, postgresVersion: number): string | undefined {
  const type = columnType(column.typeName);
  if (type?.name.endsWith('serial')) return `${type.name} fills every existing row from a sequence (nextval() is volatile)`;
  const kinds = constraints(column);
  if (kinds.some((c) => c.contype === 'CONSTR_IDENTITY')) return 'an identity column fills every existing row from a sequence';
  const defaultExpr = kinds.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr ?? column.raw_default;
  if (!defaultExpr || isNullConstant(defaultExpr)) return undefined;
  if (postgresVersion < 11)
    return `before PostgreSQL 11 any DEFAULT is written into every existing row (target: PostgreSQL ${postgresVersion})`;
  const volatile = calledFunctions(defaultExpr).filter((name) => !NON_VOLATILE.has(name));
  if (volatile.length)
    return `the default calls ${volatile.map((name) => `${name}()`).join(', ')}, which may be volatile, so PostgreSQL computes it for every existing row`;
  return undefined;
}

function isNullConstant(node: Node): boolean {
  return 'A_Const' in node && node.A_Const.isnull === true;
}

export const addColumnRewrite: Rule = {
  name: 'add-column-rewrite',
  category: 'rewrite',
  severity: 'error',
  summary: 'ADD COLUMN with a volatile default (any default before PostgreSQL 11, serial, identity): rewrites the table.',
  recipe: [
    'Expand: `ALTER TABLE t ADD COLUMN c <type>;` with no default, or a constant one (PostgreSQL 11+ stores it without a rewrite).',
    'Then `ALTER TABLE t ALTER COLUMN c SET DEFAULT <expr>;` (applies to new rows only, no rewrite).',
    'Migrate: backfill existing rows in batches (`UPDATE t SET c = <expr> WHERE id IN (SELECT id FROM t WHERE c IS NULL LIMIT 1000);` until no row is left).',
  ].join('\n'),
  squawk: ['adding-field-with-default', 'adding-serial-primary-key-field'],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      if (cmd.subtype !== 'AT_AddColumn' || !column || !existing(context, table)) return [];
      const reason = rewriteReason(column, context.postgresVersion);
      return reason
        ? [
            {
              at: locationOf(column),
              message: `adds ${table}.${column.colname ?? '?'}: ${reason}; the table is rewritten under an ACCESS EXCLUSIVE lock`,
            },
          ]
        : [];
    });
  },
};

export const storedGeneratedColumn: Rule = {
  name: 'stored-generated-column',
  category: 'rewrite',
  severity: 'error',
  summary: 'ADD COLUMN … GENERATED ALWAYS AS (…) STORED: computes and writes every row, rewriting the table.',
  recipe: [
    'Expand: add a plain nullable column and a trigger that sets it on INSERT and UPDATE.',
    'Migrate: backfill existing rows in batches.',
    'PostgreSQL 18+: a VIRTUAL generated column is computed on read and needs no rewrite.',
  ].join('\n'),
  squawk: ['adding-field-with-default'],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      if (cmd.subtype !== 'AT_AddColumn' || !column || !existing(context, table)) return [];
      const stored = constraints(column).some((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind !== 'v');
      return stored
        ? [
            {
              at: locationOf(column),
              message: `adds stored generated column ${table}.${column.colname ?? '?'}: every row is computed and written, rewriting the table under an ACCESS EXCLUSIVE lock`,
            },
          ]
        : [];
    });
  },
};

/** True when PostgreSQL changes the type without touching the rows (binary-coercible, or a looser limit). */
export function isBinaryCoercible(from: ColumnType, to: ColumnType): boolean {
  if (from.array !== to.array) return false;
  const widens = (a: number | undefined, b: number | undefined) => b === undefined || (a !== undefined && b >= a);
  if (from.name === to.name) {
    if (['varchar', 'varbit'].includes(from.name)) return widens(from.mods[0], to.mods[0]);
    if (from.name === 'numeric')
      return to.mods.length === 0 || (widens(from.mods[0], to.mods[0]) && (from.mods[1] ?? 0) === (to.mods[1] ?? 0));
    if (from.name === 'timestamp' || from.name === 'timestamptz' || from.name === 'time' || from.name === 'interval')
      return widens(from.mods[0], to.mods[0]) || to.mods.length === 0;
    return from.mods.join() === to.mods.join();
  }
  const textual = (t: ColumnType) => t.name === 'text' || (t.name === 'varchar' && t.mods.length === 0);
  if (from.name === 'varchar' && textual(to)) return true;
  if (from.name === 'text' && textual(to)) return true;
  if (from.name === 'cidr' && to.name === 'inet') return true;
  return false;
}

export const alterColumnType: Rule = {
  name: 'alter-column-type',
  category: 'rewrite',
  severity: 'error',
  summary: 'ALTER COLUMN … TYPE: rewrites the table (and its indexes) unless the change is binary-coercible.',
  recipe: [
    'Safe without a rewrite: varchar(n) → varchar(m ≥ n), varchar → text, text → varchar, numeric(p,s) → numeric(q ≥ p,s), cidr → inet.',
    'Otherwise expand: add a column of the new type and write both (code or trigger);',
    'migrate: backfill in batches, switch reads;',
    'contract (a later release): drop the old column.',
  ].join('\n'),
  squawk: ['changing-column-type'],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      const to = columnType(column?.typeName);
      if (cmd.subtype !== 'AT_AlterColumnType' || !column || !to || !existing(context, table)) return [];
      const from = context.catalog.columnType(table, cmd.name ?? '');
      const using = column.raw_default !== undefined;
      if (from && !using && isBinaryCoercible(from, to)) return [];
      const what = from
        ? `from ${formatType(from)} to ${formatType(to)}`
        : `to ${formatType(to)} (its old type is not in the migrations Rollgate read, so the change cannot be shown to be binary-coercible)`;
      return [
        {
          at: locationOf(column),
          message: `changes ${table}.${cmd.name ?? '?'} ${what}${using ? ' with USING' : ''}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock`,
        },
      ];
    });
  },
};

export const vacuumFullCluster: Rule = {
  name: 'vacuum-full-cluster',
  category: 'rewrite',
  severity: 'error',
  summary: 'VACUUM FULL / CLUSTER: rewrites the table under an ACCESS EXCLUSIVE lock.',
  recipe:
    'Use an online tool (pg_repack, pg_squeeze) outside the deploy, or a plain `VACUUM` (no exclusive lock) to reclaim space for reuse.',
  squawk: ['prefer-repack'],
  check(statement) {
    const node = statement.node;
    if ('ClusterStmt' in node)
      return [
        { message: 'CLUSTER rewrites the table in index order under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy' },
      ];
    if (!('VacuumStmt' in node)) return [];
    let full = false;
    walk(node.VacuumStmt.options, (key, value) => {
      if (key === 'DefElem' && value.defname === 'full') full = true;
    });
    return full
      ? [{ message: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy' }]
      : [];
  },
};
