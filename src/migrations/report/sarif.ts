// SARIF 2.1.0 for GitHub code scanning (upload with github/codeql-action/upload-sarif).
import type { Severity } from '../finding.js';
import { INVALID_IGNORE, RULES, SYNTAX_ERROR } from '../rules/index.js';
import type { MigrationReport } from '../run.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', notice: 'note' };
const DOCS = 'https://github.com/rollgate/rollgate/blob/main/docs/migrations.md';

export function renderSarif(report: MigrationReport): string {
  const rules = [
    ...RULES.map((r) => ({ id: r.name, summary: r.summary, recipe: r.recipe, level: LEVEL[r.severity], category: r.category })),
    { id: SYNTAX_ERROR, summary: 'The file does not parse as PostgreSQL.', recipe: 'Fix the SQL.', level: LEVEL.error, category: 'parse' },
    {
      id: INVALID_IGNORE,
      summary: 'A rollgate-ignore comment without a known rule or a reason.',
      recipe: 'Write `-- rollgate-ignore <rule>: <reason>`.',
      level: LEVEL.warning,
      category: 'hygiene',
    },
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Rollgate',
            informationUri: DOCS,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.summary },
              fullDescription: { text: r.summary },
              help: { text: r.recipe, markdown: r.recipe },
              helpUri: `${DOCS}#${r.id}`,
              defaultConfiguration: { level: r.level },
              properties: { tags: ['postgresql', 'migrations', r.category] },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? 0,
          level: LEVEL[f.severity],
          message: { text: `${f.message}\n\nSafe way:\n${f.recipe}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file, uriBaseId: '%SRCROOT%' },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
