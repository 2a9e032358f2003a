// What the GitHub runner reads back from a step: the file commands (GITHUB_OUTPUT, GITHUB_STATE)
// and the workflow commands in its log.
import { readFileSync } from 'node:fs';

/** `name<<DELIMITER\nvalue\nDELIMITER` blocks, as @actions/core writes them. */
export function readFileCommand(path: string): Record<string, string> {
  const text = readFileSync(path, 'utf8');
  const values: Record<string, string> = {};
  const block = /^(.+?)<<(ghadelimiter_[\w-]+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(block)) values[match[1]!] = match[3]!;
  return values;
}

/** Workflow commands escape %, CR, LF (and : , in properties); the runner decodes them. */
export function decodeCommands(text: string): string {
  return text.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%3A', ':').replaceAll('%2C', ',').replaceAll('%25', '%');
}
