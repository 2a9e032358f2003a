// Rewrites the input and output tables of docs/action.md from action.yml, the one place they are
// declared (a test fails when the page is stale). Run: npx tsx scripts/action-docs.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';

interface ActionYml {
  inputs?: Record<string, { description?: string; default?: unknown; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
}

/** A Markdown table cell: one line, pipes escaped. */
const cell = (text: string) =>
  text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

export function renderInputs(action: ActionYml): string {
  const rows = Object.entries(action.inputs ?? {}).map(([name, input]) => {
    const fallback = input.default === undefined || input.default === '' ? '—' : `\`${String(input.default)}\``;
    return `| \`${name}\` | ${fallback} | ${cell(input.description ?? '')} |`;
  });
  return ['| input | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function renderOutputs(action: ActionYml): string {
  const rows = Object.entries(action.outputs ?? {}).map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`);
  return ['| output | value |', '|---|---|', ...rows].join('\n');
}

/** `page` with each `<!-- generated:action-NAME … -->` … `<!-- /generated:action-NAME -->` block rendered from `actionYml`. */
export function regenerateActionDocs(page: string, actionYml: string): string {
  const action = parse(actionYml) as ActionYml;
  const blocks: Record<string, string> = { 'action-inputs': renderInputs(action), 'action-outputs': renderOutputs(action) };
  let text = page;
  for (const [name, table] of Object.entries(blocks)) {
    const start = `<!-- generated:${name} (npx tsx scripts/action-docs.ts) -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/action.md has no ${start} … ${end} block`);
    text = `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`;
  }
  return text;
}

export const ROOT = join(import.meta.dirname, '..');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = join(ROOT, 'docs', 'action.md');
  writeFileSync(file, regenerateActionDocs(readFileSync(file, 'utf8'), readFileSync(join(ROOT, 'action.yml'), 'utf8')));
  console.log('wrote the tables of docs/action.md');
}
