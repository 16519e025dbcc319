// `routeguide-h2`: the gRPC wire protocol by hand on node:http2. The server and the client, with the
// pieces both use; `routeguide-h2/server`, `/client` and `/services` hold the rest.

export { Server, type ServerOptions, type ServerCall, type ServiceHandlers } from './server/index.js';
export {
  Channel,
  createClient,
  type ChannelOptions,
  type CallOptions,
  type CallStatus,
  type UnaryCall,
  type ServerStreamCall,
  type ClientStreamCall,
  type BidiStreamCall,
} from './client/index.js';
export { loadProtoFiles, serviceDefinition, type ServiceDefinition, type MethodDefinition } from './protocol/schema.js';
export { GrpcError } from './protocol/grpc-error.js';
export { Metadata, type MetadataValue } from './protocol/metadata.js';
export { Status, statusName, type StatusCode } from './protocol/status.js';
export type { SendOptions } from './call/writer.js';
export type { Encoding } from './protocol/compression.js';
