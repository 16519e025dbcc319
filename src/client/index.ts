export { Channel, type ChannelOptions, type TlsOptions } from './channel.js';
export { ClientCall, type CallOptions, type SendOptions } from './call.js';
export {
  createClient,
  type GenericClient,
  type CallInfo,
  type UnaryCall,
  type ServerStreamCall,
  type ClientStreamCall,
  type BidiStreamCall,
  type UnaryMethod,
  type ServerStreamingMethod,
  type ClientStreamingMethod,
  type BidiStreamingMethod,
} from './client.js';
export { GrpcError } from '../protocol/grpc-error.js';
export { Metadata } from '../protocol/metadata.js';
export { Status, statusName } from '../protocol/status.js';
