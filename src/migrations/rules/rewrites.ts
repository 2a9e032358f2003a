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
  booleanOption,
  type ColumnType,
} from '../ast.js';
import { existing, type LintContext, type Rule } from './rule.js';

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
  locks: [
    {
      statement: 'ALTER TABLE … ADD COLUMN … DEFAULT random() / serial / identity',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'rewrite',
      safe: 'ADD COLUMN without a default (or a constant one, 11+), SET DEFAULT, backfill in batches (ROW EXCLUSIVE)',
    },
  ],
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
  locks: [
    {
      statement: 'ALTER TABLE … ADD COLUMN … GENERATED ALWAYS AS (…) STORED',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'rewrite',
      safe: 'a plain column set by a trigger, backfilled in batches',
    },
  ],
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

const widens = (a: number | undefined, b: number | undefined) => b === undefined || (a !== undefined && b >= a);
const unlimitedText = (t: ColumnType) => t.name === 'text' || (t.name === 'varchar' && t.mods.length === 0);
/** The most precise timestamp / time PostgreSQL stores: a limit of 6 is no limit. */
const MAX_TIME_PRECISION = 6;
/** interval's typmod range meaning "all fields" (INTERVAL_FULL_RANGE). */
const INTERVAL_FULL_RANGE = 32767;

export interface NoRewriteChange {
  /** As the docs and the recipe show it. */
  change: string;
  /** First major version in which PostgreSQL skips the rewrite (9 stands for any 9.x, so 9.2 features say 10). */
  since: number;
  /** PostgreSQL still rebuilds the column's indexes (their operator class changes): safe only on an unindexed column. */
  rebuildsIndexes?: true;
  holds(from: ColumnType, to: ColumnType): boolean;
}

/**
 * The type changes PostgreSQL makes without touching the rows (binary-coercible casts, or a limit that only
 * loosens), per version, as its ALTER TABLE code decides (the types' length-coercion support functions).
 * Deliberately absent: timestamp ↔ timestamptz, rewrite-free since 12 only when the session's TimeZone is
 * UTC, which a migration file cannot show.
 */
export const NO_REWRITE: readonly NoRewriteChange[] = [
  { change: 'the same type and limit', since: 9, holds: (a, b) => a.name === b.name && a.mods.join() === b.mods.join() },
  {
    change: 'varchar(n) → varchar(m ≥ n), varchar or text; varbit(n) → varbit(m ≥ n)',
    since: 9,
    holds: (a, b) =>
      (a.name === 'varchar' && (unlimitedText(b) || (b.name === 'varchar' && widens(a.mods[0], b.mods[0])))) ||
      (a.name === 'varbit' && b.name === 'varbit' && widens(a.mods[0], b.mods[0])),
  },
  { change: 'text → varchar (no limit)', since: 9, holds: (a, b) => a.name === 'text' && unlimitedText(b) },
  {
    change: 'numeric(p,s) → numeric(q ≥ p,s) or numeric',
    since: 10,
    holds: (a, b) =>
      a.name === 'numeric' &&
      b.name === 'numeric' &&
      (b.mods.length === 0 || (widens(a.mods[0], b.mods[0]) && (a.mods[1] ?? 0) === (b.mods[1] ?? 0))),
  },
  {
    change: 'timestamp / timestamptz / time / timetz (p) → the same type with precision q ≥ p, 6 or none',
    since: 10,
    holds: (a, b) =>
      a.name === b.name &&
      ['timestamp', 'timestamptz', 'time', 'timetz'].includes(a.name) &&
      (widens(a.mods[0], b.mods[0]) || b.mods[0] === MAX_TIME_PRECISION),
  },
  {
    change: 'interval(p) → interval(q ≥ p) or interval (all fields)',
    since: 10,
    holds: (a, b) =>
      a.name === 'interval' &&
      b.name === 'interval' &&
      (b.mods.length === 0 || (b.mods[0] === INTERVAL_FULL_RANGE && (b.mods[1] === undefined || widens(a.mods[1], b.mods[1])))),
  },
  { change: 'cidr → inet', since: 9, holds: (a, b) => a.name === 'cidr' && b.name === 'inet' },
  {
    change: 'text / varchar / varchar(n) → citext, citext → text / varchar, on a column without an index',
    since: 9,
    rebuildsIndexes: true,
    holds: (a, b) => (b.name === 'citext' && (a.name === 'text' || a.name === 'varchar')) || (a.name === 'citext' && unlimitedText(b)),
  },
];

/** The allow-list entry that makes this change rewrite-free on `postgresVersion`, if any (ignoring indexes). */
export function noRewriteChange(from: ColumnType, to: ColumnType, postgresVersion = Infinity): NoRewriteChange | undefined {
  if (from.array !== to.array) return undefined;
  return NO_REWRITE.find((entry) => postgresVersion >= entry.since && entry.holds(from, to));
}

/** True when PostgreSQL changes the type without touching the rows (binary-coercible, or a looser limit). */
export function isBinaryCoercible(from: ColumnType, to: ColumnType, postgresVersion?: number): boolean {
  return noRewriteChange(from, to, postgresVersion) !== undefined;
}

