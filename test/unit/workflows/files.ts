// The workflow files of the repository: the reusable pack and the project's CI in .github/workflows/,
// the starters users copy in examples/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WORKFLOW_DIRS = ['.github/workflows', 'examples'];

export interface WorkflowFile {
  file: string;
  text: string;
}

export function workflowFiles(): WorkflowFile[] {
  return WORKFLOW_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((name) => /\.ya?ml$/.test(name))
      .sort()
      .map((name) => {
        const file = `${dir}/${name}`;
        return { file, text: readFileSync(path.join(ROOT, file), 'utf8') };
      }),
  );
}
