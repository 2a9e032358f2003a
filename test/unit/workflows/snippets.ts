// The ```yaml blocks of README.md and docs/*.md that are workflows (a top-level `jobs:`), with the
// line each starts at, so a finding names the place in the page.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './files.js';

export interface Snippet {
  /** e.g. docs/workflows.md:42 (the first line of the YAML). */
  file: string;
  text: string;
}

export function markdownPages(): string[] {
  return [
    'README.md',
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
}

export function yamlBlocks(page: string, markdown: string): Snippet[] {
  const blocks: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    blocks.push({ file: `${page}:${start + 1}`, text: lines.slice(start, end).join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

/** A workflow has a top-level `jobs:`; other blocks (spec excerpts, steps, manifests) are not workflows. */
const isWorkflow = (text: string) => /^jobs:/m.test(text);

export function workflowSnippets(): Snippet[] {
  return markdownPages().flatMap((page) => yamlBlocks(page, readFileSync(path.join(ROOT, page), 'utf8')).filter((b) => isWorkflow(b.text)));
}
