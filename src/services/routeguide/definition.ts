// The RouteGuide service definition, loaded from proto/route_guide.proto.

import { join } from 'node:path';
import { PROTO_DIR } from '../../paths.js';
import { loadProtoFiles, serviceDefinition, type ServiceDefinition } from '../../protocol/schema.js';

export const ROUTE_GUIDE_PROTO = join(PROTO_DIR, 'route_guide.proto');
export const ROUTE_GUIDE_SERVICE = 'routeguide.RouteGuide';

let cached: ServiceDefinition | undefined;

export function routeGuideDefinition(): ServiceDefinition {
  cached ??= serviceDefinition(loadProtoFiles(ROUTE_GUIDE_PROTO), ROUTE_GUIDE_SERVICE);
  return cached;
}
