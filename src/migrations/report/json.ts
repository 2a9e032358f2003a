// `--format json`: an array of {file, line, column, rule, severity, message}.
import type { MigrationReport } from '../run.js';

export function renderJson(report: MigrationReport): string {
  const rows = report.findings.map(({ file, line, column, rule, severity, message }) => ({ file, line, column, rule, severity, message }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
