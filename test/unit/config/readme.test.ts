import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSpec } from '../../../src/config/load.js';
import { compilePlan } from '../../../src/config/compile.js';
import { timeline } from '../../../src/engine/plan.js';
import { specJsonSchemaText } from '../../../src/config/json-schema.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
/** Every ```yaml block of the README that is a whole spec (starts a document with version: 1). */
const specs = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((text) => /^version: 1$/m.test(text));

describe('the README', () => {
  it('shows a spec for each strategy', () => {
    const strategies = specs.map((text) => /^strategy: (\S+)/m.exec(text)?.[1]);
    expect(strategies).toEqual(['canary', 'blue-green', 'rolling']);
  });

  it.each(specs.map((text, i) => [i, text] as const))('spec %i validates', (_i, text) => {
    const result = parseSpec(text, 'README.md');
    expect(result.errors).toEqual([]);
  });

  it('prints the timeline `rollgate plan` gives for its first spec', () => {
    const result = parseSpec(specs[0]!);
    if (!result.ok) throw new Error('invalid');
    const { rows, totalMs } = timeline(compilePlan(result.spec));
    expect(rows.map((r) => r.weight)).toEqual([1, 5, 25, 50, 100]);
    expect(totalMs).toBe(90 * 60_000);
    expect(readme).toContain('total: 1h30m plus 1 approval');
  });
});

describe('schema/rollgate.schema.json', () => {
  it('is what the zod schema generates (run `npm run schema` after changing it)', async () => {
    const committed = readFileSync(new URL('../../../schema/rollgate.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(await specJsonSchemaText());
  });
});
