// `routeguide interop-server --port N [--host 127.0.0.1] [--use_tls=true --cert_file F --key_file F]`
// Serves grpc.testing.TestService for the cross-language interop suite (flags as in
// doc/interop-test-descriptions.md "Server"). --port 0 picks a free port; the bound address is printed.

import { readFileSync } from 'node:fs';
import { Server } from '../server/server.js';
import { testServiceDefinition, testServiceHandlers } from '../services/testing/index.js';
import { stringFlag, UsageError, type ParsedArgs } from './args.js';
import { boolFlag, portFlag } from './interop-flags.js';
import { showAddress, shutdownOnSignal } from './lifecycle.js';

export async function interopServer(args: ParsedArgs): Promise<void> {
  const port = portFlag(args, 'port', undefined, true);
  const host = stringFlag(args, 'host', '127.0.0.1');
  const server = new Server({ tls: boolFlag(args, 'use_tls') ? readTlsFlags(args) : undefined });
  server.addService(testServiceDefinition(), testServiceHandlers());
  const address = await server.listen(port, host);
  console.log(`interop-server listening on ${showAddress(address)}`);
  await shutdownOnSignal(server, 1000);
}

/** --use_tls=true serves with --cert_file/--key_file (the gRPC test certificate is not bundled). */
function readTlsFlags(args: ParsedArgs): { cert: Buffer; key: Buffer } {
  const certFile = stringFlag(args, 'cert_file');
  const keyFile = stringFlag(args, 'key_file');
  if (!certFile || !keyFile) throw new UsageError('--use_tls=true needs --cert_file FILE and --key_file FILE');
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
