// What a handler sees of its call (the handler shapes are in handlers.ts): the request's metadata
// and deadline, the messages both ways, and the response's metadata. The engine behind it
// (call-engine.ts) keeps everything else to itself.

import type { Duplex } from 'node:stream';
import type { SendOptions } from '../call/writer.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { Metadata } from '../protocol/metadata.js';

export type { SendOptions };

/** Which method a call is for. */
export interface CallMethod {
  /** `/routeguide.RouteGuide/RouteChat` */
  readonly path: string;
  /** `RouteChat` */
  readonly name: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

export interface ServerCall<Req = unknown, Res = unknown> extends AsyncIterable<Req> {
  readonly method: CallMethod;
  /** Request metadata: the custom headers (reserved headers are not included). */
  readonly metadata: Metadata;
  /** Absolute deadline (ms since the epoch, like Date.now()), if the client set one. */
  readonly deadline: number | undefined;
  /** Aborted when the call ends other than by the handler's own success: cancellation, deadline, connection loss, an error status. */
  readonly signal: AbortSignal;
  /** The client's address, `ip:port`. */
  readonly peer: string;
  /** True once the call has ended, however it ended. */
  readonly ended: boolean;
  /** True when the call ended without completing: the client cancelled, the deadline passed or the connection was lost. */
  readonly cancelled: boolean;
  /** Metadata to send with the response headers; editable until the first message or `sendHeaders()`. */
  readonly responseHeaders: Metadata;
  /** Metadata to send with the trailers; editable until the call ends. */
  readonly trailers: Metadata;
  /** Whether response messages are compressed (when the client accepts the encoding) unless a `send()` says otherwise. */
  compressResponses: boolean;
  /** Whether the request message most recently received was compressed (its Compressed-Flag). */
  readonly requestCompressed: boolean;

  /** Sends the response headers now; otherwise they go with the first message. */
  sendHeaders(): void;
  /** Sends one response message; resolves when the stream takes more (HTTP/2 flow control). */
  send(message: Res, options?: SendOptions): Promise<void>;
  /** Ends the call now with OK, or with `status`; the handler's later return changes nothing. */
  end(status?: GrpcError): void;
  /**
   * The call as a node:stream Duplex in object mode (duplex.ts): requests to read, responses to
   * write. For streaming calls; one per call.
   */
  duplex(): Duplex;
}
