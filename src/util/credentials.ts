// Credentials of providers (metric sources, flag services). A spec never holds a secret: it names the environment variable that
// does (set from a repository secret or an action input), and the value is masked before any log line.
import { z } from 'zod';
import type { ProviderEnv } from '../ports.js';
import { maskSecret } from './secrets.js';

export const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable, e.g. PROM_TOKEN' });

/** The value of the environment variable `name`; says where it was asked for when it is unset. */
export function readEnvVar(env: ProviderEnv, name: string, where: string): string {
  const value = env.env[name];
  if (value === undefined || value === '') throw new Error(`${where}: environment variable ${name} is not set`);
  return value;
}

/**
 * `NAME=value` lines (the action's `credentials` input, usually one secret holding several): every
 * value is masked as it is read, before anything can log it. A line that is not NAME=value is refused
 * by its number only (and masked): it may hold a secret.
 */
export function parseCredentialLines(text: string, mask: (secret: string) => void, where: string): Record<string, string> {
  const credentials: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) {
      mask(line);
      throw new Error(`${where}: line ${index + 1} is not NAME=value (the line is not shown: it may hold a secret)`);
    }
    const [, name, value] = match as unknown as [string, string, string];
    if (value) mask(value);
    credentials[name] = value;
  });
  return credentials;
}

/** Like readEnvVar, for secrets: the value is masked in every later log line. */
export function readSecret(env: ProviderEnv, name: string, where: string): string {
  const value = readEnvVar(env, name, where);
  maskSecret(env.log, value);
  return value;
}
