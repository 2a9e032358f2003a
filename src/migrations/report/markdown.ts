// The "Migration safety" section of the Rollgate PR comment (or its own sticky comment).
import type { MigrationReport } from '../run.js';

const ICON = { error: '🛑', warning: '⚠️', notice: 'ℹ️' } as const;

/** A Markdown section; `heading` sets its level (default `###`). */
export function renderMigrationsMarkdown(report: MigrationReport, options: { heading?: string } = {}): string {
  const h = options.heading ?? '###';
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  const verdict = errors
    ? `🛑 **${errors} blocking finding${errors > 1 ? 's' : ''}**`
    : warnings
      ? `⚠️ no blocking finding, ${warnings} warning${warnings > 1 ? 's' : ''}`
      : '✅ no finding';
  const out: string[] = [
    `${h} Migration safety`,
    '',
    `${verdict} in ${report.files.length} migration file${report.files.length === 1 ? '' : 's'} (PostgreSQL ${report.postgresVersion})${report.refs ? `, ${report.refs.mergeBase.slice(0, 7)}…${report.refs.head.slice(0, 7)}` : ''}.`,
    '',
  ];

  if (report.files.length) {
    out.push('| file | expand | migrate | contract |', '|---|---:|---:|---:|');
    for (const file of report.files)
      out.push(`| \`${cell(file.file)}\` | ${file.phases.expand} | ${file.phases.migrate} | ${file.phases.contract} |`);
    out.push('');
  }
  if (report.findings.length) {
    out.push('| | where | rule | finding |', '|---|---|---|---|');
    for (const f of report.findings)
      out.push(`| ${ICON[f.severity]} | \`${cell(f.file)}:${f.line}:${f.column}\` | \`${f.rule}\` | ${cell(f.message)} |`);
    out.push('');
    const recipes = new Map(report.findings.filter((f) => f.severity !== 'notice').map((f) => [f.rule, f.recipe]));
    if (recipes.size) {
      out.push('<details><summary>Safe ways (expand → migrate → contract)</summary>', '');
      for (const [rule, recipe] of recipes)
        out.push(`**\`${rule}\`**`, '', ...recipe.split('\n').map((step) => `- ${step.replace(/^\d+\.\s*/, '')}`), '');
      out.push('</details>', '');
    }
  }
  if (report.ignored.length) {
    out.push('Ignored inline:', '');
    for (const i of report.ignored) out.push(`- \`${cell(i.file)}:${i.line}\` \`${i.rule}\`: ${cell(i.reason)}`);
    out.push('');
  }
  return out.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
