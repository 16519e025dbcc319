#!/usr/bin/env node
// routeguide — serve RouteGuide, or call it.

import { GrpcError } from './protocol/grpc-error.js';
import { parseArgs, UsageError, type ParsedArgs } from './cli/args.js';
import { CLIENT_COMMANDS, runClientCommand } from './cli/route-client.js';
import { interopClient } from './cli/interop-client.js';
import { interopServer } from './cli/interop-server.js';
import { serve } from './cli/serve.js';

const USAGE = `usage:
  routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE] [--tls-cert FILE --tls-key FILE] [--grace 5s]
  routeguide get|list|record|chat|demo [--addr 127.0.0.1:50051] [--deadline 10s] [--tls [--ca FILE] [--server-name NAME]]
  routeguide interop-server --port N [--host 127.0.0.1] [--use_tls=true --cert_file F --key_file F]
  routeguide interop-client --server_host H --server_port P --test_case NAME [--use_tls=true [--ca_file F] [--server_host_override NAME]]`;

const COMMANDS: Record<string, (args: ParsedArgs) => Promise<void>> = {
  serve,
  'interop-server': interopServer,
  'interop-client': interopClient,
};
for (const name of CLIENT_COMMANDS) COMMANDS[name] = (args) => runClientCommand(name, args);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const run = command === undefined ? undefined : COMMANDS[command];
  if (!run) {
    console.error(USAGE);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
  try {
    await run(parseArgs(rest));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n${USAGE}`);
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
