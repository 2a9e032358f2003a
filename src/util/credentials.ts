// Credentials of providers (metric sources, flag services). A spec never holds a secret: it names the environment variable that
// does (set from a repository secret or an action input), and the value is masked before any log line.
import { z } from 'zod';
import type { ProviderEnv } from '../ports.js';

export const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable, e.g. PROM_TOKEN' });

/** The value of the environment variable `name`; says where it was asked for when it is unset. */
export function readEnvVar(env: ProviderEnv, name: string, where: string): string {
  const value = env.env[name];
  if (value === undefined || value === '') throw new Error(`${where}: environment variable ${name} is not set`);
  return value;
}

/** Like readEnvVar, for secrets: the value is masked in every later log line. */
export function readSecret(env: ProviderEnv, name: string, where: string): string {
  const value = readEnvVar(env, name, where);
  env.log.mask(value);
  return value;
}
