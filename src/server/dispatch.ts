// Runs a handler over a call: the four RPC kinds as one code path that differs only in arity.
//
// Plain functions and callbacks rather than an async function: a unary call whose handler returns
// its answer synchronously runs start to finish without allocating a promise (speed: part of what
// took a unary call from ~12.5 to ~10.5 KB allocated, docs/benchmarks.md: (a)).

import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { ServerCallEngine } from './call-engine.js';
import type { ServerCall } from './call.js';
import type { AnyHandler } from './handlers.js';

export type HandlerErrorHook = (error: unknown, path: string) => void;

/** A handler as dispatch calls it: (request, call) or (call), by the method's definition. */
type Invoke = (requestOrCall: unknown, call?: ServerCall) => unknown;

/** Calls the handler — with the call alone when requests stream, else with the one request — and ends the call with its outcome. */
export function invokeHandler(
  call: ServerCallEngine,
  handler: AnyHandler,
  request: unknown,
  onHandlerError: HandlerErrorHook,
): void {
  let result: unknown;
  try {
    const invoke = handler as Invoke;
    result = call.method.requestStream ? invoke(call) : invoke(request, call);
  } catch (error) {
    return failed(call, error, onHandlerError);
  }
  if (isThenable(result)) {
    result.then(
      (value) => returned(call, value, onHandlerError),
      (error) => failed(call, error, onHandlerError),
    );
  } else {
    returned(call, result, onHandlerError);
  }
}

/** The handler returned: a unary response goes out with OK; a stream ends with OK once its sends are written. */
function returned(call: ServerCallEngine, result: unknown, onHandlerError: HandlerErrorHook): void {
  if (call.ended) return;
  const { method } = call;
  if (method.responseStream) {
    call.flush().then(
      () => call.end(),
      () => {}, // the call ended while sending: its status is already out
    );
    return;
  }
  if (result === undefined || result === null) {
    const missing = new GrpcError(Status.INTERNAL, `${method.path}: the handler returned no response message`);
    return failed(call, missing, onHandlerError);
  }
  const unsendable = call.sendLast(result);
  if (unsendable) failed(call, unsendable, onHandlerError);
}

/** The handler threw. A non-GrpcError is its bug: the peer gets UNKNOWN and a generic message, no stack trace. */
function failed(call: ServerCallEngine, error: unknown, onHandlerError: HandlerErrorHook): void {
  if (call.ended) return;
  if (!(error instanceof GrpcError)) onHandlerError(error, call.method.path);
  call.end(GrpcError.from(error, `unexpected error in the handler for ${call.method.path}`));
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
