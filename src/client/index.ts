// `routeguide-h2/client`: a gRPC client on node:http2 — a Channel (one connection) and typed
// clients made from service definitions.

export { Channel, type ChannelOptions, type TlsOptions } from './channel.js';
export type { ClientKeepaliveOptions } from './keepalive.js';
export type {
  CallOptions,
  CallStatus,
  CallInfo,
  SendOptions,
  UnaryCall,
  ServerStreamCall,
  ClientStreamCall,
  BidiStreamCall,
} from './call.js';
export {
  createClient,
  type GenericClient,
  type UnaryMethod,
  type ServerStreamingMethod,
  type ClientStreamingMethod,
  type BidiStreamingMethod,
} from './client.js';
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
