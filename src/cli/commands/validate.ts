import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { EXIT, type CliCommand } from '../command.js';
import { formatSpecError, loadSpecFile } from '../../config/load.js';
import { compilePlan } from '../../config/compile.js';

export const validateCommand: CliCommand = {
  help: `Usage: rollgate validate [FILE...]

Checks each spec (default .github/rollout.yml) and prints every problem at once as
  FILE:LINE:COL path: message
Exit codes: 0 valid, 2 invalid.`,
  async run(args, io) {
    const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
    const files = positionals.length ? positionals : ['.github/rollout.yml'];
    let ok = true;
    for (const file of files) {
      const result = await loadSpecFile(resolve(io.cwd, file), file);
      if (result.ok)
        io.stdout.write(
          `${file}: valid (${result.spec.strategy}, ${compilePlan(result.spec).stages.length} stages, ${Object.keys(result.spec.gates).length} gates)\n`,
        );
      else {
        ok = false;
        for (const error of result.errors) io.stderr.write(`${formatSpecError(error)}\n`);
      }
    }
    return ok ? EXIT.ok : EXIT.badInput;
  },
};
