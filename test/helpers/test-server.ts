// Starts our Server on 127.0.0.1:0 with RouteGuide over the canonical DB, plus the test-only
// testsvc.Probe service when the test supplies handlers for it.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProtoFiles, serviceDefinition, type ServiceDefinition } from '../../src/protocol/schema.js';
import type { ServiceHandlers } from '../../src/server/handlers.js';
import type { ServerOptions } from '../../src/server/options.js';
import { Server } from '../../src/server/server.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';

export const TESTSVC_PROTO = join(fileURLToPath(new URL('../fixtures/', import.meta.url)), 'testsvc.proto');
export const PROBE_SERVICE = 'testsvc.Probe';

let probe: ServiceDefinition | undefined;
export function probeDefinition(): ServiceDefinition {
  probe ??= serviceDefinition(loadProtoFiles(TESTSVC_PROTO), PROBE_SERVICE);
  return probe;
}

export interface TestServer {
  port: number;
  server: Server;
  close: () => Promise<void>;
}

export interface TestServerOptions extends ServerOptions {
  /** Handlers for testsvc.Probe; the service is registered only when given. */
  probe?: ServiceHandlers;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { probe: probeHandlers, ...serverOptions } = options;
  const server = new Server({ onHandlerError: () => {}, ...serverOptions });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  if (probeHandlers) server.addService(probeDefinition(), probeHandlers);
  const { port } = await server.listen(0, '127.0.0.1');
  return { port, server, close: () => server.close(0) };
}
