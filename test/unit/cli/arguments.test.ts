// Issue #16: the CLI takes the spec as a positional FILE (run, plan), absolute paths everywhere, and
// refuses an --environment that would name a file outside .rollgate/ before anything runs.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

const dir = mkdtempSync(join(tmpdir(), 'rollgate-cli-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'rollgate-cli-elsewhere-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

const SPEC = `version: 1
environment: staging
traffic:
  provider: command
  command: "true"
stages:
  - weight: 50
  - weight: 100
`;
writeFileSync(join(dir, 'rollout.yml'), SPEC);
writeFileSync(join(elsewhere, 'abs.yml'), SPEC);

async function cli(...argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { stdout, stderr, env: {}, cwd: dir, signal: new AbortController().signal });
  return { code, out, err };
}

describe('the spec as a positional FILE', () => {
  it.each([
    ['plan FILE', ['plan', 'rollout.yml']],
    ['plan /absolute/FILE', ['plan', join(elsewhere, 'abs.yml')]],
    ['plan --config FILE', ['plan', '--config', 'rollout.yml']],
  ])('%s', async (_name, argv) => {
    const { code, out, err } = await cli(...argv);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('canary rollout of canary to staging');
  });

  it('run FILE drives the rollout from the named file (state in .rollgate/<environment>.json)', async () => {
    const { code, err } = await cli('run', join(elsewhere, 'abs.yml'), '--yes');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(existsSync(join(dir, '.rollgate', 'staging.json'))).toBe(true);
  });

  it('refuses --config together with a FILE, and two FILEs (exit 2)', async () => {
    expect((await cli('plan', '--config', 'rollout.yml', 'rollout.yml')).err).toMatch(/not both/);
    expect((await cli('run', 'a.yml', 'b.yml')).code).toBe(2);
  });
});

describe('--environment names a file in .rollgate/', () => {
  it.each(['../../escaped/evil', '..', 'a/b', '.hidden', 'x\ny'])('refuses %j with exit 2 and writes nothing', async (name) => {
    const { code, err } = await cli('run', 'rollout.yml', '--environment', name, '--yes');
    expect(code).toBe(2);
    expect(err).toMatch(/--environment: environment names are letters/);
    expect((await cli('status', '--environment', name)).code).toBe(2);
    expect(existsSync(join(dir, '..', 'escaped'))).toBe(false);
  });
});

describe('lint-migrations takes absolute paths', () => {
  it('reads /absolute/path.sql inside and outside the working directory', async () => {
    mkdirSync(join(dir, 'db'), { recursive: true });
    writeFileSync(join(dir, 'db', '001.sql'), 'CREATE TABLE t (id int);\n');
    writeFileSync(join(elsewhere, '002.sql'), 'CREATE TABLE u (id int);\n');
    const inside = await cli('lint-migrations', join(dir, 'db', '001.sql'));
    expect(inside.err).toBe('');
    expect(inside.code).toBe(0);
    expect(inside.out).toContain('1 migration file checked');
    const outside = await cli('lint-migrations', join(elsewhere, '002.sql'));
    expect(outside.err).toBe('');
    expect(outside.code).toBe(0);
  });
});
