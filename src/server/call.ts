// What a handler sees of its call (the handler shapes are in handlers.ts): the request's metadata
// and deadline, the messages both ways, and the response's metadata. The handler gets an object of
// its own, HandlerCall below; the engine behind it (call-engine.ts) is out of its reach.

import type { Duplex } from 'node:stream';
import type { SendOptions } from '../call/writer.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { Metadata } from '../protocol/metadata.js';
import type { ServerCallEngine } from './call-engine.js';

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

/**
 * @internal The call object a handler receives: ServerCall and nothing else. The engine sits in a
 * private field, so no plumbing is reachable from it at run time.
 */
export class HandlerCall<Req = unknown, Res = unknown> implements ServerCall<Req, Res> {
  readonly #engine: ServerCallEngine;

  constructor(engine: ServerCallEngine) {
    this.#engine = engine;
  }

  get method(): CallMethod {
    return this.#engine.method;
  }

  get metadata(): Metadata {
    return this.#engine.metadata;
  }

  get deadline(): number | undefined {
    return this.#engine.deadline;
  }

  get signal(): AbortSignal {
    return this.#engine.signal;
  }

  get peer(): string {
    return this.#engine.peer;
  }

  get ended(): boolean {
    return this.#engine.ended;
  }

  get cancelled(): boolean {
    return this.#engine.cancelled;
  }

  get responseHeaders(): Metadata {
    return this.#engine.responseHeaders;
  }

  get trailers(): Metadata {
    return this.#engine.trailers;
  }

  get compressResponses(): boolean {
    return this.#engine.compressResponses;
  }

  set compressResponses(compress: boolean) {
    this.#engine.compressResponses = compress;
  }

  get requestCompressed(): boolean {
    return this.#engine.requestCompressed;
  }

  sendHeaders(): void {
    this.#engine.sendHeaders();
  }

  send(message: Res, options?: SendOptions): Promise<void> {
    return this.#engine.send(message, options);
  }

  end(status?: GrpcError): void {
    this.#engine.end(status);
  }

  duplex(): Duplex {
    return this.#engine.duplex();
  }

  [Symbol.asyncIterator](): AsyncIterator<Req> {
    return this.#engine.messages() as AsyncIterator<Req>;
  }
}
