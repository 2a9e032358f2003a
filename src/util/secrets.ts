// Secret values known to this process (tokens, passwords read from the environment), so every text
// that leaves it — log lines, the state file, the report, the job summary, the PR comment — is
// redacted the same way. GitHub masks the job log only; the rest is Rollgate's own job.

const secrets = new Set<string>();
/** Shorter parts would redact ordinary words. */
const MIN_LENGTH = 4;

/** Registers a secret; each of its lines too, since a multi-line value is often printed a line at a time. */
export function registerSecret(value: string): string[] {
  const parts = [value, ...value.split(/\r\n|\r|\n/)].map((p) => p.trim()).filter((p) => p.length >= MIN_LENGTH);
  for (const part of parts) secrets.add(part);
  return [...new Set(parts)];
}

// scheme://user:password@host — credentials in a URL, wherever the URL came from.
const URL_CREDENTIALS = /\b([a-z][\w+.-]*:\/\/)[^\s/?#@]+@/gi;

/** The text with every registered secret and every URL's credentials replaced by ***. */
export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, '$1***@');
  if (!secrets.size) return out;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join('***');
  return out;
}

/** A JSON-able value with every string in it redacted (state records, reports). */
export function redactJson(value: unknown, space?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redact(v) : v), space);
}

/** Registers a secret and hides it (and each of its lines) from a logger. */
export function maskSecret(log: { mask(secret: string): void }, value: string): void {
  log.mask(value);
  for (const part of registerSecret(value)) if (part !== value) log.mask(part);
}

/** For tests: forget every registered secret. */
export function forgetSecrets(): void {
  secrets.clear();
}
