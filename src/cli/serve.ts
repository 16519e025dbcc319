// `routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE]`

import { Server } from '../server/server.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../services/routeguide/index.js';
import { intFlag, stringFlag, type ParsedArgs } from './args.js';

export async function serve(args: ParsedArgs): Promise<void> {
  const host = stringFlag(args, 'host', '127.0.0.1');
  const port = intFlag(args, 'port', Number(process.env.PORT ?? 50051));
  const db = FeatureDb.load(stringFlag(args, 'db'));
  const server = new Server();
  server.addService(routeGuideDefinition(), routeGuideHandlers(db));
  const address = await server.listen(port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  console.log(`listening on ${shownHost}:${address.port}`);
  await shutdownOnSignal(server);
}

/** Resolves after SIGINT/SIGTERM closed the server (in-flight calls get a short grace period). */
function shutdownOnSignal(server: Server, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`${signal}: shutting down`);
      server.close(graceMs).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
