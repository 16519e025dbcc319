// Server reflection for any Server: `addReflection(server)` registers grpc.reflection.v1 and v1alpha.

import type { Server } from '../../server/server.js';
import { reflectionDefinitions } from './definition.js';
import { reflectionHandler, ReflectionResponder } from './service.js';

export { reflectionDefinitions, REFLECTION_V1_SERVICE, REFLECTION_V1ALPHA_SERVICE } from './definition.js';
export { DescriptorPool, type DescriptorFile } from './file-descriptors.js';
export { ReflectionResponder, type ReflectionRequest } from './service.js';
export {
  ReflectionClient,
  listServices,
  fileDescriptors,
  resolveSymbol,
  rootFromDescriptors,
  exchangeOver,
  type ReflectionExchange,
  type ReflectionResponse,
  type ResolvedSchema,
} from './client.js';

/**
 * Registers both reflection services (grpcurl tries v1, then falls back to v1alpha). They describe
 * every service registered on `server`, before or after this call, themselves included.
 */
export function addReflection(server: Server): ReflectionResponder {
  const responder = new ReflectionResponder(server);
  const { v1, v1alpha } = reflectionDefinitions();
  const handler = reflectionHandler(responder);
  server.addService(v1, { ServerReflectionInfo: handler });
  server.addService(v1alpha, { ServerReflectionInfo: handler });
  return responder;
}
