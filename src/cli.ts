#!/usr/bin/env node
// routeguide — serve RouteGuide, or call it. `routeguide COMMAND --help` describes each command.
// The command modules below hold each command's options and checks; each loads the server, the
// client or the tap only in its `run`, once its command line is known to be good, so that the help
// and a usage mistake answer without them (0.15 CPU-s instead of 0.35).

import { GrpcError } from './protocol/grpc-error.js';
import { helpText, parseCommandLine, UsageError, type Command } from './cli/command.js';
import { clientCommands } from './cli/route-client.js';
import { interopClientCommand } from './cli/interop-client.js';
import { interopServerCommand } from './cli/interop-server.js';
import { serveCommand } from './cli/serve.js';
import { tapCommand } from './cli/tap.js';

const COMMANDS = new Map<string, Command>(
  [serveCommand, ...clientCommands, interopServerCommand, interopClientCommand, tapCommand].map((c) => [
    c.name,
    c as Command,
  ]),
);

const USAGE = `usage: routeguide COMMAND [OPTIONS]    (routeguide COMMAND --help for its options)

commands:
${[...COMMANDS.values()].map((c) => `  ${c.name.padEnd(16)}${c.summary}`).join('\n')}`;

/** Runs one command line; resolves with the exit status. */
async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS.get(name);
  if (!command) {
    console.error(`routeguide: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    const flags = parseCommandLine(command, rest);
    if (flags === undefined) {
      console.log(helpText(command));
      return 0;
    }
    await command.run(flags);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`routeguide ${name}: ${error.message}\nusage: ${command.usage}`);
      return 2;
    }
    // RPC failures print as `code NAME: message`.
    if (error instanceof GrpcError) {
      console.error(`code ${error.codeName}: ${error.details}`);
      return 1;
    }
    throw error;
  }
}

// Output piped into `head` and the like: a closed pipe ends the program quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
