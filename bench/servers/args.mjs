// `--port N` (default 50051) for the benchmark servers; they listen on 127.0.0.1 only.

import { basename } from 'node:path';
import { integerOption, parseCommandLine } from '../lib/command-line.mjs';

/** The server's command line: `--port N` or `--help`; anything else is a usage error (exit 2). */
export function portArg(argv = process.argv.slice(2)) {
  const name = basename(process.argv[1]);
  const usage = [
    `usage: node bench/servers/${name} [--port N]`,
    '',
    '  --port N    listen on 127.0.0.1:N (default 50051; 0 picks a free port)',
    '  -h, --help  show this help',
  ].join('\n');
  const { values } = parseCommandLine(name, usage, { port: { type: 'string' } }, { argv });
  return values.port === undefined ? 50051 : integerOption(name, usage, '--port', values.port, 0, 65535);
}

export const HOST = '127.0.0.1';

/** Exit cleanly on SIGTERM/SIGINT (so `node --cpu-prof` can write its profile). */
export function exitOnSignal(close) {
  const stop = () => {
    close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
