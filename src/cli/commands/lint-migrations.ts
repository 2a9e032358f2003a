import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, UsageError, type CliCommand } from '../command.js';
import { formatSpecError } from '../../config/load.js';
import { loadMigrationsSettings } from '../../migrations/config.js';
import { MissingPathError } from '../../migrations/files.js';
import { GitError } from '../../migrations/git.js';
import { hasErrors, lintMigrations, type MigrationReport } from '../../migrations/run.js';
import { renderGithub } from '../../migrations/report/github.js';
import { renderJson } from '../../migrations/report/json.js';
import { renderMigrationsMarkdown } from '../../migrations/report/markdown.js';
import { renderSarif } from '../../migrations/report/sarif.js';
import { renderTerminal } from '../../migrations/report/terminal.js';

const DEFAULT_SPEC = '.github/rollout.yml';
/** Exit code when an error-severity finding remains (the same 1 a rolled-back rollout returns). */
const FOUND_ERRORS = 1;

const FORMATS: Record<string, (report: MigrationReport) => string> = {
  terminal: (report) => renderTerminal(report),
  json: renderJson,
  sarif: renderSarif,
  github: renderGithub,
  markdown: (report) => `${renderMigrationsMarkdown(report)}\n`,
};

export const lintMigrationsCommand: CliCommand = {
  help: `Usage: rollgate lint-migrations [PATH...] [--config FILE] [--base REF --head REF]
                                [--format terminal|json|sarif|github|markdown] [--output FILE]
                                [--postgres-version N]

Parses each migration with PostgreSQL's own parser and flags statements that break the old version
still serving during a rollout, rewrite a table or hold a write-blocking lock, each with the safe
expand → migrate → contract recipe.

Files: the PATHs given (files, or directories of *.sql); with --base and --head, the migration files
changed between them (their merge base and head), and every drop or rename is checked against git
history; otherwise every file the migrations.paths globs match under the current directory.

Settings come from the migrations: section of the spec (default ${DEFAULT_SPEC}; defaults when the
file or the section is absent). Silence a rule on one statement with
  -- rollgate-ignore <rule>: <reason>

Exit codes: 0 no error finding, 1 an error finding remains, 2 bad input.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        base: { type: 'string' },
        head: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'terminal' },
        output: { type: 'string', short: 'o' },
        'postgres-version': { type: 'string' },
      },
    });
    const render = FORMATS[values.format];
    if (!render) throw new UsageError(`unknown --format "${values.format}" (terminal, json, sarif, github, markdown)`);
    if ((values.base === undefined) !== (values.head === undefined)) throw new UsageError('--base and --head go together');

    const configPath = values.config ?? DEFAULT_SPEC;
    const loaded = await loadMigrationsSettings(resolve(io.cwd, configPath), configPath, values.config !== undefined);
    if (!loaded.ok) {
      for (const error of loaded.errors) io.stderr.write(`${formatSpecError(error)}\n`);
      return EXIT.badInput;
    }
    const settings = loaded.settings;
    if (values['postgres-version'] !== undefined) {
      const version = Number(values['postgres-version']);
      if (!Number.isInteger(version) || version < 9 || version > 18)
        throw new UsageError(`--postgres-version must be a major version from 9 to 18 (got "${values['postgres-version']}")`);
      settings.postgresVersion = version;
    }

    let report: MigrationReport;
    try {
      report = await lintMigrations({ cwd: io.cwd, settings, paths: positionals, base: values.base, head: values.head });
    } catch (error) {
      if (error instanceof GitError || error instanceof MissingPathError) {
        io.stderr.write(`rollgate lint-migrations: ${(error as Error).message}\n`);
        return EXIT.badInput;
      }
      throw error;
    }
    const text = render(report);
    if (values.output) await writeFile(resolve(io.cwd, values.output), text);
    else io.stdout.write(text);
    return hasErrors(report) ? FOUND_ERRORS : EXIT.ok;
  },
};
