// `routeguide interop-server --port N [--host 127.0.0.1] [--use_tls=false]`
// Serves grpc.testing.TestService for the cross-language interop suite (flags as in
// doc/interop-test-descriptions.md "Server"). --port 0 picks a free port; the bound address is printed.

import { Server } from '../server/server.js';
import { testServiceDefinition, testServiceHandlers } from '../services/testing/index.js';
import { stringFlag, UsageError, type ParsedArgs } from './args.js';
import { boolFlag, portFlag } from './interop-flags.js';

export async function interopServer(args: ParsedArgs): Promise<void> {
  const port = portFlag(args, 'port', undefined, true);
  const host = stringFlag(args, 'host', '127.0.0.1');
  if (boolFlag(args, 'use_tls')) throw new UsageError('--use_tls=true: TLS is not supported by interop-server yet');
  const server = new Server();
  server.addService(testServiceDefinition(), testServiceHandlers());
  const address = await server.listen(port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`interop-server listening on ${shownHost}:${address.port}`);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`${signal}: shutting down`);
      server.close(1000).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
