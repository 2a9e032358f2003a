// Plain text for a terminal: one `file:line:col severity rule: message` line per finding, the recipe under it.
import type { MigrationReport } from '../run.js';

export function renderTerminal(report: MigrationReport, options: { recipes?: boolean } = {}): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(`${f.file}:${f.line}:${f.column} ${f.severity} ${f.rule}: ${f.message}`);
    if (options.recipes !== false && f.severity !== 'notice') lines.push(...f.recipe.split('\n').map((step) => `    ${step}`));
  }
  for (const i of report.ignored) lines.push(`${i.file}:${i.line} ignored ${i.rule}: ${i.reason}`);
  const count = (severity: string) => report.findings.filter((f) => f.severity === severity).length;
  const files = report.files.length;
  lines.push(
    `${files} migration file${files === 1 ? '' : 's'} checked (PostgreSQL ${report.postgresVersion}): ${count('error')} error(s), ${count('warning')} warning(s), ${count('notice')} notice(s)`,
  );
  return `${lines.join('\n')}\n`;
}
