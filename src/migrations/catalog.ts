// What the migrations seen so far say the schema is: tables, their columns and types. Rules use it to
// know a column's old type, and whether a table is new (created by the same file, so nothing uses it yet).
import type { Node } from 'libpg-query';
import { alterCommands, columnDef, columnType, constraintOf, droppedNames, stringValue, tableName, type ColumnType } from './ast.js';

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

export class Catalog {
  private readonly tables = new Map<string, Map<string, ColumnType>>();
  private readonly notNullChecks = new Map<string, NotNullCheck>();

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

  /** Records what a statement does to the schema. Returns the tables it creates. */
  apply(node: Node): string[] {
    if ('CreateStmt' in node) {
      const table = tableName(node.CreateStmt.relation);
      const columns = new Map<string, ColumnType>();
      for (const element of node.CreateStmt.tableElts ?? []) {
        const column = columnDef(element);
        const type = columnType(column?.typeName);
        if (column?.colname && type) columns.set(column.colname, stored(type));
      }
      this.tables.set(table, columns);
      return [table];
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
      if (cmd.subtype === 'AT_DropColumn' && cmd.name) columns.delete(cmd.name);
      const constraint = cmd.subtype === 'AT_AddConstraint' ? constraintOf(cmd.def) : undefined;
      const checked = constraint?.contype === 'CONSTR_CHECK' ? notNullColumn(constraint.raw_expr) : undefined;
      if (constraint?.conname && checked)
        this.notNullChecks.set(constraint.conname, { table, column: checked, validated: !constraint.skip_validation });
      const check = cmd.subtype === 'AT_ValidateConstraint' && cmd.name ? this.notNullChecks.get(cmd.name) : undefined;
      if (check) check.validated = true;
      if (cmd.subtype === 'AT_DropConstraint' && cmd.name) this.notNullChecks.delete(cmd.name);
    }
    if ('RenameStmt' in node) {
      const rename = node.RenameStmt;
      const table = tableName(rename.relation);
      if (rename.renameType === 'OBJECT_TABLE' && rename.newname) {
        const columns = this.tables.get(table);
        this.tables.delete(table);
        if (columns) this.tables.set(rename.newname, columns);
      }
      if (rename.renameType === 'OBJECT_COLUMN' && rename.subname && rename.newname) {
        const columns = this.tables.get(table);
        const type = columns?.get(rename.subname);
        if (columns && type) {
          columns.delete(rename.subname);
          columns.set(rename.newname, type);
        }
      }
    }
    if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE') {
      for (const name of droppedNames(node.DropStmt.objects)) this.tables.delete(name);
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
