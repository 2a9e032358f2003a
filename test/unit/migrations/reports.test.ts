// Every report format renders the same findings in its own contract.
import { describe, expect, it } from 'vitest';
import { renderGithub } from '../../../src/migrations/report/github.js';
import { renderJson } from '../../../src/migrations/report/json.js';
import { renderMigrationsMarkdown } from '../../../src/migrations/report/markdown.js';
import { renderSarif } from '../../../src/migrations/report/sarif.js';
import { renderTerminal } from '../../../src/migrations/report/terminal.js';
import type { MigrationReport } from '../../../src/migrations/run.js';

const report: MigrationReport = {
  findings: [
    {
      file: 'db/migrations/001_users.sql',
      line: 3,
      column: 1,
      rule: 'drop-column',
      severity: 'error',
      message: 'drops column users.name: old code breaks',
      recipe: '1. stop using it\n2. drop later',
    },
    {
      file: 'db/migrations/001_users.sql',
      line: 5,
      column: 7,
      rule: 'json-column',
      severity: 'warning',
      message: 'users.doc is json, 100% | sure',
      recipe: 'Use jsonb.',
    },
    {
      file: 'db/migrations/002,odd:name.sql',
      line: 1,
      column: 1,
      rule: 'drop-table',
      severity: 'notice',
      message: 'drops table t — expand/contract: safe to contract',
      recipe: 'later',
    },
  ],
  files: [
    { file: 'db/migrations/001_users.sql', phases: { expand: 1, migrate: 0, contract: 1, other: 1 } },
    { file: 'db/migrations/002,odd:name.sql', phases: { expand: 0, migrate: 0, contract: 1, other: 0 } },
  ],
  ignored: [{ file: 'db/migrations/001_users.sql', rule: 'drop-table', line: 9, reason: 'emptied in v3' }],
  postgresVersion: 15,
};

describe('migration reports', () => {
  it('terminal: file:line:col severity rule: message, the recipe indented, a summary', () => {
    const text = renderTerminal(report);
    expect(text).toContain(
      'db/migrations/001_users.sql:3:1 error drop-column: drops column users.name: old code breaks\n    1. stop using it\n    2. drop later\n',
    );
    expect(text).toContain('db/migrations/001_users.sql:9 ignored drop-table: emptied in v3');
    expect(text.trimEnd().split('\n').pop()).toBe('2 migration files checked (PostgreSQL 15): 1 error(s), 1 warning(s), 1 notice(s)');
  });

  it('json: an array of {file, line, column, rule, severity, message}', () => {
    const rows = JSON.parse(renderJson(report)) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual({
      file: 'db/migrations/001_users.sql',
      line: 3,
      column: 1,
      rule: 'drop-column',
      severity: 'error',
      message: 'drops column users.name: old code breaks',
    });
    for (const row of rows) expect(Object.keys(row)).toEqual(['file', 'line', 'column', 'rule', 'severity', 'message']);
  });

  it('sarif: a 2.1.0 log whose results point at known rules and regions', () => {
    const sarif = JSON.parse(renderSarif(report)) as {
      version: string;
      $schema: string;
      runs: {
        tool: {
          driver: { name: string; rules: { id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }[] };
        };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          message: { text: string };
          locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
        }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-2\.1\.0/);
    const [run] = sarif.runs;
    expect(run!.tool.driver.name).toBe('Rollgate');
    const ids = run!.tool.driver.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(run!.results.map((r) => r.level)).toEqual(['error', 'warning', 'note']);
    for (const result of run!.results) {
      expect(run!.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(result.message.text.length).toBeGreaterThan(0);
    }
    expect(run!.results[1]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'db/migrations/001_users.sql', uriBaseId: '%SRCROOT%' },
      region: { startLine: 5, startColumn: 7 },
    });
  });

  it('github: one workflow command per finding, with properties and data escaped', () => {
    const lines = renderGithub(report).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '::error file=db/migrations/001_users.sql,line=3,col=1,title=rollgate drop-column::drops column users.name: old code breaks%0A%0ASafe way:%0A1. stop using it%0A2. drop later',
    );
    expect(lines[1]).toMatch(/^::warning .*::users\.doc is json, 100%25 \| sure/);
    expect(lines[2]).toMatch(/^::notice file=db\/migrations\/002%2Codd%3Aname\.sql,line=1,col=1,/);
  });

  it('markdown: a section with phases, findings, recipes and ignores', () => {
    const md = renderMigrationsMarkdown(report);
    expect(md.startsWith('### Migration safety\n')).toBe(true);
    expect(md).toContain('🛑 **1 blocking finding** in 2 migration files (PostgreSQL 15)');
    expect(md).toContain('| `db/migrations/001_users.sql` | 1 | 0 | 1 |');
    expect(md).toContain('| ⚠️ | `db/migrations/001_users.sql:5:7` | `json-column` | users.doc is json, 100% \\| sure |');
    expect(md).toContain('**`drop-column`**\n\n- stop using it\n- drop later');
    expect(md).not.toContain('**`drop-table`**');
    expect(md).toContain('- `db/migrations/001_users.sql:9` `drop-table`: emptied in v3');
    expect(renderMigrationsMarkdown({ ...report, findings: [], ignored: [] }, { heading: '##' })).toContain(
      '## Migration safety\n\n✅ no finding',
    );
  });
});
