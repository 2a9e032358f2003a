// Small readers over libpg-query's JSON syntax tree, so rules read as what they check.
import type { AlterTableCmd, ColumnDef, Constraint, Node, RangeVar, TypeName } from 'libpg-query';

/** A column type as written, reduced to PostgreSQL's internal name: `integer` → int4, `varchar(20)` → varchar [20]. */
export interface ColumnType {
  name: string;
  mods: number[];
  array: boolean;
}

const TYPE_ALIASES: Record<string, string> = {
  int: 'int4',
  integer: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  character: 'bpchar',
  char: 'bpchar',
};

export function columnType(typeName: TypeName | undefined): ColumnType | undefined {
  const names = (typeName?.names ?? []).map(stringValue).filter((n): n is string => n !== undefined);
  const last = names[names.length - 1];
  if (!last) return undefined;
  const mods = (typeName?.typmods ?? [])
    .map((mod) => ('A_Const' in mod ? mod.A_Const.ival?.ival : undefined))
    .filter((n): n is number => n !== undefined);
  return { name: TYPE_ALIASES[last] ?? last, mods, array: (typeName?.arrayBounds?.length ?? 0) > 0 };
}

export function formatType(type: ColumnType): string {
  return `${type.name}${type.mods.length ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

export function stringValue(node: Node | undefined): string | undefined {
  return node && 'String' in node ? node.String.sval : undefined;
}

/** `schema.table` when a schema other than public is named, else `table`. */
export function tableName(relation: RangeVar | undefined): string {
  if (!relation?.relname) return '?';
  return relation.schemaname && relation.schemaname !== 'public' ? `${relation.schemaname}.${relation.relname}` : relation.relname;
}

/** Names of a DROP statement's objects (each a list of identifiers: schema, name). */
export function droppedNames(objects: Node[] | undefined): string[] {
  return (objects ?? []).map((object) => {
    const parts = 'List' in object ? (object.List.items ?? []).map(stringValue) : [stringValue(object)];
    const names = parts.filter((p): p is string => p !== undefined);
    return names.length > 1 && names[0] === 'public' ? names.slice(1).join('.') : names.join('.');
  });
}

export interface AlterCommand {
  table: string;
  relation: RangeVar | undefined;
  cmd: AlterTableCmd;
}

/** The commands of an ALTER TABLE (one statement may carry several, comma-separated). */
export function alterCommands(node: Node): AlterCommand[] {
  if (!('AlterTableStmt' in node) || node.AlterTableStmt.objtype !== 'OBJECT_TABLE') return [];
  const relation = node.AlterTableStmt.relation;
  return (node.AlterTableStmt.cmds ?? []).flatMap((cmd) =>
    'AlterTableCmd' in cmd ? [{ table: tableName(relation), relation, cmd: cmd.AlterTableCmd }] : [],
  );
}

export function columnDef(node: Node | undefined): ColumnDef | undefined {
  return node && 'ColumnDef' in node ? node.ColumnDef : undefined;
}

export function constraintOf(node: Node | undefined): Constraint | undefined {
  return node && 'Constraint' in node ? node.Constraint : undefined;
}

export function constraints(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).map(constraintOf).filter((c): c is Constraint => c !== undefined);
}

/** Calls `visit` for every object in a syntax tree, depth first, with the key it sits under. */
export function walk(node: unknown, visit: (key: string, value: Record<string, unknown>) => void, key = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit, key);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    visit(key, record);
    for (const [childKey, child] of Object.entries(record)) walk(child, visit, childKey);
  }
}

/** Names of the functions an expression calls (lower-case, without schema). */
export function calledFunctions(expression: Node | undefined): string[] {
  const names: string[] = [];
  walk(expression, (key, value) => {
    if (key !== 'FuncCall') return;
    const parts = ((value.funcname as Node[] | undefined) ?? []).map(stringValue);
    const last = parts[parts.length - 1];
    if (last) names.push(last.toLowerCase());
  });
  return names;
}

/** The smallest `location` found inside a node, for pointing at a sub-command; undefined when none. */
export function locationOf(node: unknown): number | undefined {
  let best: number | undefined;
  walk(node, (_key, value) => {
    const location = value.location;
    if (typeof location === 'number' && location >= 0 && (best === undefined || location < best)) best = location;
  });
  return best;
}
