// Shared by the migration unit tests: lint SQL text with settings overrides.
import { Catalog } from '../../../src/migrations/catalog.js';
import { lintSql } from '../../../src/migrations/lint.js';
import { loadParser } from '../../../src/migrations/parse.js';
import { migrationsSchema, type MigrationsSettingsInput } from '../../../src/migrations/settings.js';

await loadParser();

export function lint(sql: string, settings: MigrationsSettingsInput = {}, catalog = new Catalog()) {
  return lintSql(sql, 'm.sql', migrationsSchema.parse(settings), catalog);
}

/** Rules found, as `rule@line:col`, for compact assertions. */
export function found(sql: string, settings: MigrationsSettingsInput = {}, catalog = new Catalog()): string[] {
  return lint(sql, settings, catalog).findings.map((f) => `${f.rule}@${f.line}:${f.column}`);
}

export const rulesOf = (sql: string, settings: MigrationsSettingsInput = {}) => lint(sql, settings).findings.map((f) => f.rule);
