// `rollgate lint-migrations` end to end through the CLI dispatcher, on files in a temp directory.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

let dir: string;

async function cli(...args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(['lint-migrations', ...args], { stdout, stderr, env: {}, cwd: dir, signal: new AbortController().signal });
  return { code, out, err };
}

function write(path: string, text: string) {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rollgate-lint-'));
  write('db/migrations/001_create.sql', 'CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);\n');
  write('node_modules/pkg/migrations/x.sql', 'DROP TABLE users;\n');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('rollgate lint-migrations', () => {
  it('exits 0 with no spec file (defaults) and clean migrations; node_modules is not searched', async () => {
    const { code, out } = await cli();
    expect(code).toBe(0);
    expect(out).toContain('1 migration file checked (PostgreSQL 15): 0 error(s)');
  });

  it('exits 1 when an error finding remains and prints file:line:col rule message', async () => {
    write('db/migrations/002_drop.sql', "SET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN name;\n");
    const { code, out } = await cli();
    expect(code).toBe(1);
    expect(out).toContain('db/migrations/002_drop.sql:2:1 error drop-column: drops column users.name');
  });

  it('reads migrations: from the default spec, and --config FILE', async () => {
    write('db/migrations/002_drop.sql', "SET lock_timeout = '1s';\nALTER TABLE users DROP COLUMN name;\n");
    write('.github/rollout.yml', 'version: 1\nmigrations:\n  rules: { drop-column: warning }\n');
    expect((await cli()).code).toBe(0);
    write('other.yml', 'migrations:\n  paths: ["elsewhere/**/*.sql"]\n');
    const { code, out } = await cli('--config', 'other.yml');
    expect(code).toBe(0);
    expect(out).toContain('0 migration files checked');
  });

  it('takes absolute paths: inside the directory as the relative file (with the catalog of the earlier files), outside as given', async () => {
    write('db/migrations/002_type.sql', "SET lock_timeout = '1s';\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);\n");
    const inside = await cli(join(dir, 'db/migrations/002_type.sql'));
    expect(inside.err).toBe('');
    // text → varchar(20) is known to rewrite only because 001 (not named) said name is text.
    expect(inside.out).toContain('db/migrations/002_type.sql:2:');
    expect(inside.out).toContain('from text to varchar(20)');
    expect(inside.out).not.toContain(dir);
    const outside = mkdtempSync(join(tmpdir(), 'rollgate-lint-out-'));
    try {
      writeFileSync(join(outside, 'x.sql'), "SET lock_timeout = '1s';\nDROP TABLE users;\n");
      const { code, out } = await cli(join(outside, 'x.sql'));
      expect(code).toBe(1);
      expect(out).toContain(`${join(outside, 'x.sql')}:2:1 error drop-table`);
      expect((await cli(outside, '--format', 'json')).out).toContain('drop-table');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('lints the paths given, files or directories', async () => {
    write('sql/a.sql', "SET lock_timeout = '1s';\nTRUNCATE users CASCADE;\n");
    const { code, out } = await cli('sql', '--format', 'json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual([
      { file: 'sql/a.sql', line: 2, column: 10, rule: 'truncate-cascade', severity: 'error', message: expect.stringContaining('CASCADE') },
    ]);
  });

  it('writes any format to --output', async () => {
    write('db/migrations/002_bad.sql', 'ALTER TABLE users ADD COLUMNN x int;\n');
    const { code, out } = await cli('--format', 'sarif', '--output', 'out.sarif');
    expect(code).toBe(1);
    expect(out).toBe('');
    const sarif = JSON.parse(readFileSync(join(dir, 'out.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.ruleId)).toEqual(['syntax-error']);
  });

  it('--postgres-version changes what rewrites', async () => {
    write('db/migrations/002_add.sql', "SET lock_timeout = '1s';\nALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;\n");
    expect((await cli()).code).toBe(0);
    expect((await cli('--postgres-version', '10')).code).toBe(1);
  });

  it('exits 2 on bad input', async () => {
    expect((await cli('--format', 'xml')).code).toBe(2);
    expect((await cli('--base', 'main')).code).toBe(2);
    expect((await cli('--config', 'missing.yml')).code).toBe(2);
    expect((await cli('--postgres-version', 'eleven')).code).toBe(2);
    expect((await cli('no/such.sql')).code).toBe(2);
    const notGit = await cli('--base', 'a', '--head', 'b');
    expect(notGit.code).toBe(2);
    write('bad.yml', 'migrations:\n  postgresVersion: 99\n');
    const bad = await cli('--config', 'bad.yml');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^bad\.yml:2:20 migrations\.postgresVersion: /);
  });
});
