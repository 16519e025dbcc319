// Runs a handler over a call: the four RPC kinds as one code path that differs only in arity.

import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { ServerCall } from './call.js';
import type { AnyHandler } from './handlers.js';

export async function runHandler(
  call: ServerCall,
  handler: AnyHandler,
  onHandlerError: (error: unknown, path: string) => void,
): Promise<void> {
  const { method } = call;
  try {
    // Streaming requests hand the call itself to the handler; the others first read their one message.
    const result = method.requestStream
      ? await (handler as (call: ServerCall) => unknown)(call)
      : await (handler as (request: unknown, call: ServerCall) => unknown)(await call.receiveOne(), call);
    if (call.cancelled) return;
    if (!method.responseStream) {
      if (result === undefined || result === null) {
        throw new GrpcError(Status.INTERNAL, `${method.path}: the handler returned no response message`);
      }
      return call.sendLast(result);
    }
    await call.flush();
    call.end();
  } catch (error) {
    if (call.cancelled) return;
    if (!(error instanceof GrpcError)) onHandlerError(error, method.path);
    // A non-GrpcError is the handler's bug: the peer gets UNKNOWN and a generic message, no stack trace.
    call.end(GrpcError.from(error, `unexpected error in the handler for ${method.path}`));
  }
}
