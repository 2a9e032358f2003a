// The flagd router's own logic on real files: what it refuses to touch, what it keeps, and how it reads
// back. test/integration/traffic/flagd.test.ts has OpenFeature's flagd evaluator read what it wrote.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagdRouter, type FlagdSpec } from '../../../src/traffic/flags/flagd.js';
import { parseSpec } from '../../../src/config/load.js';

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'rollgate-flagd-unit-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

const context = { stage: 0, stageName: '5%', environment: 'production', rollback: false };
const spec = (file: string, extra: Partial<FlagdSpec> = {}): FlagdSpec => ({
  provider: 'flagd',
  file,
  flag: 'new-checkout',
  variation: 'on',
  stable: 'off',
  removeAfter: '30d',
  ...extra,
});
const flags = (flag: Record<string, unknown>) =>
  JSON.stringify({ flags: { 'new-checkout': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...flag } } });

describe('flagd router', () => {
  it('reads the share back from the file: a disabled flag is 0 %, no targeting is the default variant', async () => {
    const file = join(dir, 'read.json');
    const router = createFlagdRouter(spec(file));
    await writeFile(file, flags({ state: 'DISABLED', defaultVariant: 'on' }));
    expect(await router.getWeight()).toBe(0);
    await writeFile(file, flags({ defaultVariant: 'on' }));
    expect(await router.getWeight()).toBe(100);
    await writeFile(
      file,
      flags({
        targeting: {
          fractional: [
            ['on', 1],
            ['off', 3],
          ],
        },
      }),
    );
    expect(await router.getWeight()).toBe(25);
    expect(await router.verify(25)).toBe(false); // not the split rollgate writes for 25 %
    await router.setWeight(25, context);
    expect(await router.verify(25)).toBe(true);
  });

  it('refuses targeting it did not write, a missing variant or flag, and a weight outside 0..100, before writing', async () => {
    const file = join(dir, 'refuse.json');
    const router = createFlagdRouter(spec(file));
    const foreign = flags({ targeting: { if: [{ in: ['@example.com', { var: 'email' }] }, 'on', 'off'] } });
    await writeFile(file, foreign);
    await expect(router.setWeight(5, context)).rejects.toThrow(/targeting rollgate did not write/);
    await expect(router.getWeight()).rejects.toThrow(/targeting rollgate did not write/);
    expect(await readFile(file, 'utf8')).toBe(foreign);

    await writeFile(file, flags({ variants: { on: true, disabled: false } }));
    await expect(router.setWeight(5, context)).rejects.toThrow(
      'flagd flag "new-checkout" (' + file + ') has no variant "off" (variants: on, disabled)',
    );
    await expect(createFlagdRouter(spec(file, { flag: 'missing' })).getWeight()).rejects.toThrow(`${file} has no flag "missing"`);
    await expect(router.setWeight(101, context)).rejects.toThrow('canary weight must be a whole number 0..100 (got 101)');
    await expect(createFlagdRouter(spec(join(dir, 'absent.json'))).getWeight()).rejects.toThrow(/cannot read the flagd flag file/);
  });

  it('switches the flag on when users first get the variation, and keeps a YAML file and its comments', async () => {
    const file = join(dir, 'flags.yaml');
    await writeFile(
      file,
      [
        '# owned by the checkout team',
        'flags:',
        '  new-checkout:',
        '    state: DISABLED # off until the rollout',
        '    variants: { on: true, off: false }',
        '    defaultVariant: "off"',
        '  other: { state: ENABLED, variants: { x: 1 }, defaultVariant: x }',
        '',
      ].join('\n'),
    );
    const router = createFlagdRouter(spec(file));
    await router.setWeight(0, context);
    expect(await readFile(file, 'utf8')).toContain('state: DISABLED');
    await router.setWeight(5, context);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# owned by the checkout team');
    expect(text).toContain('state: ENABLED');
    expect(text).toMatch(/other: \{ state: ENABLED, variants: \{ x: 1 \}, defaultVariant: x \}/);
    expect(await router.getWeight()).toBe(5);
    expect(await router.verify(5)).toBe(true);
  });

  it('a spec with a hostile flag key or variant is refused with its place', () => {
    const result = parseSpec(
      'version: 1\ntraffic:\n  provider: flagd\n  file: flags.json\n  flag: "a\\"}) or 1"\nstages: [{ weight: 100 }]\n',
      'rollout.yml',
    );
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual(['5:9 traffic.flag']);
  });
});
