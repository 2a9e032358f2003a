// Every workflow of the repository, and every workflow snippet of README.md and docs/, passes
// GitHub's own parser; snippets that call Rollgate's reusable workflows pass the call checks
// (inputs, secrets, and the permissions the called jobs ask, which GitHub enforces at start).
import { describe, expect, it } from 'vitest';
import { parseWithGitHub } from './github-parser.js';
import { ROOT, workflowFiles } from './files.js';
import { checkCalls } from './invariants.js';
import { workflowSnippets } from './snippets.js';

const files = workflowFiles().map((f) => ({ name: f.file, content: f.text }));
const snippets = workflowSnippets().map((s) => ({ name: s.file, content: s.text }));
const all = [...files, ...snippets];
const errors = parseWithGitHub(all);
const errorsOf = (name: string) => errors[all.findIndex((w) => w.name === name)];

describe("GitHub's workflow parser", () => {
  it('reads the pack, the starters and the snippets of the docs', () => {
    expect(files.map((f) => f.name)).toContain('.github/workflows/rollgate-canary.yml');
    expect(files.map((f) => f.name)).toContain('examples/release-canary.yml');
    expect(snippets.map((s) => s.name.replace(/:\d+$/, ''))).toEqual(
      expect.arrayContaining(['README.md', 'docs/action.md', 'docs/workflows.md', 'docs/migrations.md']),
    );
  });

  it.each(all.map((w) => [w.name]))('%s parses', (name) => {
    expect(errorsOf(name)).toEqual([]);
  });

  it('reports what GitHub refuses (negative fixtures)', () => {
    const [noTrigger, badLevel, cycle] = parseWithGitHub([
      { name: 'a.yml', content: 'jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n' },
      {
        name: 'b.yml',
        content:
          'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: admin\n    steps:\n      - run: echo\n',
      },
      {
        name: 'c.yml',
        content:
          'on: push\njobs:\n  a:\n    needs: b\n    runs-on: x\n    steps: [{ run: echo }]\n  b:\n    needs: a\n    runs-on: x\n    steps: [{ run: echo }]\n',
      },
    ]);
    expect(noTrigger).toEqual([expect.stringContaining('Required property is missing: on')]);
    expect(badLevel).toEqual([expect.stringContaining("Unexpected value 'admin'")]);
    expect(cycle!.join('\n')).toMatch(/job/i);
  });
});

describe('the snippets that call the pack', () => {
  it.each(snippets.map((s) => [s.name, s.content]))(
    '%s grants what the called jobs ask, passes declared inputs and secrets',
    (name, text) => {
      expect(checkCalls(ROOT, name, text)).toEqual([]);
    },
  );
});
