import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, type CliCommand, type CliIO } from '../command.js';
import { environmentArg, loadSpecArg, rollgateFile, SPEC_OPTION, specFileArg } from '../spec-arg.js';
import { compilePlan } from '../../config/compile.js';
import { drive, type ApprovalAnswer, type DriveOptions } from '../../driver/driver.js';
import { buildProviders } from '../../driver/providers.js';
import { FileStateStore } from '../../driver/state-file.js';
import { bindingOf, UnusableRecordError } from '../../driver/record.js';
import { describeOwner, isAlive, readLock, RolloutLockedError } from '../../driver/state-lock.js';
import { systemClock } from '../../driver/clock.js';
import { ConsoleLogger, ConsoleReporter } from '../../report/console.js';
import { renderMarkdownReport } from '../../report/markdown.js';
import { renderHtmlReport } from '../../report/html.js';
import { AlertReporter } from '../../report/alerts/index.js';
import { environmentName } from '../../config/schema.js';
import type { Outcome } from '../../engine/types.js';

const OUTCOME_EXIT: Record<Outcome, number> = {
  promoted: EXIT.promoted,
  'rolled-back': EXIT.rolledBack,
  paused: EXIT.paused,
  failed: EXIT.error,
};

export const runCommand: CliCommand = {
  help: `Usage: rollgate run [FILE | --config FILE] [--state FILE] [--environment NAME] [--report FILE]
                    [--approve | --promote | --abort] [--reason TEXT] [--yes]

Drives the rollout stage by stage: shifts traffic, bakes, measures gates, and returns traffic
to the stable version when a gate fails. State is saved (default .rollgate/<environment>.json)
before every traffic change; running again resumes at the recorded stage and bake time.

  --approve        approve the stage waiting for approval (or lift a pause) and go on
  --promote        skip the remaining stages: send 100% to the canary now
  --abort          return traffic to the stable version and end the rollout
  --yes            approve every approval stage without asking (non-interactive use)
  --report FILE    write the report there: HTML with charts when FILE ends in .html, else Markdown
                   (default .rollgate/<environment>-report.md)

In a terminal an approval stage asks; otherwise the run stops and exits 3 (paused).
Ctrl-C rolls back to the stable version before exiting.
Exit codes: 0 promoted, 1 rolled back, 2 bad input, 3 paused for approval, 4 error.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...SPEC_OPTION,
        state: { type: 'string' },
        environment: { type: 'string', short: 'e' },
        report: { type: 'string' },
        id: { type: 'string' },
        approve: { type: 'boolean' },
        promote: { type: 'boolean' },
        abort: { type: 'boolean' },
        reason: { type: 'string' },
        yes: { type: 'boolean', short: 'y' },
        by: { type: 'string' },
      },
    });
    const specFile = specFileArg(values.config, positionals);
    if (values.environment !== undefined) environmentArg(values.environment);
    const spec = await loadSpecArg(specFile, io);
    if (!spec) return EXIT.badInput;
    if (values.environment !== undefined) spec.environment = values.environment;
    const environment = environmentName(spec);
    const statePath = values.state ? resolve(io.cwd, values.state) : rollgateFile(io.cwd, environment, '.json');
    const reportPath = values.report ? resolve(io.cwd, values.report) : rollgateFile(io.cwd, environment, '-report.md');

    const log = new ConsoleLogger(io.stderr, Boolean(io.env.ROLLGATE_DEBUG));
    const clock = systemClock;
    const reporter = new ConsoleReporter(io.stdout, clock);
    const alerts = spec.notify.alerts.length ? new AlertReporter(spec.notify.alerts, { env: io.env, log }) : undefined;
    const { router, gates, hooks } = buildProviders(spec, { env: io.env, log, cwd: io.cwd }, clock);
    const by = values.by ?? io.env.USER ?? 'cli';
    const command: DriveOptions['command'] = values.abort
      ? { type: 'abort', reason: values.reason ?? `aborted by ${by}` }
      : values.promote
        ? { type: 'approve', full: true, by }
        : values.approve
          ? { type: 'approve', by }
          : undefined;
    const store = new FileStateStore(statePath);
    const plan = compilePlan(spec);
    try {
      if (values.abort) await takeOverForAbort(store, log, io.signal);
      const result = await drive(
        { router, gates, hooks, store, reporters: [reporter, ...(alerts ? [alerts] : [])], clock, log },
        {
          plan,
          binding: bindingOf(plan, spec.traffic),
          id: values.id ?? `local-${new Date(clock.now()).toISOString()}`,
          command,
          signal: io.signal,
          // --yes answers approval stages; a pause for drift (someone else changed the router) waits for a person.
          approve: values.yes
            ? async (_stage, _reason, state) => (state.pause?.kind === 'drift' ? undefined : { approve: true, by })
            : askInTerminal(io, by),
        },
      );
      reporter.close();
      await alerts?.flush();
      await mkdir(resolve(reportPath, '..'), { recursive: true });
      const report = /\.html?$/i.test(reportPath)
        ? renderHtmlReport([{ title: `${result.plan.strategy} rollout of ${result.plan.canary} to ${environment}`, ...result }])
        : renderMarkdownReport(result.plan, result.state);
      await writeFile(reportPath, report);
      io.stdout.write(`report: ${reportPath}\n`);
      if (result.outcome === 'paused')
        io.stdout.write(`paused: run \`rollgate run --approve\` to go on, or \`rollgate run --abort\` to roll back\n`);
      return OUTCOME_EXIT[result.outcome];
    } catch (error) {
      reporter.close();
      io.stderr.write(`error: ${(error as Error).message}\n`);
      if (error instanceof UnusableRecordError && !values.abort)
        io.stderr.write(`\`rollgate run --abort\` returns traffic to ${plan.stable} (from the spec alone if the record is unreadable)\n`);
      return EXIT.error;
    } finally {
      await store.release();
      await router.close?.();
    }
  },
};

