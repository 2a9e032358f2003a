import { EXIT, type CliCommand } from '../command.js';
import { specJsonSchemaText } from '../../config/json-schema.js';

export const schemaCommand: CliCommand = {
  help: `Usage: rollgate schema

Prints the JSON Schema (draft 2020-12) of rollout.yml, generated from the same schema the CLI
validates with. Point your editor at it:
  # yaml-language-server: $schema=https://…/schema/rollgate.schema.json`,
  async run(_args, io) {
    io.stdout.write(await specJsonSchemaText());
    return EXIT.ok;
  },
};
