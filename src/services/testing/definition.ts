// The interop service definitions, loaded from proto/grpc/testing/test.proto.

import { join } from 'node:path';
import { PROTO_DIR } from '../../paths.js';
import { loadProtoFiles, serviceDefinition, type ServiceDefinition } from '../../protocol/schema.js';

export const TEST_PROTO = join(PROTO_DIR, 'grpc', 'testing', 'test.proto');
export const TEST_SERVICE = 'grpc.testing.TestService';
export const UNIMPLEMENTED_SERVICE = 'grpc.testing.UnimplementedService';

let root: ReturnType<typeof loadProtoFiles> | undefined;
const cached = new Map<string, ServiceDefinition>();

function definition(name: string): ServiceDefinition {
  root ??= loadProtoFiles(TEST_PROTO, [PROTO_DIR]);
  let def = cached.get(name);
  if (!def) cached.set(name, (def = serviceDefinition(root, name)));
  return def;
}

/** grpc.testing.TestService */
export function testServiceDefinition(): ServiceDefinition {
  return definition(TEST_SERVICE);
}

/** grpc.testing.UnimplementedService: no server implements it (unimplemented_service). */
export function unimplementedServiceDefinition(): ServiceDefinition {
  return definition(UNIMPLEMENTED_SERVICE);
}
