// What the migrations seen so far say the schema is: tables, their columns and types. Rules use it to
// know a column's old type, and whether a table is new (created by the same file, so nothing uses it yet).
import type { Constraint, Node as Node } from 'libpg-query';
import {
  dottedName,
  alterCommands,
  columnDef,
  columnType,
  constraintOf,
  constraints,
  droppedNames,
  referencedColumns,
  stringValue,
  tableName,
  type ColumnType,
} from './ast.js';

/** A CHECK (column IS NOT NULL) constraint, which PostgreSQL 12+ uses to skip SET NOT NULL's scan once valid. */
interface NotNullCheck {
  table: string;
  column: string;
  validated: boolean;
}

/** serial is int4 with a sequence default: what the column holds is the integer type. */
const SERIAL_BASE: Record<string, string> = {
  smallserial: 'int2',
  serial2: 'int2',
  serial: 'int4',
  serial4: 'int4',
  bigserial: 'int8',
  serial8: 'int8',
};
const stored = (type: ColumnType): ColumnType => ({ ...type, name: SERIAL_BASE[type.name] ?? type.name });

/** An index or a CHECK constraint, by the table and the columns it covers. */
interface ColumnsOf {
  table: string;
  columns: string[];
}

export class Catalog {
  private readonly tables = new Map<string, Map<string, ColumnType>>();
  private readonly notNullChecks = new Map<string, NotNullCheck>();
  /** By index name (unique per schema). */
  private readonly indexes = new Map<string, ColumnsOf>();
  /** By `table constraint` (constraint names are unique per table). */
  private readonly checks = new Map<string, ColumnsOf>();

  /** An index covers the column (its type change would rebuild it). */
  isIndexed(table: string, column: string): boolean {
    return [...this.indexes.values()].some((i) => i.table === table && i.columns.includes(column));
  }

  /** Names of the CHECK constraints that read the column. */
  checksOn(table: string, column: string): string[] {
    return [...this.checks.entries()]
      .filter(([, c]) => c.table === table && c.columns.includes(column))
      .map(([key]) => key.slice(table.length + 1));
  }

  /** Records a CHECK, UNIQUE, PRIMARY KEY or EXCLUDE constraint; PostgreSQL's default names when unnamed. */
  private addConstraint(table: string, constraint: Constraint, column?: string): void {
    const keys = (constraint.keys ?? []).map(stringValue).filter((k): k is string => k !== undefined);
    if (constraint.contype === 'CONSTR_CHECK') {
      const columns = [...new Set([...(column ? [column] : []), ...referencedColumns(constraint.raw_expr)])];
      this.checks.set(`${table} ${constraint.conname ?? `${table}_${columns[0] ?? ''}_check`}`, { table, columns });
    }
    const indexed = ['CONSTR_UNIQUE', 'CONSTR_PRIMARY', 'CONSTR_EXCLUSION'].includes(constraint.contype ?? '');
    if (indexed && !constraint.indexname) {
      const columns = column ? [column] : keys.length ? keys : referencedColumns(constraint.exclusions);
      const suffix = constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : constraint.contype === 'CONSTR_UNIQUE' ? 'key' : 'excl';
      const name =
        constraint.conname ?? (constraint.contype === 'CONSTR_PRIMARY' ? `${table}_pkey` : `${table}_${columns.join('_')}_${suffix}`);
      this.indexes.set(name, { table, columns });
    }
  }

  private forgetColumn(table: string, column: string): void {
    for (const [name, index] of this.indexes) if (index.table === table && index.columns.includes(column)) this.indexes.delete(name);
    for (const [key, check] of this.checks) if (check.table === table && check.columns.includes(column)) this.checks.delete(key);
  }

  /** A valid CHECK (column IS NOT NULL) exists on the column. */
  provesNotNull(table: string, column: string): boolean {
    return [...this.notNullChecks.values()].some((c) => c.validated && c.table === table && c.column === column);
  }

  columnType(table: string, column: string): ColumnType | undefined {
    return this.tables.get(table)?.get(column);
  }

  columns(table: string): ReadonlyMap<string, ColumnType> | undefined {
    return this.tables.get(table);
  }

  private columnsOfAny(table: string): string[] {
    return [...this.indexes.values(), ...this.checks.values()].filter((c) => c.table === table).flatMap((c) => c.columns);
  }

