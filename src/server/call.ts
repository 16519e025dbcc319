// The per-call engine of the server: one HTTP/2 stream becomes one call.
//
//   HEADERS in → messages both ways → Trailers (or Trailers-Only) out → status.
//
// All four RPC kinds use this one class; dispatch.ts decides how many messages the handler gets.

import { constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { MessageReader } from '../call/reader.js';
import { MessageWriter, frameMessage, rejectedSend } from '../call/writer.js';
import { parseMessage } from '../call/message-codec.js';
import { outgoingEncoding, ACCEPT_ENCODING, type Encoding } from '../protocol/compression.js';
import { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_GRPC_STATUS,
  HEADER_STATUS,
} from '../protocol/headers.js';
import { Metadata } from '../protocol/metadata.js';
import type { MethodDefinition } from '../protocol/schema.js';
import { Status } from '../protocol/status.js';
import { CONTENT_TYPE_GRPC, CONTENT_TYPE_GRPC_PROTO } from '../protocol/content-type.js';
import { invokeHandler, type HandlerErrorHook } from './dispatch.js';
import { closeAfterTrailers, respondTrailersOnly, RESPOND_WITH_TRAILERS, statusTrailers } from './early-response.js';
import type { AnyHandler } from './handlers.js';
import type { CallList } from './call-list.js';

const CALL_ENDED = new GrpcError(Status.CANCELLED, 'call already ended');

type Headers = Record<string, string | string[] | number>;

/** The response headers of most calls (no metadata, nothing compressed): shared, one per content-type. */
const PLAIN_RESPONSE_HEADERS: Record<string, Headers> = {
  [CONTENT_TYPE_GRPC]: Object.freeze({ [HEADER_STATUS]: 200, [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC }),
  [CONTENT_TYPE_GRPC_PROTO]: Object.freeze({ [HEADER_STATUS]: 200, [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC_PROTO }),
};

// The stream's listeners are shared functions that find their call through a symbol on the stream:
// no closures per call.
const kCall = Symbol('ServerCall');
type CallStream = ServerHttp2Stream & { [kCall]: { onStreamClose(): void; onWantTrailers(): void } };

function onStreamClose(this: CallStream): void {
  this[kCall].onStreamClose();
}

function onWantTrailers(this: CallStream): void {
  this[kCall].onWantTrailers();
}

export interface ServerCallInit {
  stream: ServerHttp2Stream;
  method: MethodDefinition;
  /** The request headers; custom metadata is read from them on first use (already validated). */
  headers: IncomingHttpHeaders;
  contentType: string;
  /** Milliseconds until the deadline, from grpc-timeout; undefined for none. */
  timeoutMs: number | undefined;
  maxReceiveMessageSize: number;
  maxSendMessageSize: number;
  /** grpc-encoding of the request messages. */
  requestEncoding: Encoding;
  /** What the client accepts: its grpc-accept-encoding header. */
  acceptEncoding: string | string[] | undefined;
  /** Compress every response message with this encoding when the client accepts it. */
  compression?: Encoding;
  /** The server's calls in flight: the call is in the list until its stream closes. */
  registry?: CallList<ServerCall>;
}

export interface SendOptions {
  /** Compress this message (default: the server's `compression` option). */
  compress?: boolean;
}

export class ServerCall<Req = any, Res = any> implements AsyncIterable<Req> {
  /** The method being called. */
  readonly method: MethodDefinition<Req, Res>;
  /** Absolute deadline (ms since epoch, like Date.now()), if the client set one. */
  readonly deadline: number | undefined;

  private readonly stream: ServerHttp2Stream;
  private readonly requestHeaders: IncomingHttpHeaders;
  private readonly contentType: string;
  private readonly requestEncoding: Encoding;
  private readonly maxReceiveMessageSize: number;
  // Allocated on first use: most calls never touch them.
  private requestMetadata: Metadata | undefined;
  private headerMetadata: Metadata | undefined;
  private trailerMetadata: Metadata | undefined;
  private readonly reader: MessageReader<Req>;
  // Created by the first send(): a unary response is framed and written without one.
  private writer: MessageWriter<Res> | undefined;
  private readonly maxSendMessageSize: number;
  /** grpc-encoding of compressed response messages; identity when none may be compressed. */
  private readonly responseEncoding: Encoding = 'identity';
  private compressByDefault: boolean;
  /** How the call ended, once it has (undefined while it runs): pending and later sends reject with it. */
  private closedWith: GrpcError | undefined;
  private controller: AbortController | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private headersSent = false;
  private pendingTrailers: Record<string, string | string[]> | undefined;
  private readonly registry: CallList<ServerCall> | undefined;
  /** Links in the registry (call-list.ts). */
  listPrev: ServerCall | undefined;
  listNext: ServerCall | undefined;
  // Set by start(): run when the one request of a unary or server-streaming call has arrived.
  private handler: AnyHandler | undefined;
  private onHandlerError: HandlerErrorHook | undefined;

  constructor(init: ServerCallInit) {
    this.stream = init.stream;
    this.method = init.method;
    this.requestHeaders = init.headers;
    this.contentType = init.contentType;
    const { requestEncoding, maxReceiveMessageSize } = init;
    this.requestEncoding = requestEncoding;
    this.maxReceiveMessageSize = maxReceiveMessageSize;
    this.reader = new MessageReader<Req>(init.stream, this, maxReceiveMessageSize);
    this.maxSendMessageSize = init.maxSendMessageSize;
    // Responses use the request's algorithm if it compressed, else the server's choice, else gzip —
    // but only one the client accepts. Messages are compressed only when asked (compression.md:
    // absent configuration, data MUST NOT be compressed).
    if (init.acceptEncoding !== undefined) {
      const preferred = requestEncoding !== 'identity' ? requestEncoding : (init.compression ?? 'gzip');
      this.responseEncoding = outgoingEncoding(preferred, init.acceptEncoding);
    }
    this.compressByDefault = init.compression !== undefined && init.compression !== 'identity';
    this.registry = init.registry;
    this.registry?.add(this);
    (init.stream as CallStream)[kCall] = this;
    init.stream.on('close', onStreamClose); // (the server already listens for 'error')
    if (init.timeoutMs !== undefined) {
      this.deadline = Date.now() + init.timeoutMs;
      // A deadline already passed expires now, synchronously (grpc-node#1636: never let it slip through).
      if (init.timeoutMs <= 0) this.expire();
      else this.deadlineTimer = setTimeout(() => this.expire(), init.timeoutMs);
    }
  }

  /** Request metadata (custom headers; reserved headers are not included). */
  get metadata(): Metadata {
    if (!this.requestMetadata) {
      const parsed = Metadata.fromHeaders(this.requestHeaders);
      // The server checked -bin values before the call began, so parsing cannot fail here.
      this.requestMetadata = typeof parsed === 'string' ? new Metadata() : parsed;
    }
    return this.requestMetadata;
  }

  /** Metadata to send with the response headers; editable until the first message or `sendHeaders()`. */
  get responseHeaders(): Metadata {
    return (this.headerMetadata ??= new Metadata());
  }

  /** Metadata to send with the trailers; editable until the call ends. */
  get trailers(): Metadata {
    return (this.trailerMetadata ??= new Metadata());
  }

  /** MessageReader owner: one request body → a request message (decompressed, size-checked, decoded). */
  parse(body: Buffer, compressed: boolean): Req {
    return parseMessage(
      body,
      compressed,
      this.requestEncoding,
      this.maxReceiveMessageSize,
      this.method.deserializeRequest,
    );
  }

  /** MessageReader owner: the request stream is broken (framing, size, decoding) — end with its status. */
  readFailed(error: GrpcError): void {
    this.end(error);
  }

  /** Aborted when the client cancels, the deadline passes, or the connection dies. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /** True once the call has ended, for any reason. */
  get cancelled(): boolean {
    return this.closedWith !== undefined;
  }

  /** The HTTP/2 connection this call runs on. */
  get session(): Http2Session | undefined {
    return this.stream.session;
  }

  /** The client's address, `ip:port`. */
  get peer(): string {
    const socket = this.stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
  }

  [Symbol.asyncIterator](): AsyncIterator<Req> {
    return this.reader;
  }

  /**
   * Whether response messages are compressed (with the negotiated encoding, if the client accepts
   * one) unless a `send()` says otherwise. Default: the server's `compression` option.
   */
  get compressResponses(): boolean {
    return this.compressByDefault;
  }

  set compressResponses(on: boolean) {
    this.compressByDefault = on;
  }

  /** Whether the most recently received request message was compressed (its Compressed-Flag). */
  get requestCompressed(): boolean {
    return this.reader.lastCompressed;
  }

  /**
   * Runs `handler` (dispatch.ts): at once with the call when requests stream, else once the single
   * request message has arrived and the client has half-closed.
   */
  start(handler: AnyHandler, onHandlerError: HandlerErrorHook): void {
    if (this.method.requestStream) return invokeHandler(this, handler, undefined, onHandlerError);
    this.handler = handler;
    this.onHandlerError = onHandlerError;
    this.reader.expectSingle(this.method.path);
  }

  /** MessageReader owner: the one request message (after end of stream). */
  received(request: Req): void {
    if (this.cancelled) return;
    invokeHandler(this, this.handler!, request, this.onHandlerError!);
  }

  /** Sends the response headers now (with `responseHeaders`); otherwise they go with the first message. */
  sendHeaders(): void {
    if (this.headersSent || this.cancelled) return;
    this.headersSent = true;
    let headers = PLAIN_RESPONSE_HEADERS[this.contentType];
    if (this.requestEncoding !== 'identity' || this.responseEncoding !== 'identity' || this.headerMetadata?.size) {
      headers = { ...headers };
      // compression.md: say what we decode when the client compresses, and which encoding we send.
      if (this.requestEncoding !== 'identity') headers[HEADER_ACCEPT_ENCODING] = ACCEPT_ENCODING;
      if (this.responseEncoding !== 'identity') headers[HEADER_ENCODING] = this.responseEncoding;
      this.headerMetadata?.writeTo(headers as Record<string, string | string[]>);
    }
    this.stream.respond(headers, RESPOND_WITH_TRAILERS);
    this.stream.on('wantTrailers', onWantTrailers); // emitted once per stream
  }

  /** Sends one response message; resolves when the stream accepts more (HTTP/2 flow control). */
  send(message: Res, options?: SendOptions): Promise<void> {
    if (this.closedWith) return rejectedSend(this.closedWith);
    const writer = this.responseWriter();
    let frame: Buffer;
    try {
      frame = writer.frame(message, options?.compress ?? this.compressByDefault);
    } catch (e) {
      return rejectedSend(e);
    }
    this.sendHeaders();
    return writer.writeFramed(frame);
  }

  /**
   * Sends the one response of a unary or client-streaming call and ends with OK — one write that
   * carries the message and END_STREAM, followed by the trailers.
   */
  sendLast(message: Res, options?: SendOptions): void {
    if (this.cancelled) return;
    // Throws a GrpcError if it cannot.
    const frame = frameMessage(
      this.method.responseEncoder,
      message,
      options?.compress ?? this.compressByDefault,
      this.responseEncoding,
      this.maxSendMessageSize,
    );
    this.sendHeaders();
    this.clearDeadline();
    this.closedWith = CALL_ENDED;
    this.writer?.close(CALL_ENDED);
    this.reader.fail(CALL_ENDED);
    this.pendingTrailers = statusTrailers(undefined, this.trailerMetadata);
    this.stream.end(frame);
  }

  /** Resolves when every message sent so far has been handed to the stream. */
  flush(): Promise<void> {
    return this.writer ? this.writer.flushed() : Promise.resolve();
  }

  /**
   * Ends the call with `status` (a GrpcError, or undefined for OK). Sends Trailers, or Trailers-Only
   * when nothing was sent yet. Idempotent: the first end wins.
   */
  end(status?: GrpcError): void {
    if (this.cancelled) return;
    this.clearDeadline();
    const closed = status ?? CALL_ENDED;
    this.closedWith = closed;
    if (status) this.abort(status);
    this.writer?.close(closed);
    this.reader.fail(closed);
    if (this.stream.destroyed || this.stream.closed) return;
    if (!this.headersSent) {
      this.headersSent = true;
      respondTrailersOnly(
        this.stream,
        this.contentType,
        statusTrailers(status, this.trailerMetadata, this.headerMetadata),
      );
      return;
    }
    this.pendingTrailers = statusTrailers(status, this.trailerMetadata);
    this.stream.end();
  }

  /** The stream's 'wantTrailers' listener lands here: the last DATA is out, trailers go next. */
  onWantTrailers(): void {
    const trailers = this.pendingTrailers ?? { [HEADER_GRPC_STATUS]: String(Status.OK) };
    this.stream.sendTrailers(trailers);
    closeAfterTrailers(this.stream);
  }

  private responseWriter(): MessageWriter<Res> {
    if (!this.writer) {
      this.writer = new MessageWriter<Res>(this.stream, this.method.responseEncoder, this.maxSendMessageSize);
      this.writer.encoding = this.responseEncoding;
    }
    return this.writer;
  }

  private expire(): void {
    this.deadlineTimer = undefined;
    this.end(new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  /**
   * The stream's 'close' listener lands here. If the call had not ended, the client cancelled
   * (RST_STREAM) or the connection died.
   */
  onStreamClose(): void {
    this.registry?.delete(this); // (the stream closes once)
    if (this.cancelled) return;
    const rst = this.stream.rstCode;
    const reason =
      rst === constants.NGHTTP2_CANCEL || rst === constants.NGHTTP2_NO_ERROR
        ? 'call cancelled by the client'
        : `stream reset by the client (HTTP/2 code ${rst})`;
    const error = new GrpcError(Status.CANCELLED, reason);
    this.closedWith = error;
    this.clearDeadline();
    this.abort(error);
    this.writer?.close(error);
    this.reader.fail(error);
  }

  private abort(reason: GrpcError): void {
    this.controller ??= new AbortController();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  private clearDeadline(): void {
    if (this.deadlineTimer) {
      clearTimeout(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }
}
