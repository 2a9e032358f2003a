import { parseArgs } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { readdir } from 'node:fs/promises';
import { EXIT, UsageError, type CliCommand } from '../command.js';
import { rollgateFile } from '../spec-arg.js';
import { FileStateStore } from '../../driver/state-file.js';
import { formatValue, statusLine } from '../../report/markdown.js';
import { describeCandidate, removalCandidates } from '../../report/flag-hygiene.js';
import { parseDuration } from '../../config/duration.js';
import type { RolloutRecord } from '../../ports.js';

export const statusCommand: CliCommand = {
  help: `Usage: rollgate status [--environment NAME | --state FILE] [--flag-age DURATION] [--json]

Reads the state file of a local rollout (default .rollgate/production.json) and prints its
status, stage, weight and the last value of each gate. Then lists, from every state file beside it,
the feature flags at 100 % for longer than their spec's traffic.removeAfter (or --flag-age, e.g. 14d):
candidates to remove from the code.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        state: { type: 'string' },
        environment: { type: 'string', short: 'e', default: 'production' },
        json: { type: 'boolean' },
        'flag-age': { type: 'string' },
      },
    });
    const flagAge = values['flag-age'] === undefined ? undefined : parseDuration(values['flag-age']);
    if (values['flag-age'] !== undefined && flagAge === undefined)
      throw new UsageError(`--flag-age: expected a duration such as "30d" (got ${JSON.stringify(values['flag-age'])})`);
    const path = values.state ? resolve(io.cwd, values.state) : rollgateFile(io.cwd, values.environment, '.json');
    const record = await new FileStateStore(path).load();
    if (!record) {
      io.stderr.write(`no rollout recorded at ${path}\n`);
      return EXIT.badInput;
    }
    const stale = removalCandidates(await siblingRecords(path, record), Date.now(), flagAge);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...record.state, flagsToRemove: stale }, null, 2)}\n`);
      return EXIT.ok;
    }
    const { plan, state } = record;
    io.stdout.write(`${statusLine(plan, state).replace(/\*\*/g, '')}\n`);
    const last = new Map<string, (typeof state.measurements)[number]>();
    for (const m of state.measurements) last.set(m.gate, m);
    for (const m of last.values()) io.stdout.write(`  ${m.gate}: ${m.verdict} ${formatValue(m.evidence.value)} — ${m.evidence.summary}\n`);
    if (state.failure) io.stdout.write(`  why: ${state.failure.reason}\n`);
    if (stale.length) {
      io.stdout.write(`\nFlags fully rolled out long enough to remove from the code:\n`);
      for (const flag of stale) io.stdout.write(`  ${describeCandidate(flag)}\n`);
    }
    return EXIT.ok;
  },
};

/** The record read, and every other readable state file in its folder (one per environment). */
async function siblingRecords(path: string, record: RolloutRecord): Promise<RolloutRecord[]> {
  const folder = dirname(path);
  const names = await readdir(folder).catch(() => [] as string[]);
  const others = await Promise.all(
    names
      .filter((name) => name.endsWith('.json') && join(folder, name) !== path)
      .map((name) => new FileStateStore(join(folder, name)).load().catch(() => undefined)),
  );
  return [record, ...others.filter((r): r is RolloutRecord => r !== undefined)];
}
