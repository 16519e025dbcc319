// The two reflection services, loaded from the official protos (field-for-field identical messages).

import { join } from 'node:path';
import { PROTO_DIR } from '../../paths.js';
import { loadProtoFiles, serviceDefinition, type ServiceDefinition } from '../../protocol/schema.js';

export const REFLECTION_V1_PROTO = join(PROTO_DIR, 'grpc', 'reflection', 'v1', 'reflection.proto');
export const REFLECTION_V1ALPHA_PROTO = join(PROTO_DIR, 'grpc', 'reflection', 'v1alpha', 'reflection.proto');
export const REFLECTION_V1_SERVICE = 'grpc.reflection.v1.ServerReflection';
export const REFLECTION_V1ALPHA_SERVICE = 'grpc.reflection.v1alpha.ServerReflection';

let cached: { v1: ServiceDefinition; v1alpha: ServiceDefinition } | undefined;

export function reflectionDefinitions(): { v1: ServiceDefinition; v1alpha: ServiceDefinition } {
  if (!cached) {
    const root = loadProtoFiles([REFLECTION_V1_PROTO, REFLECTION_V1ALPHA_PROTO]);
    cached = {
      v1: serviceDefinition(root, REFLECTION_V1_SERVICE),
      v1alpha: serviceDefinition(root, REFLECTION_V1ALPHA_SERVICE),
    };
  }
  return cached;
}
