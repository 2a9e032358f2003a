import { parseArgs } from 'node:util';
import { EXIT, type CliCommand } from '../command.js';
import { compilePlan } from '../../config/compile.js';
import { formatDuration } from '../../config/duration.js';
import { stageNumber, timeline } from '../../engine/plan.js';
import { loadSpecArg, SPEC_OPTION, specFileArg } from '../spec-arg.js';

export const planCommand: CliCommand = {
  help: `Usage: rollgate plan [FILE | --config FILE] [--json]

Prints the timeline the spec describes if every gate passes: when each stage starts, its weight,
how long it bakes, which gates it checks and where a reviewer approves.`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...SPEC_OPTION, json: { type: 'boolean' } } });
    const spec = await loadSpecArg(specFileArg(values.config, positionals), io);
    if (!spec) return EXIT.badInput;
    const plan = compilePlan(spec);
    const { rows, totalMs } = timeline(plan);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ plan, timeline: rows, totalMs }, null, 2)}\n`);
      return EXIT.ok;
    }
    const table = [
      ['stage', 'weight', 'starts at', 'bake', 'gates', 'approval'],
      ...rows.map((r) => [
        `${stageNumber(r.stage)}${plan.stages[r.stage]!.implicit ? ' (promote)' : ''}`,
        `${r.weight}%`,
        `+${formatDuration(r.startsAtMs)}`,
        r.durationMs ? formatDuration(r.durationMs) : '—',
        r.gates.length ? r.gates.join(', ') : '—',
        r.approval ? 'yes' : '',
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    io.stdout.write(`${plan.strategy} rollout of ${plan.canary} to ${plan.environment} (router: ${spec.traffic.provider})\n\n`);
    for (const row of table)
      io.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    const approvals = rows.filter((r) => r.approval).length;
    io.stdout.write(`\ntotal: ${formatDuration(totalMs)}${approvals ? ` plus ${approvals} approval${approvals > 1 ? 's' : ''}` : ''}\n`);
    return EXIT.ok;
  },
};
