import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { EXIT, type CliCommand } from '../command.js';
import { FileStateStore } from '../../driver/state-file.js';
import { formatValue, statusLine } from '../../report/markdown.js';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show where the local rollout stands',
  help: `Usage: rollgate status [--environment NAME | --state FILE] [--json]

Reads the state file of a local rollout (default .rollgate/production.json) and prints its
status, stage, weight and the last value of each gate.`,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: { state: { type: 'string' }, environment: { type: 'string', short: 'e', default: 'production' }, json: { type: 'boolean' } },
    });
    const path = resolve(io.cwd, values.state ?? `.rollgate/${values.environment}.json`);
    const record = await new FileStateStore(path).load();
    if (!record) {
      io.stderr.write(`no rollout recorded at ${path}\n`);
      return EXIT.badInput;
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(record.state, null, 2)}\n`);
      return EXIT.ok;
    }
    const { plan, state } = record;
    io.stdout.write(`${statusLine(plan, state).replace(/\*\*/g, '')}\n`);
    const last = new Map<string, (typeof state.measurements)[number]>();
    for (const m of state.measurements) last.set(m.gate, m);
    for (const m of last.values()) io.stdout.write(`  ${m.gate}: ${m.verdict} ${formatValue(m.evidence.value)} — ${m.evidence.summary}\n`);
    if (state.failure) io.stdout.write(`  why: ${state.failure.reason}\n`);
    return EXIT.ok;
  },
};
