// Typed clients for any service definition: one method per RPC, named in lower camel case, each
// returning the view of call.ts that fits its kind. Every kind is the same engine underneath
// (call-engine.ts); the views show only what a caller should touch.

import type { MethodDefinition, ServiceDefinition } from '../protocol/schema.js';
import type {
  BidiStreamCall,
  CallInfo,
  CallOptions,
  ClientStreamCall,
  SendOptions,
  ServerStreamCall,
  UnaryCall,
} from './call.js';
import { ClientCallEngine } from './call-engine.js';
import type { Channel } from './channel.js';

export type UnaryMethod<Req, Res> = (request: Req, options?: CallOptions) => UnaryCall<Res>;
export type ServerStreamingMethod<Req, Res> = (request: Req, options?: CallOptions) => ServerStreamCall<Res>;
export type ClientStreamingMethod<Req, Res> = (options?: CallOptions) => ClientStreamCall<Req, Res>;
export type BidiStreamingMethod<Req, Res> = (options?: CallOptions) => BidiStreamCall<Req, Res>;

/** A client whose methods are not typed (message types known only at run time). */
export type GenericClient = Record<
  string,
  | UnaryMethod<unknown, unknown>
  | ServerStreamingMethod<unknown, unknown>
  | ClientStreamingMethod<unknown, unknown>
  | BidiStreamingMethod<unknown, unknown>
>;

function info(call: ClientCallEngine): CallInfo {
  return {
    headers: call.headers,
    trailers: call.trailers,
    status: call.status,
    cancel: (reason) => call.cancel(reason),
  };
}

function methodFunction(channel: Channel, method: MethodDefinition): (...args: never[]) => unknown {
  if (!method.requestStream && !method.responseStream) {
    return (request: unknown, options?: CallOptions): UnaryCall<unknown> => {
      const call = new ClientCallEngine(channel, method, options);
      call.sendOnly(request);
      return Object.assign(call.response(), info(call));
    };
  }
  if (!method.requestStream) {
    return (request: unknown, options?: CallOptions): ServerStreamCall<unknown> => {
      const call = new ClientCallEngine(channel, method, options);
      call.sendOnly(request);
      return { [Symbol.asyncIterator]: () => call[Symbol.asyncIterator](), ...info(call) };
    };
  }
  if (!method.responseStream) {
    return (options?: CallOptions): ClientStreamCall<unknown, unknown> => {
      const call = new ClientCallEngine(channel, method, options);
      return {
        send: (message: unknown, sendOptions?: SendOptions) => call.send(message, sendOptions),
        closeAndRecv: () => {
          call.closeSend();
          return call.response();
        },
        ...info(call),
      };
    };
  }
  return (options?: CallOptions): BidiStreamCall<unknown, unknown> => {
    const call = new ClientCallEngine(channel, method, options);
    return {
      send: (message: unknown, sendOptions?: SendOptions) => call.send(message, sendOptions),
      closeSend: () => call.closeSend(),
      duplex: () => call.duplex(),
      [Symbol.asyncIterator]: () => call[Symbol.asyncIterator](),
      ...info(call),
    };
  };
}

/** A client with one method per RPC of `service`, all calling through `channel`. */
export function createClient<T = GenericClient>(service: ServiceDefinition, channel: Channel): T {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) client[method.localName] = methodFunction(channel, method);
  return client as T;
}