/** Why changing the column's type rewrites the table or its indexes; undefined when nothing is rewritten. */
function typeChangeRewrite(
  table: string,
  column: string,
  from: ColumnType | undefined,
  to: ColumnType,
  using: boolean,
  context: LintContext,
): string | undefined {
  const what = from
    ? `from ${formatType(from)} to ${formatType(to)}`
    : `to ${formatType(to)} (its old type is not in the migrations Rollgate read, so the change cannot be shown to be binary-coercible)`;
  const change = from && !using ? noRewriteChange(from, to, context.postgresVersion) : undefined;
  if (!change)
    return `changes ${table}.${column} ${what}${using ? ' with USING' : ''}: the table and its indexes are rewritten under an ACCESS EXCLUSIVE lock`;
  if (change.rebuildsIndexes && context.catalog.isIndexed(table, column))
    return `changes ${table}.${column} ${what}: the rows stay, but every index on the column is rebuilt (its operator class changes) under an ACCESS EXCLUSIVE lock`;
  return undefined;
}

export const alterColumnType: Rule = {
  name: 'alter-column-type',
  category: 'rewrite',
  severity: 'error',
  summary: 'ALTER COLUMN … TYPE: rewrites the table (and its indexes) unless the change is binary-coercible.',
  recipe: [
    `Safe without a rewrite: ${NO_REWRITE.slice(1)
      .map((entry) => entry.change)
      .join('; ')}.`,
    'Otherwise expand: add a column of the new type and write both (code or trigger);',
    'migrate: backfill in batches, switch reads;',
    'contract (a later release): drop the old column.',
  ].join('\n'),
  squawk: ['changing-column-type'],
  locks: [
    {
      statement: 'ALTER TABLE … ALTER COLUMN … TYPE (not on the no-rewrite list)',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'rewrite',
      safe: 'a new column of the new type, written by both versions, backfilled in batches',
    },
  ],
  check(statement, context) {
    return alterCommands(statement.node).flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      const to = columnType(column?.typeName);
      if (cmd.subtype !== 'AT_AlterColumnType' || !column || !to || !existing(context, table)) return [];
      const name = cmd.name ?? '?';
      const message = typeChangeRewrite(
        table,
        name,
        context.catalog.columnType(table, name),
        to,
        column.raw_default !== undefined,
        context,
      );
      return message ? [{ at: locationOf(column), message }] : [];
    });
  },
};

export const typeChangeWithCheck: Rule = {
  name: 'type-change-with-check',
  category: 'lock',
  severity: 'error',
  summary:
    'A rewrite-free ALTER COLUMN … TYPE on a column a CHECK constraint reads: every row is re-checked under an ACCESS EXCLUSIVE lock.',
  recipe: [
    'In one transaction (a brief ACCESS EXCLUSIVE lock, no scan):',
    '`ALTER TABLE t DROP CONSTRAINT c_check, ALTER COLUMN c TYPE <new type>, ADD CONSTRAINT c_check CHECK (…) NOT VALID;`',
    'Then in a separate transaction: `ALTER TABLE t VALIDATE CONSTRAINT c_check;` (SHARE UPDATE EXCLUSIVE: reads and writes go on).',
  ].join('\n'),
  squawk: [],
  locks: [
    {
      statement: 'ALTER TABLE … ALTER COLUMN … TYPE (no rewrite) on a column a CHECK reads',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'scan',
      safe: 'drop the CHECK, change the type, re-add the CHECK NOT VALID in one statement; VALIDATE later (SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement, context) {
    const commands = alterCommands(statement.node);
    // Constraints the same statement drops are not re-checked.
    const dropped = new Set(commands.filter(({ cmd }) => cmd.subtype === 'AT_DropConstraint').map(({ cmd }) => cmd.name));
    return commands.flatMap(({ table, cmd }) => {
      const column = columnDef(cmd.def);
      const to = columnType(column?.typeName);
      if (cmd.subtype !== 'AT_AlterColumnType' || !column || !to || !existing(context, table)) return [];
      const name = cmd.name ?? '?';
      const from = context.catalog.columnType(table, name);
      // A rewrite re-checks too, but alter-column-type already flags it.
      if (!from || typeChangeRewrite(table, name, from, to, column.raw_default !== undefined, context)) return [];
      const checks = context.catalog.checksOn(table, name).filter((check) => !dropped.has(check));
      if (!checks.length) return [];
      return [
        {
          at: locationOf(column),
          message: `changes ${table}.${name} to ${formatType(to)} without a rewrite, but CHECK ${checks.join(', ')} reads it: PostgreSQL re-checks every row under an ACCESS EXCLUSIVE lock (reads and writes wait for the scan)`,
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
  locks: [
    {
      statement: 'VACUUM FULL / CLUSTER',
      lock: 'ACCESS EXCLUSIVE',
      holds: 'rewrite',
      safe: 'pg_repack / pg_squeeze outside the deploy, or a plain VACUUM (SHARE UPDATE EXCLUSIVE)',
    },
  ],
  check(statement) {
    const node = statement.node;
    if ('ClusterStmt' in node)
      return [
        { message: 'CLUSTER rewrites the table in index order under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy' },
      ];
    if (!('VacuumStmt' in node)) return [];
    return booleanOption(node.VacuumStmt.options, 'full') === true
      ? [{ message: 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock: reads and writes wait for the whole copy' }]
      : [];
  },
};
