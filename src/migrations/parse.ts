// Parses a migration file with libpg-query (PostgreSQL's own parser, compiled to wasm).
import { hasSqlDetails, loadModule, parseSync, scanSync, type Node } from 'libpg-query';
import { SourceText } from './source.js';

export interface Statement {
  node: Node;
  /** Byte offsets of the statement in its file (the leading comments are not part of it). */
  start: number;
  end: number;
  /** 0-based index in the file. */
  index: number;
}

export interface Comment {
  start: number;
  end: number;
  text: string;
}

export type ParsedFile =
  | { ok: true; source: SourceText; statements: Statement[]; comments: Comment[] }
  | { ok: false; source: SourceText; error: { message: string; line: number; column: number } };

let loaded: Promise<void> | undefined;

/** Loads the parser's wasm once per process; every parse after it is synchronous. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** Parses SQL text. Call (and await) loadParser() first. */
export function parseMigration(text: string): ParsedFile {
  const source = new SourceText(text);
  // The parser rejects an empty input; an empty migration simply has no statement.
  if (!text.trim()) return { ok: true, source, statements: [], comments: [] };
  let stmts;
  try {
    stmts = parseSync(text).stmts ?? [];
  } catch (error) {
    const cursor = hasSqlDetails(error) ? error.sqlDetails?.cursorPosition : undefined;
    const at = cursor === undefined ? { line: 1, column: 1 } : source.positionOfChar(cursor);
    return { ok: false, source, error: { message: (error as Error).message, ...at } };
  }
  const statements: Statement[] = stmts.map((raw, index) => {
    const start = raw.stmt_location ?? 0;
    // The last statement of a file without a trailing semicolon has no length: it runs to the end.
    const end = raw.stmt_len ? start + raw.stmt_len : source.bytes.length;
    return { node: raw.stmt!, start, end, index };
  });
  const comments = scanSync(text)
    .tokens.filter((token) => token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT')
    .map((token) => ({ start: token.start, end: token.end, text: source.slice(token.start, token.end) }));
  return { ok: true, source, statements, comments };
}
