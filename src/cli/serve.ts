// `routeguide serve`: RouteGuide plus the standard health and reflection services (so that
// `grpcurl list` works at once), until SIGINT/SIGTERM.

import { readFileSync } from 'node:fs';
import { Server } from '../server/server.js';
import { addHealth } from '../services/health/index.js';
import { addReflection } from '../services/reflection/index.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../services/routeguide/index.js';
import { defineCommand, UsageError } from './command.js';
import { durationValue, portValue } from './flags.js';
import { showAddress, shutdownOnSignal } from './lifecycle.js';

export const serveCommand = defineCommand({
  name: 'serve',
  usage: 'routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE] [--tls-cert FILE --tls-key FILE] [--grace 5s]',
  summary: 'Serves RouteGuide, health and reflection until SIGINT/SIGTERM, then drains gracefully.',
  options: {
    host: { type: 'string', arg: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', arg: 'PORT', help: 'port to listen on, 0 picks one (default $PORT, else 50051)' },
    db: { type: 'string', arg: 'FILE', help: 'feature database, JSON (default data/route_guide_db.json)' },
    'tls-cert': { type: 'string', arg: 'FILE', help: 'serve TLS with this certificate chain (PEM)' },
    'tls-key': { type: 'string', arg: 'FILE', help: 'and this private key (PEM)' },
    grace: { type: 'string', arg: 'DURATION', help: 'how long calls may finish after a signal (default 5s)' },
  },
  async run(flags) {
    const host = flags.host ?? '127.0.0.1';
    const port = flags.port !== undefined ? portValue('port', flags.port, true) : defaultPort();
    const graceMs = durationValue('grace', flags.grace ?? '5s');
    const certFile = flags['tls-cert'];
    const keyFile = flags['tls-key'];
    if ((certFile === undefined) !== (keyFile === undefined))
      throw new UsageError('--tls-cert and --tls-key go together');
    const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
    const db = FeatureDb.load(flags.db);

    const server = new Server({ tls });
    server.addService(routeGuideDefinition(), routeGuideHandlers(db));
    addReflection(server);
    addHealth(server); // SERVING for "" and every service above; NOT_SERVING once shutdown begins
    const address = await server.listen(port, host);
    console.log(`listening on ${showAddress(address)}${tls ? ' (TLS)' : ''}`);
    await shutdownOnSignal(server, graceMs);
  },
});

/** `PORT` from the environment, else 50051. */
function defaultPort(): number {
  const fromEnv = process.env.PORT;
  if (fromEnv === undefined || fromEnv === '') return 50051;
  return portValue('port (from $PORT)', fromEnv, true);
}
