// `routeguide interop-server`: grpc.testing.TestService for the cross-language interop suite, with
// the flags of doc/interop-test-descriptions.md "Server". --port 0 picks a free port; the bound
// address is printed.

import { readFileSync } from 'node:fs';
import { defineCommand, UsageError } from './command.js';
import { boolValue, portValue, required } from './flags.js';
import { showAddress, shutdownOnSignal } from './lifecycle.js';

export const interopServerCommand = defineCommand({
  name: 'interop-server',
  usage: 'routeguide interop-server --port N [--host 127.0.0.1] [--use_tls=true --cert_file F --key_file F]',
  summary: 'Serves grpc.testing.TestService for the official interop client of any gRPC stack.',
  options: {
    port: { type: 'string', arg: 'N', help: 'port to listen on, 0 picks one (required)' },
    host: { type: 'string', arg: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
    use_tls: { type: 'string', arg: 'true|false', help: 'serve TLS (default false)' },
    cert_file: { type: 'string', arg: 'FILE', help: 'TLS certificate chain (PEM), with --use_tls=true' },
    key_file: { type: 'string', arg: 'FILE', help: 'TLS private key (PEM), with --use_tls=true' },
  },
  async run(flags) {
    const port = portValue('port', required('port', flags.port), true);
    const useTls = boolValue('use_tls', flags.use_tls);
    if (!useTls && (flags.cert_file !== undefined || flags.key_file !== undefined)) {
      throw new UsageError('--cert_file and --key_file need --use_tls=true');
    }
    // The gRPC test certificate is not bundled: TLS needs both files.
    if (useTls && (!flags.cert_file || !flags.key_file)) {
      throw new UsageError('--use_tls=true needs --cert_file FILE and --key_file FILE');
    }
    const tls = useTls ? { cert: readFileSync(flags.cert_file!), key: readFileSync(flags.key_file!) } : undefined;
    // The server is loaded once the command line is known to be good (cli.ts).
    const [{ Server }, { testServiceDefinition, testServiceHandlers }] = await Promise.all([
      import('../server/server.js'),
      import('../services/testing/index.js'),
    ]);
    const server = new Server({ tls });
    server.addService(testServiceDefinition(), testServiceHandlers());
    const address = await server.listen(port, flags.host ?? '127.0.0.1');
    console.log(`interop-server listening on ${showAddress(address)}`);
    await shutdownOnSignal(server, 1000);
  },
});
