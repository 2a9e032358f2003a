// Every CLI command, in the order `rollgate --help` lists them.
import type { CliCommand } from '../command.js';
import { validateCommand } from './validate.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { schemaCommand } from './schema.js';
import { demoCommand } from './demo.js';
import { backtestCommand } from './backtest.js';
import { lintMigrationsCommand } from './lint-migrations.js';

export const commands: CliCommand[] = [
  validateCommand,
  planCommand,
  runCommand,
  statusCommand,
  schemaCommand,
  demoCommand,
  backtestCommand,
  lintMigrationsCommand,
];
