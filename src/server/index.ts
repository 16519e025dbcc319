// `routeguide-h2/server`: a gRPC server on node:http2, and what a handler needs.

export { Server } from './server.js';
export type { ServerOptions } from './options.js';
export type { ServerKeepaliveOptions } from './keepalive.js';
export type { ServerTlsOptions } from './tls.js';
export type { ServerCall, CallMethod, SendOptions } from './call.js';
export type {
  UnaryHandler,
  ServerStreamingHandler,
  ClientStreamingHandler,
  BidiStreamingHandler,
  ServiceHandlers,
} from './handlers.js';
export {
  loadProtoFiles,
  serviceDefinition,
  type ServiceDefinition,
  type MethodDefinition,
} from '../protocol/schema.js';
export { GrpcError } from '../protocol/grpc-error.js';
export { Metadata, type MetadataValue } from '../protocol/metadata.js';
export { Status, statusName, type StatusCode } from '../protocol/status.js';
export type { Encoding } from '../protocol/compression.js';
