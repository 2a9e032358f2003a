// Inline ignores: `-- rollgate-ignore rule[, rule]: reason` silences those rules on the statement the
// comment sits on (trailing) or precedes. The reason is required: it is what a reviewer reads.
import type { Comment, Statement } from './parse.js';
import type { SourceText } from './source.js';

export interface InlineIgnore {
  /** Index of the statement it applies to; undefined when no statement follows. */
  statement: number | undefined;
  rules: string[];
  reason: string;
}

export interface IgnoreProblem {
  at: number;
  message: string;
}

const DIRECTIVE = /rollgate-ignore\b(.*)$/s;

export function readIgnores(
  comments: readonly Comment[],
  statements: readonly Statement[],
  source: SourceText,
  knownRules: ReadonlySet<string>,
): { ignores: InlineIgnore[]; problems: IgnoreProblem[] } {
  const ignores: InlineIgnore[] = [];
  const problems: IgnoreProblem[] = [];
  for (const comment of comments) {
    const body = comment.text.replace(/^--|^\/\*|\*\/$/g, '').trim();
    const match = DIRECTIVE.exec(body);
    if (!match) continue;
    const [list = '', ...rest] = match[1]!.split(':');
    const rules = list
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    const reason = rest.join(':').trim();
    if (!rules.length) {
      problems.push({ at: comment.start, message: 'rollgate-ignore names no rule; write `-- rollgate-ignore <rule>: <reason>`' });
      continue;
    }
    const unknown = rules.filter((r) => !knownRules.has(r));
    if (unknown.length) {
      problems.push({
        at: comment.start,
        message: `rollgate-ignore names unknown rule${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      });
      continue;
    }
    if (!reason) {
      problems.push({
        at: comment.start,
        message: `rollgate-ignore ${rules.join(', ')} has no reason; write \`-- rollgate-ignore ${rules.join(', ')}: <why this is safe here>\``,
      });
      continue;
    }
    ignores.push({ statement: targetStatement(comment, statements, source), rules, reason });
  }
  return { ignores, problems };
}

/** A comment inside a statement, or after it on its last line, belongs to it; otherwise to the next statement. */
function targetStatement(comment: Comment, statements: readonly Statement[], source: SourceText): number | undefined {
  const inside = statements.find((s) => s.start < comment.start && comment.start < s.end);
  if (inside) return inside.index;
  const line = source.positionOfByte(comment.start).line;
  const trailing = statements.findLast((s) => s.end <= comment.start && source.positionOfByte(Math.max(s.start, s.end - 1)).line === line);
  if (trailing) return trailing.index;
  return statements.find((s) => s.start >= comment.end)?.index;
}
