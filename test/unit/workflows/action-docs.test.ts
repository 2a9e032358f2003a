// docs/action.md's input and output tables are generated from action.yml; the action reads exactly
// the inputs action.yml declares and sets only the outputs it declares.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { regenerateActionDocs, ROOT } from '../../../scripts/action-docs.js';

const actionYml = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const page = readFileSync(join(ROOT, 'docs/action.md'), 'utf8');
const action = parse(actionYml) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
const actionSources = readdirSync(join(ROOT, 'src/action'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(join(ROOT, 'src/action', f), 'utf8'))
  .join('\n');

describe('docs/action.md', () => {
  it('holds the tables of the current action.yml (run `npx tsx scripts/action-docs.ts` after changing it)', () => {
    expect(page).toBe(regenerateActionDocs(page, actionYml));
  });

  it('lists every input and output, base, head and findings among them', () => {
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) expect(page).toContain(`| \`${name}\` |`);
    for (const name of ['base', 'head', 'findings']) expect(page).toContain(`| \`${name}\` |`);
  });

  it('goes stale when action.yml gains an input', () => {
    const grown = actionYml.replace('\noutputs:', '\n  dry-run:\n    description: Plan only.\n    required: false\noutputs:');
    expect(regenerateActionDocs(page, grown)).toContain('| `dry-run` | — | Plan only. |');
    expect(regenerateActionDocs(page, grown)).not.toBe(page);
  });
});

describe('the action reads what action.yml declares', () => {
  const read = [...actionSources.matchAll(/core\.getInput\('([\w-]+)'/g)].map((m) => m[1]);
  const set = [...actionSources.matchAll(/core\.setOutput\('([\w-]+)'/g)].map((m) => m[1]);

  it('every input it reads is declared, and every declared input is read', () => {
    expect([...new Set(read)].sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('every output it sets is declared', () => {
    for (const name of set) expect(Object.keys(action.outputs)).toContain(name);
  });
});
