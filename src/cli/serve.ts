// `routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE] [--tls-cert FILE --tls-key FILE] [--grace 5s]`
// RouteGuide plus the standard health and reflection services (so `grpcurl list` works at once).

import { readFileSync } from 'node:fs';
import { Server } from '../server/server.js';
import { addHealth } from '../services/health/index.js';
import { addReflection } from '../services/reflection/index.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../services/routeguide/index.js';
import { durationFlag, intFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';
import { showAddress, shutdownOnSignal } from './lifecycle.js';

export async function serve(args: ParsedArgs): Promise<void> {
  const host = stringFlag(args, 'host', '127.0.0.1');
  const port = intFlag(args, 'port', Number(process.env.PORT ?? 50051));
  const graceMs = durationFlag(args, 'grace', 5000);
  const db = FeatureDb.load(stringFlag(args, 'db'));
  const certFile = stringFlag(args, 'tls-cert');
  const keyFile = stringFlag(args, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;

  const server = new Server({ tls });
  server.addService(routeGuideDefinition(), routeGuideHandlers(db));
  addReflection(server);
  addHealth(server); // SERVING for "" and every service above; NOT_SERVING once shutdown begins
  const address = await server.listen(port, host);
  console.log(`listening on ${showAddress(address)}${tls ? ' (TLS)' : ''}`);
  await shutdownOnSignal(server, graceMs);
}
