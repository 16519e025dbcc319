// grpc.health.v1.Health, loaded from the official proto.

import { join } from 'node:path';
import { PROTO_DIR } from '../../paths.js';
import { loadProtoFiles, serviceDefinition, type ServiceDefinition } from '../../protocol/schema.js';

export const HEALTH_PROTO = join(PROTO_DIR, 'grpc', 'health', 'v1', 'health.proto');
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

let cached: ServiceDefinition | undefined;

export function healthDefinition(): ServiceDefinition {
  cached ??= serviceDefinition(loadProtoFiles(HEALTH_PROTO), HEALTH_SERVICE);
  return cached;
}
