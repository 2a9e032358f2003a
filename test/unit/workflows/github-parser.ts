// GitHub's own workflow parser (@actions/workflow-parser, the one behind the Actions VS Code
// extension), run in a tsx child process: the package imports its JSON schema without an import
// attribute, which Node refuses when vitest leaves node_modules to it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT } from './files.js';

export interface WorkflowText {
  name: string;
  content: string;
}

/** The parser's errors for each workflow ("name (Line: l, Col: c): message"), in order. */
export function parseWithGitHub(workflows: WorkflowText[]): string[][] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    cwd: ROOT,
    input: JSON.stringify(workflows),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out) as string[][];
}

async function main(): Promise<void> {
  const { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } = await import('@actions/workflow-parser');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const workflows = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WorkflowText[];
  const results: string[][] = [];
  for (const workflow of workflows) {
    const parsed = parseWorkflow(workflow, new NoOperationTraceWriter());
    // The conversion adds what the schema alone cannot see (job graph, cron, workflow_call shape).
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    const messages = [...parsed.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)];
    results.push([...new Set(messages)]);
  }
  process.stdout.write(JSON.stringify(results));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
