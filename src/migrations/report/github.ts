// GitHub workflow commands: `::error file=…,line=…,col=…,title=…::message`, shown on the PR's diff.
import type { Severity } from '../finding.js';
import type { MigrationReport } from '../run.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', notice: 'notice' };

// https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts: data escapes %, CR, LF;
// properties also escape ":" and ",".
const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function renderGithub(report: MigrationReport): string {
  return report.findings
    .map((f) => {
      const props = [
        `file=${escapeProperty(f.file)}`,
        `line=${f.line}`,
        `col=${f.column}`,
        `title=${escapeProperty(`rollgate ${f.rule}`)}`,
      ].join(',');
      return `::${COMMAND[f.severity]} ${props}::${escapeData(`${f.message}\n\nSafe way:\n${f.recipe}`)}\n`;
    })
    .join('');
}
