// The per-call engine of the server: one HTTP/2 stream becomes one call.
//
//   HEADERS in → messages both ways → Trailers (or Trailers-Only) out → status.
//
// All four RPC kinds run through this one class and differ only in arity: start() gives the
// handler the call alone when requests stream, else the one request once it has arrived. The
// handler sees the call through an object of its own (call.ts), never this engine. Every way a
// call can end — the handler's outcome, end() with a status, the deadline, the client's RST_STREAM
// or a dead connection — goes through finish(), the one teardown.
//
// Errors: the handler's GrpcError (or UNKNOWN for anything else it throws), broken input from the
// reader and the deadline all become the call's status here, sent as trailers; a failure the
// client caused (RST_STREAM, a lost connection) cancels the call without sending anything.

import { constants, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { callDuplex } from '../call/duplex.js';
import { MessageReader } from '../call/reader.js';
import { MessageWriter, frameMessage, rejectedSend, type SendOptions } from '../call/writer.js';
import { outgoingEncoding, ACCEPT_ENCODING, type Encoding } from '../protocol/compression.js';
import { CONTENT_TYPE_GRPC, CONTENT_TYPE_GRPC_PROTO } from '../protocol/content-type.js';
import { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_GRPC_MESSAGE,
  HEADER_GRPC_STATUS,
  HEADER_STATUS,
} from '../protocol/headers.js';
import { metadataFromHeaders } from '../protocol/incoming-metadata.js';
import { Metadata } from '../protocol/metadata.js';
import type { MethodDefinition } from '../protocol/schema.js';
import { encodeStatusMessage } from '../protocol/status-message.js';
import { Status } from '../protocol/status.js';
import { HandlerCall } from './call.js';
import type { Linked } from './call-list.js';
import type { AnyHandler } from './handlers.js';

/** What sends after a successful end reject with (it never reaches the peer). */
const ALREADY_ENDED = new GrpcError(Status.FAILED_PRECONDITION, 'the call has already ended');

/** A block of response headers or trailers, as node:http2 takes it. */
type ResponseHeaders = Record<string, string | number>;

// Every response of this server goes out without a Date header: gRPC has no use for it (grpc-go
// sends none), and node:http2 would add one to each response.
/** respond() options for a response whose messages and trailers follow. */
const RESPOND_WITH_TRAILERS = Object.freeze({ waitForTrailers: true, sendDate: false });
/** respond() options for a response that is complete in its one HEADERS frame. */
const RESPOND_AND_END = Object.freeze({ endStream: true, sendDate: false });

const enum State {
  Running,
  /** Ended by the server: the handler's outcome, end(), or the shutdown's grace period. */
  Ended,
  /** Ended without completing: client cancellation, the deadline, or a lost connection. */
  Cancelled,
}

/** A handler throwing anything but a GrpcError is its bug: reported here, never to the peer. */
type HandlerErrorHook = (error: unknown, path: string) => void;

/** @internal */
export interface ServerCallInit {
  stream: ServerHttp2Stream;
  method: MethodDefinition;
  handler: AnyHandler;
  onHandlerError: HandlerErrorHook;
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
  compression: Encoding | undefined;
  /** Runs when the stream closes (the server forgets the call). */
  onClose: (call: ServerCallEngine) => void;
}

// Messages are `unknown` here: the handler's types (ServerCall<Req, Res>) come from the service's
// definition, and the engine only moves messages between the handler and the codec.
type Req = unknown;
type Res = unknown;

/** @internal The server's own: handlers get `call` (call.ts). */
export class ServerCallEngine implements Linked<ServerCallEngine> {
  readonly method: MethodDefinition;
  readonly deadline: number | undefined;
  /** What the handler sees of this call. */
  readonly call: HandlerCall;
  compressResponses: boolean;
  /** Links in the server's list of calls in flight (call-list.ts). */
  listPrev: ServerCallEngine | undefined;
  listNext: ServerCallEngine | undefined;

  private readonly stream: ServerHttp2Stream;
  private readonly handler: AnyHandler;
  private readonly onHandlerError: HandlerErrorHook;
  private readonly requestHeaders: IncomingHttpHeaders;
  private readonly contentType: string;
  private readonly requestEncoding: Encoding;
  /** The encoding response messages would be compressed with; identity when the client accepts none. */
  private readonly encodingOffer: Encoding = 'identity';
  /** grpc-encoding of the response, decided when its headers go out (see chooseResponseEncoding). */
  private responseEncoding: Encoding = 'identity';
  private readonly maxSendMessageSize: number;
  private readonly onClose: (call: ServerCallEngine) => void;
  private readonly reader: MessageReader<Req>;
  // Made on first use: most calls never touch them, and a unary response is framed without a writer.
  private requestMetadata: Metadata | undefined;
  private headerMetadata: Metadata | undefined;
  private trailerMetadata: Metadata | undefined;
  private writer: MessageWriter<Res> | undefined;
  private controller: AbortController | undefined;
  private view: Duplex | undefined;
  private state = State.Running;
  /** The error the call ended with (undefined: OK, or still running). */
  private endError: GrpcError | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private headersSent = false;
  private pendingTrailers: ResponseHeaders | undefined;

  constructor(init: ServerCallInit) {
    this.stream = init.stream;
    this.method = init.method;
    this.handler = init.handler;
    this.onHandlerError = init.onHandlerError;
    this.requestHeaders = init.headers;
    this.contentType = init.contentType;
    this.requestEncoding = init.requestEncoding;
    this.maxSendMessageSize = init.maxSendMessageSize;
    this.onClose = init.onClose;
    this.call = new HandlerCall(this);
    // doc/compression.md: responses would use the request's algorithm if it compressed, else the
    // server's choice, else gzip — but only one the client accepts; and absent configuration,
    // messages MUST NOT be compressed.
    if (init.acceptEncoding !== undefined) {
      const preferred = init.requestEncoding !== 'identity' ? init.requestEncoding : (init.compression ?? 'gzip');
      this.encodingOffer = outgoingEncoding(preferred, init.acceptEncoding);
    }
    this.compressResponses = init.compression !== undefined && init.compression !== 'identity';
    this.reader = new MessageReader<Req>(init.stream, {
      maxMessageSize: init.maxReceiveMessageSize,
      encoding: init.requestEncoding,
      deserialize: init.method.request.deserialize,
      deserializeIn: init.method.request.deserializeIn, // speed only (src/call/reader.ts)
      onBroken: (error) => this.end(error),
    });
    init.stream.on('close', this.onStreamClose); // (the server already listens for 'error')
    if (init.timeoutMs !== undefined) {
      this.deadline = Date.now() + init.timeoutMs;
      // A deadline already passed expires now, synchronously (docs/spec-map.md, decisions).
      if (init.timeoutMs <= 0) this.expire();
      else this.deadlineTimer = setTimeout(this.expire, init.timeoutMs);
    }
  }

  /** The HTTP/2 connection this call runs on (for keepalive's ping policing). */
  get session(): Http2Session | undefined {
    return this.stream.session;
  }

  // ---- running the handler ----

  /**
   * Runs the handler: at once with the call when requests stream, else once the single request
   * message has arrived and the client has half-closed.
   */
  start(): void {
    if (this.method.requestStream) return this.invoke(undefined);
    this.reader.expectSingle(this.method.path, this.received);
  }

  /** The one request of a unary or server-streaming call has arrived. */
  private readonly received = (request: Req): void => {
    if (this.ended) return;
    // The request "ended" because the client reset the stream (see streamGone): nobody to answer.
    if (this.streamGone()) return this.peerGone();
    this.invoke(request);
  };

  /**
   * Calls the handler — with the call alone when requests stream, else with the one request — and
   * ends the call with its outcome.
   *
   * Speed only: a plain `await handler(…)` would do; callbacks instead let a unary handler that
   * answers synchronously run start to finish without a promise (with PLAIN_RESPONSE_HEADERS,
   * OK_TRAILERS and sendLast below, ~12.5 → ~10.5 KB allocated per unary call; docs/benchmarks.md: (a)).
   */
  private invoke(request: unknown): void {
    let result: unknown;
    try {
      const handler = this.handler as (requestOrCall: unknown, call?: HandlerCall) => unknown;
      result = this.method.requestStream ? handler(this.call) : handler(request, this.call);
    } catch (error) {
      return this.handlerFailed(error);
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.handlerReturned(value),
        (error) => this.handlerFailed(error),
      );
    } else {
      this.handlerReturned(result);
    }
  }

  /** The handler returned: a unary response goes out with OK; a stream ends with OK once its sends are written. */
  private handlerReturned(result: unknown): void {
    if (this.ended) return;
    if (this.method.responseStream) {
      this.flush().then(
        () => this.end(),
        () => {}, // the call ended while sending: its status is already out
      );
      return;
    }
    if (result === undefined || result === null) {
      return this.handlerFailed(
        new GrpcError(Status.INTERNAL, `${this.method.path}: the handler returned no response message`),
      );
    }
    const unsendable = this.sendLast(result);
    if (unsendable) this.handlerFailed(unsendable);
  }

  /** The handler threw. A non-GrpcError is its bug: the peer gets UNKNOWN and a generic message, no stack trace. */
  private handlerFailed(error: unknown): void {
    if (this.ended) return;
    if (!(error instanceof GrpcError)) this.onHandlerError(error, this.method.path);
    this.end(GrpcError.from(error, `unexpected error in the handler for ${this.method.path}`));
  }

  // ---- what the handler's call (call.ts) offers ----

  get metadata(): Metadata {
    // The server checked the -bin values before the call began, so this cannot fail.
    this.requestMetadata ??= metadataFromHeaders(this.requestHeaders) as Metadata;
    return this.requestMetadata;
  }

  get responseHeaders(): Metadata {
    return (this.headerMetadata ??= new Metadata());
  }

  get trailers(): Metadata {
    return (this.trailerMetadata ??= new Metadata());
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  get ended(): boolean {
    return this.state !== State.Running;
  }

  get cancelled(): boolean {
    return this.state === State.Cancelled;
  }

  get peer(): string {
    const socket = this.stream.session?.socket;
    return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
  }

  get requestCompressed(): boolean {
    return this.reader.lastCompressed;
  }

  messages(): AsyncIterableIterator<Req> {
    return this.reader;
  }

  duplex(): Duplex {
    this.view ??= callDuplex<Req, Res>({
      messages: () => this.reader,
      send: (message) => this.send(message),
      finishSending: () => this.flush(),
      abort: (error) => this.end(GrpcError.from(error, `${this.method.path}: the handler's stream failed`)),
      onFailure: (listener) => {
        const signal = this.signal;
        if (signal.aborted) listener(signal.reason as GrpcError);
        else signal.addEventListener('abort', () => listener(signal.reason as GrpcError), { once: true });
      },
    });
    return this.view;
  }

  sendHeaders(): void {
    this.chooseResponseEncoding(this.compressResponses);
    this.respond();
  }

  send(message: Res, options?: SendOptions): Promise<void> {
    if (this.ended) return rejectedSend(this.endError ?? ALREADY_ENDED);
    const compress = options?.compress ?? this.compressResponses;
    this.chooseResponseEncoding(compress);
    this.writer ??= new MessageWriter<Res>(
      this.stream,
      this.method.response,
      this.responseEncoding,
      this.maxSendMessageSize,
    );
    const frame = this.writer.frame(message, compress);
    if (frame instanceof GrpcError) return rejectedSend(frame);
    if (!this.respond()) return rejectedSend(this.endError ?? ALREADY_ENDED);
    return this.writer.writeFramed(frame);
  }

  /** Ends the call now with OK, or with `status`. The first end wins. */
  end(status?: GrpcError): void {
    this.endWith(status, State.Ended);
  }

  /** Resolves when every message sent so far has been handed to the stream. */
  private flush(): Promise<void> {
    return this.writer ? this.writer.flushed() : Promise.resolve();
  }

  // ---- the response headers ----

  /**
   * The response announces an encoding (grpc-encoding) only when the message its headers go out
   * with is compressed, or the handler turned compressResponses on before: a response that sends
   * everything uncompressed says nothing of compression (doc/compression.md leaves it open;
   * docs/spec-map.md, decisions). Later messages may be compressed only if it was announced: once
   * the headers are out, the choice stands.
   */
  private chooseResponseEncoding(compressing: boolean): void {
    if (!this.headersSent) this.responseEncoding = compressing ? this.encodingOffer : 'identity';
  }

  /**
   * Sends the response headers (once), with the encoding chosen and the header metadata. Returns
   * false when the call can no longer answer: it has ended, or its stream is gone (see streamGone).
   */
  private respond(): boolean {
    if (this.ended) return false;
    if (this.headersSent) return true;
    if (this.streamGone()) {
      this.peerGone();
      return false;
    }
    this.headersSent = true;
    let headers = PLAIN_RESPONSE_HEADERS[this.contentType];
    if (this.requestEncoding !== 'identity' || this.responseEncoding !== 'identity' || this.headerMetadata?.size) {
      headers = { ...headers };
      // doc/compression.md: say what we decode when the client compresses, and which encoding we send.
      if (this.requestEncoding !== 'identity') headers[HEADER_ACCEPT_ENCODING] = ACCEPT_ENCODING;
      if (this.responseEncoding !== 'identity') headers[HEADER_ENCODING] = this.responseEncoding;
      this.headerMetadata?.writeTo(headers);
    }
    this.stream.respond(headers, RESPOND_WITH_TRAILERS);
    this.stream.on('wantTrailers', this.onWantTrailers); // emitted once per stream
    return true;
  }

  /**
   * Whether the stream can no longer carry a response. node:http2 throws on respond() or
   * sendTrailers() once a stream is closed or destroyed, and a stream can be both before the call
   * hears of it: a RST_STREAM NO_ERROR from the client closes it and reaches the reader as the end
   * of the request (node pushes end-of-stream for it), and a connection error later in the same
   * read destroys every stream of the session.
   */
  private streamGone(): boolean {
    return this.stream.closed || this.stream.destroyed;
  }

  // ---- speed only: the unary response in one write ----

  /**
   * Sends the one response of a unary or client-streaming call and ends with OK: one write that
   * carries the message and ends the body; the trailers follow with END_STREAM. The plain way is
   * send(message) then end(); this one makes no MessageWriter and no promise (with
   * PLAIN_RESPONSE_HEADERS and OK_TRAILERS: ~12.5 → ~10.5 KB allocated per unary call;
   * docs/benchmarks.md: (a)). Returns the GrpcError instead when the response cannot be framed (the call is
   * still running then).
   */
  private sendLast(message: Res): GrpcError | undefined {
    this.chooseResponseEncoding(this.compressResponses);
    const frame = frameMessage(
      this.method.response,
      message,
      this.compressResponses,
      this.responseEncoding,
      this.maxSendMessageSize,
    );
    if (frame instanceof GrpcError) return frame;
    if (!this.respond()) return undefined;
    this.finish(undefined, State.Ended);
    this.pendingTrailers = statusTrailers(undefined, this.trailerMetadata);
    this.stream.end(frame);
    return undefined;
  }

  // ---- how a call ends ----

  /**
   * Ends the call with `status` (undefined for OK): Trailers, or Trailers-Only when nothing was
   * sent yet. The first end wins.
   */
  private endWith(status: GrpcError | undefined, how: State.Ended | State.Cancelled): void {
    if (this.ended) return;
    this.finish(status, how);
    if (this.streamGone()) return;
    if (!this.headersSent) {
      this.headersSent = true;
      const trailers = statusTrailers(status, this.trailerMetadata, this.headerMetadata);
      respondTrailersOnly(this.stream, this.contentType, trailers);
      return;
    }
    this.pendingTrailers = statusTrailers(status, this.trailerMetadata);
    this.stream.end();
  }

  /** The one teardown: records how the call ended and stops the deadline, the signal, the writer and the reader. */
  private finish(status: GrpcError | undefined, how: State.Ended | State.Cancelled): void {
    this.state = how;
    this.endError = status;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (status) {
      this.controller ??= new AbortController();
      this.controller.abort(status);
    }
    const reason = status ?? ALREADY_ENDED;
    this.writer?.close(reason);
    this.reader.fail(reason);
  }

  // PROTOCOL-HTTP2 "Client Cancellation" suggests RST_STREAM CANCEL here; the call ends with the
  // status DEADLINE_EXCEEDED instead, so that every client reads it (docs/spec-map.md, decisions).
  private readonly expire = (): void => {
    this.deadlineTimer = undefined;
    this.endWith(new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'), State.Cancelled);
  };

  /** The last DATA is out: the trailers go next. */
  private readonly onWantTrailers = (): void => {
    if (this.streamGone()) return;
    this.stream.sendTrailers(this.pendingTrailers ?? statusTrailers(undefined));
    closeAfterTrailers(this.stream);
  };

  /** The stream closed. If the call had not ended, the client cancelled (RST_STREAM) or the connection died. */
  private readonly onStreamClose = (): void => {
    this.onClose(this);
    this.peerGone();
  };

  /** The client reset the stream, or the connection died: the call is cancelled (nothing can reach the client). */
  private peerGone(): void {
    if (this.ended) return;
    const rst = this.stream.rstCode;
    const reason =
      rst === constants.NGHTTP2_CANCEL || rst === constants.NGHTTP2_NO_ERROR
        ? 'call cancelled by the client'
        : `stream reset by the client (HTTP/2 code ${rst})`;
    this.finish(new GrpcError(Status.CANCELLED, reason), State.Cancelled);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

// ---- how a response ends (PROTOCOL-HTTP2 "Responses"), also for calls refused at the HEADERS stage ----

/** @internal PROTOCOL-HTTP2 Trailers: custom metadata, then `grpc-status` (always, even OK) and `grpc-message`. */
export function statusTrailers(
  status: GrpcError | undefined,
  trailers?: Metadata,
  headers?: Metadata,
): ResponseHeaders {
  if (status === undefined && !trailers?.size && !headers?.size) return OK_TRAILERS;
  const out: ResponseHeaders = {};
  headers?.writeTo(out); // Trailers-Only: response header metadata travels in the same block
  trailers?.writeTo(out);
  if (status) status.metadata.writeTo(out);
  out[HEADER_GRPC_STATUS] = String(status?.code ?? Status.OK);
  if (status?.details) out[HEADER_GRPC_MESSAGE] = encodeStatusMessage(status.details);
  return out;
}

/**
 * @internal PROTOCOL-HTTP2 Trailers-Only: `:status 200`, content-type and the trailers in ONE HEADERS frame
 * with END_STREAM — for calls that fail before sending anything.
 */
export function respondTrailersOnly(stream: ServerHttp2Stream, contentType: string, trailers: ResponseHeaders): void {
  if (stream.headersSent || stream.destroyed || stream.closed) return;
  const headers = {
    [HEADER_STATUS]: 200,
    [HEADER_CONTENT_TYPE]: contentType,
    [HEADER_ACCEPT_ENCODING]: ACCEPT_ENCODING, // doc/compression.md: what this server can decode
    ...trailers,
  };
  stream.respond(headers, RESPOND_AND_END);
  closeAfterResponse(stream);
}

/** @internal Answers with a bare HTTP status (plus grpc-status and grpc-message): a request that is not a gRPC call. */
export function respondHttpStatus(stream: ServerHttp2Stream, headers: ResponseHeaders): void {
  if (stream.headersSent || stream.destroyed || stream.closed) return;
  stream.respond(headers, RESPOND_AND_END);
  closeAfterResponse(stream);
}

/**
 * PROTOCOL-HTTP2 "Early server closure": when the server ends a call before the client finished
 * sending, it "should send RST_STREAM with NO_ERROR immediately following that HEADERS frame", so the
 * client stops sending and no flow-control window stays tied up in a stream nobody reads.
 */
function closeAfterResponse(stream: ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.state?.remoteClose === 1 || stream.readableEnded) return;
  stream.close(constants.NGHTTP2_NO_ERROR);
}

/**
 * closeAfterResponse for the Trailers path, called from 'wantTrailers' right after sendTrailers().
 * The reset waits one turn of the event loop: Node submits the trailers while it is still writing
 * the stream's last DATA, and a RST_STREAM submitted in that same turn makes nghttp2 drop the
 * queued trailers — the client would then see a bare RST_STREAM NO_ERROR and no status.
 */
function closeAfterTrailers(stream: ServerHttp2Stream): void {
  if (stream.readableEnded) return; // the client finished sending: nothing to reset
  setImmediate(closeAfterResponse, stream);
}

// ---- speed only: shared header blocks ----
// The response headers and OK trailers of most calls (no metadata, nothing compressed), made once
// (node:http2 only reads them). With the callback dispatch of invoke() and sendLast: ~12.5 →
// ~10.5 KB allocated per unary call (docs/benchmarks.md: (a)). The plain way builds each block per call.

const PLAIN_RESPONSE_HEADERS: Record<string, ResponseHeaders> = {
  [CONTENT_TYPE_GRPC]: Object.freeze({ [HEADER_STATUS]: 200, [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC }),
  [CONTENT_TYPE_GRPC_PROTO]: Object.freeze({ [HEADER_STATUS]: 200, [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC_PROTO }),
};

const OK_TRAILERS: ResponseHeaders = Object.freeze({ [HEADER_GRPC_STATUS]: String(Status.OK) });
