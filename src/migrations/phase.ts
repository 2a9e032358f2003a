// Expand → migrate → contract: what each statement does to the schema the running code relies on.
import type { Node } from 'libpg-query';
import { alterCommands, columnDef, droppedNames, tableName } from './ast.js';

export type Phase = 'expand' | 'migrate' | 'contract' | 'other';

/** expand adds (old code unaffected), migrate moves data, contract removes or renames (old code may break). */
export function phaseOf(node: Node): Phase {
  if (
    'CreateStmt' in node ||
    'IndexStmt' in node ||
    'ViewStmt' in node ||
    'CreateSeqStmt' in node ||
    'CreateTableAsStmt' in node ||
    'CreateFunctionStmt' in node ||
    'CreateTrigStmt' in node ||
    'CreateEnumStmt' in node ||
    'CreateExtensionStmt' in node ||
    'CompositeTypeStmt' in node
  )
    return 'expand';
  if ('InsertStmt' in node || 'UpdateStmt' in node || 'DeleteStmt' in node || 'CopyStmt' in node) return 'migrate';
  if ('DropStmt' in node || 'RenameStmt' in node || 'TruncateStmt' in node) return 'contract';
  const commands = alterCommands(node);
  if (!commands.length) return 'other';
  const contracting = ['AT_DropColumn', 'AT_DropConstraint', 'AT_AlterColumnType', 'AT_SetNotNull', 'AT_DropNotNull', 'AT_DropExpression'];
  if (commands.some(({ cmd }) => contracting.includes(cmd.subtype ?? ''))) return 'contract';
  if (commands.every(({ cmd }) => cmd.subtype === 'AT_ValidateConstraint')) return 'migrate';
  return 'expand';
}

/** A column or table a contract step removes from what code can use. */
export interface RemovedObject {
  kind: 'column' | 'table' | 'view';
  table: string;
  /** The column, for kind 'column'. */
  column?: string;
  /** For a rename, the new name. */
  renamedTo?: string;
  /** The name code would use: the column, or the table. */
  name: string;
}

export function removedObjects(node: Node): RemovedObject[] {
  if ('DropStmt' in node && node.DropStmt.removeType === 'OBJECT_TABLE') {
    return droppedNames(node.DropStmt.objects).map((table) => ({ kind: 'table', table, name: table.split('.').pop()! }));
  }
  if ('DropStmt' in node && (node.DropStmt.removeType === 'OBJECT_VIEW' || node.DropStmt.removeType === 'OBJECT_MATVIEW')) {
    return droppedNames(node.DropStmt.objects).map((view) => ({ kind: 'view', table: view, name: view.split('.').pop()! }));
  }
  if ('RenameStmt' in node) {
    const rename = node.RenameStmt;
    const table = tableName(rename.relation);
    if (rename.renameType === 'OBJECT_TABLE') return [{ kind: 'table', table, renamedTo: rename.newname, name: table.split('.').pop()! }];
    if (rename.renameType === 'OBJECT_COLUMN' && rename.subname)
      return [{ kind: 'column', table, column: rename.subname, renamedTo: rename.newname, name: rename.subname }];
    return [];
  }
  return alterCommands(node)
    .filter(({ cmd }) => cmd.subtype === 'AT_DropColumn' && cmd.name)
    .map(({ table, cmd }) => ({ kind: 'column', table, column: cmd.name, name: cmd.name! }));
}

/** Tables and views a statement creates. */
export function createdRelations(node: Node): string[] {
  if ('CreateStmt' in node) return [tableName(node.CreateStmt.relation)];
  if ('CreateTableAsStmt' in node) return [tableName(node.CreateTableAsStmt.into?.rel)];
  if ('ViewStmt' in node) return [tableName(node.ViewStmt.view)];
  return [];
}

/** Tables an expand step adds to: created, or given a new column. */
export function expandedTables(node: Node): string[] {
  if ('CreateStmt' in node) return [tableName(node.CreateStmt.relation)];
  if ('CreateTableAsStmt' in node) return [tableName(node.CreateTableAsStmt.into?.rel)];
  if ('ViewStmt' in node) return [tableName(node.ViewStmt.view)];
  return alterCommands(node)
    .filter(({ cmd }) => cmd.subtype === 'AT_AddColumn')
    .map(({ table }) => table);
}

/** Columns a statement creates: with its table, or by ADD COLUMN. */
export function addedColumns(node: Node): { table: string; column: string }[] {
  if ('CreateStmt' in node) {
    const table = tableName(node.CreateStmt.relation);
    return (node.CreateStmt.tableElts ?? []).flatMap((element) => {
      const column = columnDef(element)?.colname;
      return column ? [{ table, column }] : [];
    });
  }
  return alterCommands(node).flatMap(({ table, cmd }) => {
    const column = cmd.subtype === 'AT_AddColumn' ? columnDef(cmd.def)?.colname : undefined;
    return column ? [{ table, column }] : [];
  });
}
