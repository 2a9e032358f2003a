// The `migrations:` section of the rollout spec. lint-migrations also runs with no spec at all: then
// every field takes its default.
import { z } from 'zod';
import { RULE_NAMES } from './rules/index.js';

export const DEFAULT_MIGRATION_PATHS = ['**/migrations/**/*.sql'];

export const ruleLevel = z.enum(['off', 'warning', 'error']);

export const migrationsSchema = z.strictObject({
  paths: z
    .array(z.string().min(1))
    .min(1)
    .default(DEFAULT_MIGRATION_PATHS)
    .describe('Globs (relative to the repository root) that match the migration files, e.g. "db/migrations/**/*.sql".'),
  postgresVersion: z.int().min(9).max(18).default(15).describe('Major version of the PostgreSQL the migrations run on.'),
  transactionPerFile: z
    .boolean()
    .default(true)
    .describe(
      'The migration runner wraps each file in a transaction (a file can opt out with `-- migrate:up transaction:false` or `--! no-transaction`).',
    ),
  rules: z
    .partialRecord(z.enum(RULE_NAMES), ruleLevel)
    .default({})
    .describe("Per-rule level: off | warning | error (default: each rule's own)."),
});

export type MigrationsSettings = z.output<typeof migrationsSchema>;
export type MigrationsSettingsInput = z.input<typeof migrationsSchema>;

export const defaultMigrationsSettings = (): MigrationsSettings => migrationsSchema.parse({});
