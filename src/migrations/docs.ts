// The parts of docs/migrations.md generated from the rules: the rule table, the lock table, the recipes.
// Regenerate with `npx tsx scripts/migrations-docs.ts`; test/unit/migrations/docs.test.ts fails when stale.
import { INVALID_IGNORE, RULES, SYNTAX_ERROR } from './rules/index.js';
import { LOCK_BLOCKS, type Category, type LockClaim } from './rules/rule.js';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const HOLDS: Record<LockClaim['holds'], string> = {
  scan: 'for the whole scan of the table',
  rewrite: 'while the table is copied',
  build: 'for the whole index build',
  refresh: "while the view's query runs",
  brief: 'briefly, but queued behind running queries, with every later query queued behind it',
  commit: 'until the migration commits',
};

export function renderRuleTable(): string {
  const rows = RULES.map(
    (rule) =>
      `| \`${rule.name}\` | ${rule.category} | ${rule.severity} | ${cell(rule.summary)} | ${rule.squawk.map((s) => `\`${s}\``).join(', ') || '—'} |`,
  );
  return [
    '| rule | kind | default | flags | squawk equivalent |',
    '|---|---|---|---|---|',
    ...rows,
    `| \`${SYNTAX_ERROR}\` | parse | error | The file does not parse as PostgreSQL (no other rule ran on it). | — |`,
    `| \`${INVALID_IGNORE}\` | hygiene | warning | A \`rollgate-ignore\` naming no known rule or giving no reason. | — |`,
  ].join('\n');
}

export function renderLockTable(): string {
  const rows = RULES.flatMap((rule) =>
    (rule.locks ?? []).map(
      (claim) =>
        `| ${cell(claim.statement)} | ${claim.lock}${claim.on ? ` on ${cell(claim.on)}` : ''} | ${LOCK_BLOCKS[claim.lock]}, ${HOLDS[claim.holds]} | ${cell(claim.safe)} | \`${rule.name}\` |`,
    ),
  );
  return ['| statement | lock | blocks | safe recipe | rule |', '|---|---|---|---|---|', ...rows].join('\n');
}

const SECTIONS: [Category, string][] = [
  ['breaking', 'Breaking the old version'],
  ['rewrite', 'Table rewrites'],
  ['lock', 'Long locks'],
  ['operations', 'Operations'],
  ['hygiene', 'Hygiene'],
];

/** Each rule's summary and recipe, numbered steps kept, other lines as bullets. */
export function renderRecipes(): string {
  return SECTIONS.map(([category, title]) =>
    [
      `### ${title}`,
      ...RULES.filter((rule) => rule.category === category).map((rule) =>
        [
          `#### ${rule.name}`,
          `${rule.summary} Default: ${rule.severity}.`,
          rule.recipe
            .split('\n')
            .map((line) => (/^\d+\./.test(line) ? line : `- ${line}`))
            .join('\n'),
        ].join('\n\n'),
      ),
    ].join('\n\n'),
  ).join('\n\n');
}

/** The generated blocks, by the marker name that fences each in the docs. */
export const GENERATED_BLOCKS: Record<string, () => string> = { rules: renderRuleTable, locks: renderLockTable, recipes: renderRecipes };

/** `text` with every `<!-- generated:NAME -->` … `<!-- /generated:NAME -->` block replaced by its current content. */
export function regenerate(text: string): string {
  let out = text;
  for (const [name, render] of Object.entries(GENERATED_BLOCKS)) {
    const start = `<!-- generated:${name} (npx tsx scripts/migrations-docs.ts) -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/migrations.md: the ${start} … ${end} block is missing`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}
