// What the migration gate reports: one finding per problem, placed at file:line:column.
export type Severity = 'error' | 'warning' | 'notice';

export interface Finding {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  rule: string;
  severity: Severity;
  /** What is wrong and why it hurts a zero-downtime deploy. */
  message: string;
  /** The safe way to get the same change (expand → migrate → contract steps). */
  recipe: string;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule);
}
