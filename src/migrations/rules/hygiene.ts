// Types that cost a risky migration later: changing them on a big table means a rewrite.
import type { ColumnDef, Node } from 'libpg-query';
import { alterCommands, columnDef, columnType, constraintOf, constraints, stringValue, tableName } from '../ast.js';
import type { Rule } from './rule.js';

interface DefinedColumn {
  table: string;
  column: ColumnDef;
  primaryKey: boolean;
}

/** Columns a statement defines or retypes, and whether each is (part of) the primary key. */
function definedColumns(node: Node): DefinedColumn[] {
  const isPrimary = (column: ColumnDef) => constraints(column).some((c) => c.contype === 'CONSTR_PRIMARY');
  if ('CreateStmt' in node) {
    const table = tableName(node.CreateStmt.relation);
    const elements = node.CreateStmt.tableElts ?? [];
    const keyColumns = new Set(
      elements.flatMap((element) => {
        const constraint = constraintOf(element);
        return constraint?.contype === 'CONSTR_PRIMARY' ? (constraint.keys ?? []).map(stringValue) : [];
      }),
    );
    return elements.flatMap((element) => {
      const column = columnDef(element);
      return column ? [{ table, column, primaryKey: isPrimary(column) || keyColumns.has(column.colname) }] : [];
    });
  }
  return alterCommands(node).flatMap(({ table, cmd }) => {
    const column = columnDef(cmd.def);
    if (!column || (cmd.subtype !== 'AT_AddColumn' && cmd.subtype !== 'AT_AlterColumnType')) return [];
    return [{ table, column: { ...column, colname: column.colname ?? cmd.name }, primaryKey: isPrimary(column) }];
  });
}

function typeRule(options: Omit<Rule, 'check' | 'category' | 'severity'> & { flags: (column: DefinedColumn) => string | undefined }): Rule {
  const { flags, ...rule } = options;
  return {
    ...rule,
    category: 'hygiene',
    severity: 'warning',
    check(statement) {
      return definedColumns(statement.node).flatMap((defined) => {
        const message = flags(defined);
        return message ? [{ at: defined.column.typeName?.location ?? defined.column.location, message }] : [];
      });
    },
  };
}

export const jsonColumn = typeRule({
  name: 'json-column',
  summary: '`json` instead of `jsonb`.',
  recipe: 'Use `jsonb`: it can be indexed (GIN), compared for equality, and is faster to query. Changing it later rewrites the table.',
  squawk: [],
  flags: ({ table, column }) =>
    columnType(column.typeName)?.name === 'json'
      ? `${table}.${column.colname ?? '?'} is json: use jsonb (indexable, comparable; changing it later rewrites the table)`
      : undefined,
});

export const timestampWithoutTimeZone = typeRule({
  name: 'timestamp-without-time-zone',
  summary: '`timestamp` without time zone.',
  recipe:
    'Use `timestamptz` (timestamp with time zone): it stores an instant; `timestamp` drops the offset, so the same value means different instants in different sessions.',
  squawk: ['prefer-timestamp-tz'],
  flags: ({ table, column }) =>
    columnType(column.typeName)?.name === 'timestamp'
      ? `${table}.${column.colname ?? '?'} is timestamp without time zone: use timestamptz`
      : undefined,
});

const SMALL_INTEGERS = new Set(['int2', 'int4', 'serial', 'smallserial', 'serial4', 'serial2']);

export const intPrimaryKey = typeRule({
  name: 'int-primary-key',
  summary: '`int` / `serial` primary key: runs out at 2,147,483,647 rows.',
  recipe:
    'Use `bigint GENERATED ALWAYS AS IDENTITY` (or bigserial). Widening a full int key later rewrites the table and every referencing one.',
  squawk: ['prefer-bigint-over-int', 'prefer-bigint-over-smallint', 'prefer-identity'],
  flags: ({ table, column, primaryKey }) => {
    const type = columnType(column.typeName);
    return primaryKey && type && SMALL_INTEGERS.has(type.name)
      ? `primary key ${table}.${column.colname ?? '?'} is ${type.name}: it runs out at 2^31 - 1; use bigint`
      : undefined;
  },
});
