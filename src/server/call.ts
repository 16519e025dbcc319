// The per-call engine of the server: one HTTP/2 stream becomes one call.
//
//   HEADERS in → messages both ways → Trailers (or Trailers-Only) out → status.
//
// All four RPC kinds use this one class; dispatch.ts decides how many messages the handler gets.

import { constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { MessageReader } from '../call/reader.js';
import { MessageWriter } from '../call/writer.js';
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
import { closeAfterTrailers, respondTrailersOnly, statusTrailers } from './early-response.js';

const CALL_ENDED = new GrpcError(Status.CANCELLED, 'call already ended');
const RESPOND_WITH_TRAILERS = Object.freeze({ waitForTrailers: true });

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
  /** The server's set of calls in flight: the call is in it until its stream closes. */
  registry?: Set<ServerCall>;
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
  private readonly writer: MessageWriter<Res>;
  private controller: AbortController | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private headersSent = false;
  private finished = false;
  private pendingTrailers: Record<string, string | string[]> | undefined;
  private readonly registry: Set<ServerCall> | undefined;

  constructor(init: ServerCallInit) {
    this.stream = init.stream;
    this.method = init.method;
    this.requestHeaders = init.headers;
    this.contentType = init.contentType;
    const { requestEncoding, maxReceiveMessageSize } = init;
    this.requestEncoding = requestEncoding;
    this.maxReceiveMessageSize = maxReceiveMessageSize;
    this.reader = new MessageReader<Req>(init.stream, this, maxReceiveMessageSize);
    this.writer = new MessageWriter<Res>(
      init.stream,
      init.method.responseEncoder,
      init.maxSendMessageSize,
    );
    // Responses use the request's algorithm if it compressed, else the server's choice, else gzip —
    // but only one the client accepts. Messages are compressed only when asked (compression.md:
    // absent configuration, data MUST NOT be compressed).
    if (init.acceptEncoding !== undefined) {
      const preferred = requestEncoding !== 'identity' ? requestEncoding : (init.compression ?? 'gzip');
      this.writer.encoding = outgoingEncoding(preferred, init.acceptEncoding);
    }
    this.writer.compressByDefault = init.compression !== undefined && init.compression !== 'identity';
    this.registry = init.registry;
    this.registry?.add(this);
    init.stream.on('close', this.onClose); // (the server already listens for 'error')
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
    return parseMessage(body, compressed, this.requestEncoding, this.maxReceiveMessageSize, this.method.deserializeRequest);
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
    return this.finished;
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
    return this.writer.compressByDefault;
  }

  set compressResponses(on: boolean) {
    this.writer.compressByDefault = on;
  }

  /** Whether the most recently received request message was compressed (its Compressed-Flag). */
  get requestCompressed(): boolean {
    return this.reader.lastCompressed;
  }

  /** Reads the single request message of a unary or server-streaming call. */
  receiveOne(): Promise<Req> {
    return this.reader.single(this.method.path);
  }

  /** Sends the response headers now (with `responseHeaders`); otherwise they go with the first message. */
  sendHeaders(): void {
    if (this.headersSent || this.finished) return;
    this.headersSent = true;
    const headers: Record<string, string | string[] | number> = {
      [HEADER_STATUS]: 200,
      [HEADER_CONTENT_TYPE]: this.contentType,
    };
    // compression.md: say what we decode when the client compresses, and which encoding we send.
    if (this.requestEncoding !== 'identity') headers[HEADER_ACCEPT_ENCODING] = ACCEPT_ENCODING;
    if (this.writer.encoding !== 'identity') headers[HEADER_ENCODING] = this.writer.encoding;
    this.headerMetadata?.writeTo(headers as Record<string, string | string[]>);
    this.stream.respond(headers, RESPOND_WITH_TRAILERS);
    this.stream.on('wantTrailers', this.onWantTrailers); // emitted once per stream
  }

  /** Sends one response message; resolves when the stream accepts more (HTTP/2 flow control). */
  send(message: Res, options?: SendOptions): Promise<void> {
    if (this.finished) return this.writer.write(message); // rejects with the call's status
    let frame: Buffer;
    try {
      frame = this.writer.frame(message, options?.compress);
    } catch (e) {
      return Promise.reject(e);
    }
    this.sendHeaders();
    return this.writer.writeFramed(frame);
  }

  /**
   * Sends the one response of a unary or client-streaming call and ends with OK — one write that
   * carries the message and END_STREAM, followed by the trailers.
   */
  sendLast(message: Res, options?: SendOptions): void {
    if (this.finished) return;
    const frame = this.writer.frame(message, options?.compress); // throws a GrpcError if it cannot
    this.sendHeaders();
    this.finished = true;
    this.clearDeadline();
    this.writer.close(CALL_ENDED);
    this.reader.fail(CALL_ENDED);
    this.pendingTrailers = statusTrailers(undefined, this.trailerMetadata);
    this.stream.end(frame);
  }

  /** Resolves when every message sent so far has been handed to the stream. */
  flush(): Promise<void> {
    return this.writer.flushed();
  }

  /**
   * Ends the call with `status` (a GrpcError, or undefined for OK). Sends Trailers, or Trailers-Only
   * when nothing was sent yet. Idempotent: the first end wins.
   */
  end(status?: GrpcError): void {
    if (this.finished) return;
    this.finished = true;
    this.clearDeadline();
    const closed = status ?? CALL_ENDED;
    if (status) this.abort(status);
    this.writer.close(closed);
    this.reader.fail(closed);
    if (this.stream.destroyed || this.stream.closed) return;
    if (!this.headersSent) {
      this.headersSent = true;
      respondTrailersOnly(this.stream, this.contentType, statusTrailers(status, this.trailerMetadata, this.headerMetadata));
      return;
    }
    this.pendingTrailers = statusTrailers(status, this.trailerMetadata);
    this.stream.end();
  }

  private readonly onWantTrailers = (): void => {
    const trailers = this.pendingTrailers ?? { [HEADER_GRPC_STATUS]: String(Status.OK) };
    this.stream.sendTrailers(trailers);
    closeAfterTrailers(this.stream);
  };

  private expire(): void {
    this.deadlineTimer = undefined;
    this.end(new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  /** The stream closed: if the call had not ended, the client cancelled (RST_STREAM) or the connection died. */
  private readonly onClose = (): void => {
    this.registry?.delete(this);
    if (this.finished) return;
    const rst = this.stream.rstCode;
    const reason =
      rst === constants.NGHTTP2_CANCEL || rst === constants.NGHTTP2_NO_ERROR
        ? 'call cancelled by the client'
        : `stream reset by the client (HTTP/2 code ${rst})`;
    const error = new GrpcError(Status.CANCELLED, reason);
    this.finished = true;
    this.clearDeadline();
    this.abort(error);
    this.writer.close(error);
    this.reader.fail(error);
  };

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
