// Values pasted into query templates ({{canary}}, {{environment}}, ...), escaped for the language and
// the spot they land in: inside a quoted string a value is escaped for that quote; outside any string
// only a plain word (letters, digits, _ . : -) may stand, anything else is refused. So no value, however
// hostile, can close a string, add a matcher or comment out the rest of a query.

/** The languages of gate templates. `datadog` tag values and `url` parts have no quoting: they are encoded. */
export type QueryLanguage = 'promql' | 'nrql' | 'cloudwatch' | 'datadog' | 'url' | 'text';

interface Quoting {
  /** Quote characters that open a string, and which of them are raw (no escapes inside). */
  quotes: string;
  raw: string;
}

// PromQL: "…" and '…' with Go escapes, `…` raw. NRQL: '…' strings (\' escapes), `…` quoted names (no
// escapes). CloudWatch metric math and SEARCH: "…" and '…' with backslash escapes.
const QUOTING: Partial<Record<QueryLanguage, Quoting>> = {
  promql: { quotes: `"'\``, raw: '`' },
  nrql: { quotes: `'"\``, raw: '`' },
  cloudwatch: { quotes: `"'`, raw: '' },
};

/** What may stand outside any string: a number, a duration, a plain name. */
const PLAIN = /^[\w.:-]*$/;
// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export class TemplateValueError extends Error {}

/** The quote character open at the end of `before`, or undefined outside strings. */
function openQuote(before: string, quoting: Quoting): string | undefined {
  let open: string | undefined;
  for (let i = 0; i < before.length; i++) {
    const c = before[i]!;
    if (open === undefined) {
      if (quoting.quotes.includes(c)) open = c;
    } else if (c === '\\' && !quoting.raw.includes(open)) i++;
    else if (c === open) open = undefined;
  }
  return open;
}

/**
 * `value` as it must be written at offset `at` of `template` (the start of its placeholder).
 * Throws TemplateValueError when no escaping can keep it inside its slot.
 */
export function escapeTemplateValue(language: QueryLanguage, template: string, at: number, name: string, value: string): string {
  switch (language) {
    case 'text':
      return value;
    case 'url':
      return encodeURIComponent(value);
    case 'datadog':
      // Datadog tag values are letters, digits and _ - : . / ; it stores any other character as _ too.
      return value.replace(/[^\w.:/-]/g, '_');
  }
  const quoting = QUOTING[language]!;
  const quote = openQuote(template.slice(0, at), quoting);
  const refuse = (why: string) => {
    throw new TemplateValueError(`{{${name}}} is ${JSON.stringify(value.slice(0, 60))}, which ${why}`);
  };
  if (quote === undefined) {
    if (!PLAIN.test(value)) refuse(`cannot stand outside a quoted string in the query; put {{${name}}} in quotes`);
    return value;
  }
  if (CONTROL.test(value)) refuse('holds a control character');
  if (quoting.raw.includes(quote)) {
    if (value.includes(quote)) refuse(`cannot be written inside ${quote}…${quote}`);
    return value;
  }
  return value.replace(/\\/g, '\\\\').replaceAll(quote, `\\${quote}`);
}
