// `routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE] [--tls-cert FILE --tls-key FILE] [--grace 5s]`
// RouteGuide plus the standard health and reflection services (so `grpcurl list` works at once).

import { readFileSync } from 'node:fs';
import { Server } from '../server/server.js';
import { addHealth } from '../services/health/index.js';
import { addReflection } from '../services/reflection/index.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../services/routeguide/index.js';
import { durationFlag, intFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';

export async function serve(args: ParsedArgs): Promise<void> {
  const host = stringFlag(args, 'host', '127.0.0.1');
  const port = intFlag(args, 'port', Number(process.env.PORT ?? 50051));
  const graceMs = durationFlag(args, 'grace', 5000);
  const db = FeatureDb.load(stringFlag(args, 'db'));
  const certFile = stringFlag(args, 'tls-cert');
  const keyFile = stringFlag(args, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;

  const server = new Server({ tls });
  server.addService(routeGuideDefinition(), routeGuideHandlers(db));
  addReflection(server);
  addHealth(server); // SERVING for "" and every service above; NOT_SERVING once shutdown begins
  const address = await server.listen(port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`listening on ${shownHost}:${address.port}${tls ? ' (TLS)' : ''}`);
  await shutdownOnSignal(server, graceMs);
}

/** Resolves after SIGINT/SIGTERM closed the server (in-flight calls get `graceMs` to finish). */
function shutdownOnSignal(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`${signal}: shutting down (grace ${graceMs} ms)`);
      server.close(graceMs).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
