// Every CLI command, in the order `rollgate --help` lists them. A command's module (and what it
// imports: the spec schema, the providers, the demo...) is loaded only when that command runs.
import type { CliCommand } from '../command.js';

export interface CommandEntry {
  name: string;
  /** One line for `rollgate --help`. */
  summary: string;
  load(): Promise<CliCommand>;
}

export const commands: CommandEntry[] = [
  {
    name: 'validate',
    summary: 'Check a rollout spec; print every problem with file:line:column',
    load: async () => (await import('./validate.js')).validateCommand,
  },
  {
    name: 'plan',
    summary: 'Print the rollout timeline: stages, weights, bakes, gates, approvals, total time',
    load: async () => (await import('./plan.js')).planCommand,
  },
  {
    name: 'run',
    summary: 'Drive a rollout locally; run again to resume where it stopped',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'status',
    summary: 'Show where the local rollout stands',
    load: async () => (await import('./status.js')).statusCommand,
  },
  {
    name: 'schema',
    summary: 'Print the JSON Schema of the rollout spec',
    load: async () => (await import('./schema.js')).schemaCommand,
  },
  {
    name: 'demo',
    summary: 'Run the embedded demo: a healthy canary promoted, then a faulty one rolled back',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  {
    name: 'backtest',
    summary: "Replay a past window through the spec's metric gates: what each check would have said",
    load: async () => (await import('./backtest.js')).backtestCommand,
  },
  {
    name: 'lint-migrations',
    summary: 'Check PostgreSQL migrations for changes that break a zero-downtime deploy',
    load: async () => (await import('./lint-migrations.js')).lintMigrationsCommand,
  },
];
