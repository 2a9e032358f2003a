// `rollgate <command> [options]`: dispatches to one file per command.
import { EXIT, UsageError, type CliIO } from './command.js';
import { commands } from './commands/index.js';
import { VERSION } from '../version.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Rollgate ${VERSION} — zero-downtime canary releases with metric gates and automatic rollback.

Usage: rollgate <command> [options]      rollgate <command> --help for details

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit codes: 0 promoted/ok, 1 rolled back, 2 bad input, 3 paused for approval, 4 error.
`;
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? EXIT.ok : EXIT.badInput;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`rollgate: unknown command "${name}"\n\n${usage()}`);
    return EXIT.badInput;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const e = error as Error & { code?: string };
    if (error instanceof UsageError || e.code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`rollgate ${name}: ${e.message}\n\n${command.help}\n`);
      return EXIT.badInput;
    }
    io.stderr.write(`rollgate ${name}: ${e.message}\n`);
    return EXIT.error;
  }
}
