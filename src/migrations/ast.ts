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
  // libpg-query leaves a zero out of the tree: `timestamptz(0)` has an empty ival.
  const mods = (typeName?.typmods ?? [])
    .map((mod) => ('A_Const' in mod && mod.A_Const.ival ? (mod.A_Const.ival.ival ?? 0) : undefined))
    .filter((n): n is number => n !== undefined);
  return { name: TYPE_ALIASES[last] ?? last, mods, array: (typeName?.arrayBounds?.length ?? 0) > 0 };
}

export function formatType(type: ColumnType): string {
  return `${type.name}${type.mods.length ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;
}

export function stringValue(node: Node | undefined): string | undefined {
  return node && 'String' in node ? node.String.sval : undefined;
}

/** A dotted name from its parts (a domain's or a type's name), `public.` left out. */
export function dottedName(parts: Node[] | undefined): string {
  const names = (parts ?? []).map(stringValue).filter((n): n is string => n !== undefined);
  return names.length > 1 && names[0] === 'public' ? names.slice(1).join('.') : names.join('.');
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

/** Column names an expression refers to (the last part of each column reference). */
export function referencedColumns(expression: unknown): string[] {
  const names = new Set<string>();
  walk(expression, (key, value) => {
    if (key !== 'ColumnRef') return;
    const fields = (value.fields as Node[] | undefined) ?? [];
    const last = stringValue(fields[fields.length - 1]);
    if (last) names.add(last);
  });
  return [...names];
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

/**
 * A boolean option of a parenthesised list (`REINDEX (CONCURRENTLY false)`, `VACUUM (FULL 0)`), read as
 * PostgreSQL's defGetBoolean reads it: no value is true; 1 / 0; true / false / on / off in any case,
 * quoted or not. Anything else makes PostgreSQL refuse the statement: undefined. The last one named wins.
 */
export function booleanOption(options: Node[] | undefined, name: string): boolean | undefined {
  let value: boolean | undefined = false;
  for (const option of options ?? []) {
    if (!('DefElem' in option) || option.DefElem.defname !== name) continue;
    const arg = option.DefElem.arg;
    if (!arg) value = true;
    else if ('Integer' in arg) value = (arg.Integer.ival ?? 0) === 0 ? false : arg.Integer.ival === 1 ? true : undefined;
    else {
      const text = ('String' in arg ? arg.String.sval : 'Boolean' in arg ? String(arg.Boolean.boolval ?? false) : '')?.toLowerCase();
      value = text === 'true' || text === 'on' ? true : text === 'false' || text === 'off' ? false : undefined;
    }
  }
  return value;
}
