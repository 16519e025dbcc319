// Typed clients for any service definition: one method per RPC, named in lower camel case.
//
//   unary            await client.getFeature(point, options)
//   server-streaming for await (const f of client.listFeatures(rect, options))
//   client-streaming const c = client.recordRoute(); await c.send(p); await c.closeAndRecv()
//   bidi-streaming   const c = client.routeChat(); await c.send(n); c.closeSend(); for await (const n of c)
//
// Every kind is the same ClientCall underneath; these are views of it with the right arity.

import type { Metadata } from '../protocol/metadata.js';
import type { CallStatus } from '../protocol/response-status.js';
import type { MethodDefinition, ServiceDefinition } from '../protocol/schema.js';
import { ClientCall, type CallOptions, type SendOptions } from './call.js';
import type { Channel } from './channel.js';

/** What every call exposes besides its messages. */
export interface CallInfo {
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
  readonly status: Promise<CallStatus>;
  cancel(reason?: string): void;
}

export type UnaryCall<Res> = Promise<Res> & CallInfo;
export type ServerStreamCall<Res> = AsyncIterable<Res> & CallInfo;
export interface ClientStreamCall<Req, Res> extends CallInfo {
  send(message: Req, options?: SendOptions): Promise<void>;
  closeAndRecv(): Promise<Res>;
}
export interface BidiStreamCall<Req, Res> extends AsyncIterable<Res>, CallInfo {
  send(message: Req, options?: SendOptions): Promise<void>;
  closeSend(): void;
}

export type UnaryMethod<Req, Res> = (request: Req, options?: CallOptions) => UnaryCall<Res>;
export type ServerStreamingMethod<Req, Res> = (request: Req, options?: CallOptions) => ServerStreamCall<Res>;
export type ClientStreamingMethod<Req, Res> = (options?: CallOptions) => ClientStreamCall<Req, Res>;
export type BidiStreamingMethod<Req, Res> = (options?: CallOptions) => BidiStreamCall<Req, Res>;

export type GenericClient = Record<
  string,
  | UnaryMethod<any, any>
  | ServerStreamingMethod<any, any>
  | ClientStreamingMethod<any, any>
  | BidiStreamingMethod<any, any>
>;

function info(call: ClientCall): CallInfo {
  return {
    headers: call.headers,
    trailers: call.trailers,
    status: call.status,
    cancel: (reason) => call.cancel(reason),
  };
}

function methodFunction(channel: Channel, method: MethodDefinition) {
  if (!method.requestStream && !method.responseStream) {
    return (request: unknown, options?: CallOptions) => {
      const call = new ClientCall(channel, method, options);
      call.sendOnly(request);
      return Object.assign(call.response(), info(call));
    };
  }
  if (!method.requestStream) {
    return (request: unknown, options?: CallOptions) => {
      const call = new ClientCall(channel, method, options);
      call.sendOnly(request);
      return Object.assign({ [Symbol.asyncIterator]: () => call[Symbol.asyncIterator]() }, info(call));
    };
  }
  if (!method.responseStream) {
    return (options?: CallOptions) => {
      const call = new ClientCall(channel, method, options);
      return Object.assign(
        {
          send: (message: unknown, sendOptions?: SendOptions) => call.send(message, sendOptions),
          closeAndRecv: () => {
            call.closeSend();
            return call.response();
          },
        },
        info(call),
      );
    };
  }
  return (options?: CallOptions) => {
    const call = new ClientCall(channel, method, options);
    return Object.assign(
      {
        send: (message: unknown, sendOptions?: SendOptions) => call.send(message, sendOptions),
        closeSend: () => call.closeSend(),
        [Symbol.asyncIterator]: () => call[Symbol.asyncIterator](),
      },
      info(call),
    );
  };
}

/** A client with one method per RPC of `service`, all calling through `channel`. */
export function createClient<T = GenericClient>(service: ServiceDefinition, channel: Channel): T {
  const client: Record<string, unknown> = {};
  for (const method of service.methods) client[method.localName] = methodFunction(channel, method);
  return client as T;
}