  /** Records what a statement does to the schema. Returns the tables it creates. */
  apply(node: Node): string[] {
    if ('CreateStmt' in node) {
      const table = tableName(node.CreateStmt.relation);
      const columns = new Map<string, ColumnType>();
      for (const element of node.CreateStmt.tableElts ?? []) {
        const column = columnDef(element);
        const type = columnType(column?.typeName);
        if (column?.colname && type) columns.set(column.colname, stored(type));
        if (column?.colname) for (const c of constraints(column)) this.addConstraint(table, c, column.colname);
        const constraint = constraintOf(element);
        if (constraint) this.addConstraint(table, constraint);
      }
      this.tables.set(table, columns);
      return [table];
    }
    if ('ViewStmt' in node) return [tableName(node.ViewStmt.view)];
    // A domain's name is a type's, which no table of the schema can share: it goes with the new relations.
    if ('CreateDomainStmt' in node) return [dottedName(node.CreateDomainStmt.domainname)];
    if ('IndexStmt' in node) {
      const index = node.IndexStmt;
      const table = tableName(index.relation);
      const columns = (index.indexParams ?? []).flatMap((param) =>
        'IndexElem' in param ? (param.IndexElem.name ? [param.IndexElem.name] : referencedColumns(param.IndexElem.expr)) : [],
      );
      this.indexes.set(index.idxname ?? `${table}_${columns.join('_')}_idx`, { table, columns });
      return [];
    }
    if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_INDEX') {
      for (const name of droppedNames(node.DropStmt.objects)) this.indexes.delete(name);
      return [];
    }
    if ('CreateTableAsStmt' in node) {
      const table = tableName(node.CreateTableAsStmt.into?.rel);
      this.tables.set(table, new Map());
      return [table];
    }
    for (const { table, cmd } of alterCommands(node)) {
      const columns = this.tables.get(table) ?? new Map<string, ColumnType>();
      this.tables.set(table, columns);
      const column = columnDef(cmd.def);
      const type = columnType(column?.typeName);
      if (cmd.subtype === 'AT_AddColumn' && column?.colname && type) columns.set(column.colname, stored(type));
      if (cmd.subtype === 'AT_AlterColumnType' && cmd.name && type) columns.set(cmd.name, stored(type));
      if (cmd.subtype === 'AT_AddColumn' && column?.colname)
        for (const c of constraints(column)) this.addConstraint(table, c, column.colname);
      if (cmd.subtype === 'AT_DropColumn' && cmd.name) {
        columns.delete(cmd.name);
        this.forgetColumn(table, cmd.name);
      }
      const constraint = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def) : undefined;
      if (constraint) this.addConstraint(table, constraint);
      const checked = constraint?.contype === 'CONSTR_CHECK' ? notNullColumn(constraint.raw_expr) : undefined;
      if (constraint?.conname && checked)
        this.notNullChecks.set(constraint.conname, { table, column: checked, validated: !constraint.skip_validation });
      const check = cmd.subtype === 'AT_ValidateConstraint' && cmd.name ? this.notNullChecks.get(cmd.name) : undefined;
      if (check) check.validated = true;
      if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
        this.notNullChecks.delete(cmd.name);
        this.checks.delete(`${table} ${cmd.name}`);
        this.indexes.delete(cmd.name);
      }
    }
    if ('RenameStmt' in node) {
      const rename = node.RenameStmt;
      const table = tableName(rename.relation);
      if (rename.renameType === 'OBJECT_TABLE' && rename.newname) {
        const columns = this.tables.get(table);
        this.tables.delete(table);
        if (columns) this.tables.set(rename.newname, columns);
        const renamed = rename.newname;
        for (const index of this.indexes.values()) if (index.table === table) index.table = renamed;
        for (const [key, check] of [...this.checks]) {
          if (check.table !== table) continue;
          this.checks.delete(key);
          this.checks.set(`${renamed} ${key.slice(table.length + 1)}`, { ...check, table: renamed });
        }
      }
      if (rename.renameType === 'OBJECT_COLUMN' && rename.subname && rename.newname) {
        const columns = this.tables.get(table);
        const type = columns?.get(rename.subname);
        if (columns && type) {
          columns.delete(rename.subname);
          columns.set(rename.newname, type);
        }
        for (const of of [...this.indexes.values(), ...this.checks.values()])
          if (of.table === table) of.columns = of.columns.map((c) => (c === rename.subname ? rename.newname! : c));
      }
    }
    if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE') {
      for (const name of droppedNames(node.DropStmt.objects)) {
        this.tables.delete(name);
        for (const column of this.columnsOfAny(name)) this.forgetColumn(name, column);
      }
    }
    return [];
  }
}

/** The column of a `column IS NOT NULL` expression. */
function notNullColumn(expression: Node | undefined): string | undefined {
  if (!expression || !('NullTest' in expression) || expression.NullTest.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const arg = expression.NullTest.arg;
  const fields = arg && 'ColumnRef' in arg ? (arg.ColumnRef.fields ?? []) : [];
  return fields.length === 1 ? stringValue(fields[0]) : undefined;
}
