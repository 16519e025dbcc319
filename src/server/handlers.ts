// The handler shapes an application implements. The four RPC kinds differ only in arity:
//
//   unary            (request, call) => response
//   server-streaming (request, call) => void         — sends with `await call.send(m)`
//   client-streaming (call) => response              — receives with `for await (const m of call)`
//   bidi-streaming   (call) => void                  — both
//
// Returning ends the call with OK; throwing a GrpcError ends it with that status; throwing anything
// else ends it with UNKNOWN and a generic message.

import type { ServerCall } from './call.js';

type MaybePromise<T> = T | Promise<T>;

export type UnaryHandler<Req, Res> = (request: Req, call: ServerCall<Req, Res>) => MaybePromise<Res>;
export type ServerStreamingHandler<Req, Res> = (request: Req, call: ServerCall<Req, Res>) => MaybePromise<void>;
export type ClientStreamingHandler<Req, Res> = (call: ServerCall<Req, Res>) => MaybePromise<Res>;
export type BidiStreamingHandler<Req, Res> = (call: ServerCall<Req, Res>) => MaybePromise<void>;

/** Any handler, as the router holds them: the method's definition says which shape it has. */
export type RequestHandler = (request: never, call: ServerCall<never, never>) => unknown;
export type CallHandler = (call: ServerCall<never, never>) => unknown;
export type AnyHandler = RequestHandler | CallHandler;

/** A handler object for a service: method name (as in the .proto, or lower camel case) → handler. */
export type ServiceHandlers = Record<string, AnyHandler>;