/** How long an abort waits for a running `rollgate run` to roll back by itself before taking its lock. */
const ABORT_WAIT_MS = 60_000;

/**
 * An abort always goes through: a live run holding the lock on this host is asked to roll back
 * (SIGTERM: it returns traffic to stable itself, then releases the lock); if it does not within
 * ABORT_WAIT_MS, or the holder cannot be reached, the abort takes the lock over.
 */
async function takeOverForAbort(store: FileStateStore, log: ConsoleLogger, signal: AbortSignal): Promise<void> {
  try {
    await store.claim();
    return;
  } catch (error) {
    if (!(error instanceof RolloutLockedError)) throw error;
  }
  const holder = await readLock(store.lock.path);
  if (holder && holder.host === hostname() && isAlive(holder.pid)) {
    log.warn(`asking the run holding the rollout (${describeOwner(holder)}) to roll back`);
    process.kill(holder.pid, 'SIGTERM');
    const end = Date.now() + ABORT_WAIT_MS;
    while (Date.now() < end && !signal.aborted && (await readLock(store.lock.path))?.token === holder.token) await sleep(100);
  }
  const taken = await store.lock.takeOver();
  if (taken && taken.token === holder?.token) log.warn(`took the lock over from ${describeOwner(taken)}`);
}

/** In an interactive terminal, ask; elsewhere stop as paused. */
function askInTerminal(io: CliIO, by: string): DriveOptions['approve'] {
  const stdin = process.stdin;
  if (!stdin.isTTY || !io.stdout.isTTY || io.env.CI) return undefined;
  return async (_stage, reason): Promise<ApprovalAnswer> => {
    const rl = createInterface({ input: stdin, output: io.stdout });
    try {
      const answer = (await rl.question(`${reason}. Approve? [y]es / [n]o (stay paused) / [a]bort: `)).trim().toLowerCase();
      if (answer.startsWith('y')) return { approve: true, by };
      if (answer.startsWith('a')) return { abort: true, reason: `aborted by ${by}` };
      return undefined;
    } finally {
      rl.close();
    }
  };
}
