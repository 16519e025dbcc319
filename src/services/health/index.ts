// The standard health service for any Server: `const health = addHealth(server)`.

import type { Server } from '../../server/server.js';
import { healthDefinition } from './definition.js';
import { HealthService } from './service.js';

export { healthDefinition, HEALTH_PROTO, HEALTH_SERVICE } from './definition.js';
export { HealthService, type ServingStatus } from './service.js';

export interface AddHealthOptions {
  /** Status of `""` (the whole server) and of every service registered so far. Default SERVING. */
  initialStatus?: 'SERVING' | 'NOT_SERVING';
}

/**
 * Registers grpc.health.v1.Health on `server`, with `""` and every service already registered set
 * to SERVING (register the health service last, or set the others with `health.setStatus`). On
 * `server.close()` every status turns NOT_SERVING before the server drains.
 */
export function addHealth(server: Server, options: AddHealthOptions = {}): HealthService {
  const health = new HealthService();
  server.addService(healthDefinition(), health.handlers);
  const initial = options.initialStatus ?? 'SERVING';
  health.setStatus('', initial);
  for (const name of server.serviceNames()) health.setStatus(name, initial);
  server.onShutdown(() => health.shutdown());
  return health;
}
