// The per-call engine of the client: the mirror of src/server/call-engine.ts.
//
//   HEADERS out (te: trailers, grpc-timeout, metadata) → messages both ways → status in.
//
// The outcome is settled once, in settle(): when the stream closes, from the trailers (or
// Trailers-Only headers), from the HTTP status or from an RST_STREAM code; or at once on a local
// decision (deadline, cancellation, broken input), which resets the stream. Callers see the engine
// only through the views of client.ts.

import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { Duplex } from 'node:stream';
import { callDuplex } from '../call/duplex.js';
import { MessageReader } from '../call/reader.js';
import { frameMessage, MessageWriter, rejectedSend, type SendOptions } from '../call/writer.js';
import { ACCEPT_ENCODING, isSupportedEncoding, type Encoding } from '../protocol/compression.js';
import { CONTENT_TYPE_GRPC } from '../protocol/content-type.js';
import { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_AUTHORITY,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_METHOD,
  HEADER_PATH,
  HEADER_SCHEME,
  HEADER_TE,
  HEADER_TIMEOUT,
  HEADER_USER_AGENT,
  TE_TRAILERS,
} from '../protocol/headers.js';
import { Metadata } from '../protocol/metadata.js';
import { parseResponseHeaders, parseTrailers } from '../protocol/response-status.js';
import { codeFromRstCode, http2CodeName } from '../protocol/rst-code.js';
import type { MethodDefinition } from '../protocol/schema.js';
import { Status } from '../protocol/status.js';
import { formatTimeout } from '../protocol/timeout.js';
import type { CallOptions, CallStatus } from './call.js';
import type { Channel } from './channel.js';

/** What sends after a successful end reject with (it never reaches the server). */
const ALREADY_ENDED = new GrpcError(Status.FAILED_PRECONDITION, 'the call has already ended');

// Messages are `unknown` here: the caller's types come from the views of client.ts.
type Req = unknown;
type Res = unknown;

/** @internal Callers see it only through the views of client.ts. */
export class ClientCallEngine {
  readonly method: MethodDefinition;
  readonly headers: Promise<Metadata>;
  readonly trailers: Promise<Metadata>;
  readonly status: Promise<CallStatus>;

  private readonly channel: Channel;
  private readonly signal: AbortSignal | undefined;
  private stream: ClientHttp2Stream | undefined;
  /** The connection the call's stream runs on. */
  private session: ClientHttp2Session | undefined;
  private reader: MessageReader<Res> | undefined;
  /** Made by the first send(): a unary or server-streaming request is framed without one. */
  private writer: MessageWriter<Req> | undefined;
  /** The grpc-encoding of compressed request messages. */
  private requestEncoding: Encoding = 'identity';
  /** Whether request messages are compressed unless a send() says otherwise. */
  private compressRequests = false;
  /** The one response of a unary or client-streaming call (response()). */
  private single: Promise<Res> | undefined;
  private settled = false;
  /** The error the call failed with, once settled (undefined: OK). */
  private failure: GrpcError | undefined;
  /** A failure decided locally (deadline, cancel, broken input) before the stream closed. */
  private localFailure: GrpcError | undefined;
  private responseHeaders: IncomingHttpHeaders | undefined;
  private responseTrailers: IncomingHttpHeaders | undefined;
  private streamError: NodeJS.ErrnoException | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private view: Duplex | undefined;
  /** Whether this call already told the channel it ended. */
  private channelEnded = false;
  /** The request headers, and the framed request of a unary or server-streaming call: for a retry. */
  private requestHeaders: Record<string, string | string[]> | undefined;
  private onlyRequest: Buffer | undefined;
  private deadline: number | undefined;
  private retried = false;
  /** Until the response headers arrive (or the call ends without them). */
  private resolveHeaders: ((md: Metadata) => void) | undefined;
  private resolveTrailers!: (md: Metadata) => void;
  private resolveStatus!: (status: CallStatus) => void;

  constructor(channel: Channel, method: MethodDefinition, options: CallOptions = {}) {
    this.channel = channel;
    this.method = method;
    this.headers = new Promise((r) => (this.resolveHeaders = r));
    this.trailers = new Promise((r) => (this.resolveTrailers = r));
    this.status = new Promise((r) => (this.resolveStatus = r));
    this.signal = options.signal;
    const deadline = options.deadline ?? (options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs);
    this.start(
      deadline === undefined ? undefined : +deadline,
      options.metadata,
      options.compression ?? channel.options.compression,
    );
  }

  private start(deadline: number | undefined, metadata: Metadata | undefined, compression: Encoding | undefined): void {
    const remaining = deadline === undefined ? undefined : deadline - Date.now();
    if (this.signal?.aborted) return this.settle(cancelled(this.signal));
    // A deadline already passed fails now, without a request (docs/spec-map.md, decisions).
    if (remaining !== undefined && remaining <= 0) return this.settle(deadlineExceeded());

    // PROTOCOL-HTTP2 "Requests": reserved headers first, grpc-timeout right after them, then the
    // Call-Definition, then custom metadata.
    const headers: Record<string, string | string[]> = {
      [HEADER_METHOD]: 'POST',
      [HEADER_SCHEME]: this.channel.scheme,
      [HEADER_PATH]: this.method.path,
      [HEADER_AUTHORITY]: this.channel.authority,
    };
    if (remaining !== undefined) headers[HEADER_TIMEOUT] = formatTimeout(remaining);
    headers[HEADER_CONTENT_TYPE] = CONTENT_TYPE_GRPC;
    const encoding = compression ?? 'identity';
    if (encoding !== 'identity') headers[HEADER_ENCODING] = encoding;
    headers[HEADER_ACCEPT_ENCODING] = ACCEPT_ENCODING;
    headers[HEADER_TE] = TE_TRAILERS; // "used to detect incompatible proxies"
    headers[HEADER_USER_AGENT] = this.channel.options.userAgent;
    metadata?.writeTo(headers);

    this.requestHeaders = headers;
    this.requestEncoding = encoding;
    this.deadline = deadline;
    this.compressRequests = encoding !== 'identity';
    this.channel.callStarted();
    if (!this.open(headers)) return;
    if (remaining !== undefined) this.deadlineTimer = setTimeout(this.onDeadline, remaining);
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Opens the call's stream on the channel's live connection; false when that failed (the call is settled). */
  private open(headers: Record<string, string | string[]>): boolean {
    let stream: ClientHttp2Stream;
    try {
      this.session = this.channel.session();
      // No options: a POST stream stays open for the request body by default.
      stream = this.session.request(headers);
    } catch (error) {
      this.channel.callEnded();
      this.channelEnded = true;
      this.settle(unavailable(this.channel, error as Error));
      return false;
    }
    this.stream = stream;
    this.reader = new MessageReader<Res>(stream, {
      maxMessageSize: this.channel.options.maxReceiveMessageSize,
      encoding: 'identity', // until the response headers say otherwise
      deserialize: this.method.response.deserialize,
      deserializeIn: this.method.response.deserializeIn, // speed only (src/call/reader.ts)
      onBroken: (error) => this.fail(error),
      iterationEnd: this.iterationEnd,
    });
    stream.on('response', this.onResponse);
    stream.on('trailers', this.onTrailers);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    return true;
  }

  // ---- what the views of client.ts use ----

  /** Sends one request message; resolves when the stream accepts more (HTTP/2 flow control). */
  send(message: Req, options?: SendOptions): Promise<void> {
    if (!this.stream || this.settled) return rejectedSend(this.failure ?? ALREADY_ENDED);
    this.writer ??= new MessageWriter<Req>(
      this.stream,
      this.method.request,
      this.requestEncoding,
      this.channel.options.maxSendMessageSize,
      true, // speed only: one write per tick (src/call/writer.ts, "one buffer per tick")
    );
    return this.writer.write(message, options?.compress ?? this.compressRequests);
  }

  /** Half-closes: no more request messages (END_STREAM). */
  closeSend(): void {
    const stream = this.stream;
    if (!stream || this.settled || stream.writableEnded) return;
    if (!this.writer) return void stream.end();
    // Messages still waiting for 'drain' go out first; then END_STREAM.
    const writer = this.writer;
    writer.flushed().then(
      () => writer.end(),
      () => {}, // the call failed: its status says why
    );
  }

  /** Sends the one request of a unary or server-streaming call and half-closes. */
  sendOnly(message: Req): void {
    if (!this.stream || this.settled) return;
    const { request } = this.method;
    const { maxSendMessageSize } = this.channel.options;
    const frame = frameMessage(request, message, this.compressRequests, this.requestEncoding, maxSendMessageSize);
    if (frame instanceof GrpcError) return this.fail(frame);
    this.onlyRequest = frame;
    this.stream.end(frame);
  }

  /** Cancels the call: RST_STREAM CANCEL; it ends with CANCELLED. */
  cancel(reason = 'call cancelled by the caller'): void {
    this.fail(new GrpcError(Status.CANCELLED, reason));
  }

  /**
   * The response messages; the iteration ends with the call's status — done after OK, else it fails
   * with the call's GrpcError. Leaving it early cancels the call.
   */
  [Symbol.asyncIterator](): AsyncIterator<Res> {
    return {
      next: () => (this.reader ? this.reader.next() : this.iterationEnd()),
      return: (): Promise<IteratorResult<Res>> => {
        if (!this.settled) this.cancel('the caller stopped reading responses');
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** How the iteration of the responses ends, after the last one: with the call's status. */
  private readonly iterationEnd = (): Promise<IteratorResult<Res>> =>
    this.status.then(() => {
      if (this.failure) throw this.failure;
      return { value: undefined, done: true };
    });

  /** Reads the one response of a unary or client-streaming call; rejects with the call's GrpcError. */
  response(): Promise<Res> {
    if (this.single) return this.single;
    // Responses are counted as they arrive; the call's status decides what the caller gets.
    let count = 0;
    let first: Res;
    this.reader?.deliverTo((message) => {
      if (count++ === 0) first = message;
    });
    this.single = this.status.then(() => {
      if (this.failure) throw this.failure;
      // doc/statuscodes.md: response cardinality violation → UNIMPLEMENTED (generated by the client).
      if (count === 0) {
        throw new GrpcError(Status.UNIMPLEMENTED, `${this.method.path}: OK status but no response message`);
      }
      if (count > 1) throw new GrpcError(Status.UNIMPLEMENTED, `${this.method.path}: more than one response message`);
      return first;
    });
    return this.single;
  }

  duplex(): Duplex {
    this.view ??= callDuplex<Res, Req>({
      messages: () => this[Symbol.asyncIterator](),
      send: (message) => this.send(message),
      finishSending: () => {
        this.closeSend();
        return Promise.resolve();
      },
      abort: (error) => this.cancel(`the caller's stream failed: ${error.message}`),
      onFailure: (listener) => {
        void this.status.then(() => this.failure && listener(this.failure));
      },
    });
    return this.view;
  }

  // ---- the stream's events ----

  private readonly onResponse = (headers: IncomingHttpHeaders, flags: number): void => {
    this.responseHeaders = headers;
    const metadata = parseResponseHeaders(headers);
    if (metadata instanceof GrpcError) return this.fail(metadata);
    const encoding = String(headers[HEADER_ENCODING] ?? 'identity');
    // doc/compression.md: a response in an encoding the client does not support → INTERNAL.
    if (!isSupportedEncoding(encoding)) {
      return this.fail(new GrpcError(Status.INTERNAL, `unsupported grpc-encoding "${encoding}" in response`));
    }
    this.reader!.encoding = encoding;
    // Trailers-Only: the status came in the only HEADERS frame (END_STREAM set).
    if (flags & constants.NGHTTP2_FLAG_END_STREAM) this.responseTrailers = headers;
    else this.headersReceived(metadata);
  };

  private headersReceived(metadata: Metadata): void {
    this.resolveHeaders?.(metadata);
    this.resolveHeaders = undefined;
  }

  private readonly onTrailers = (trailers: IncomingHttpHeaders): void => {
    this.responseTrailers = trailers;
  };

  private readonly onError = (error: Error): void => {
    this.streamError = error;
  };

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.fail(deadlineExceeded());
  };

  private readonly onAbort = (): void => {
    this.fail(cancelled(this.signal!));
  };

  private readonly onClose = (): void => {
    if (this.refusedUnprocessed()) return this.retry();
    this.settle(this.outcome());
    this.letGoOfStream();
  };

  // ---- transparent retry ----
  //
  // A stream the server refused — RST_STREAM REFUSED_STREAM, or above the last stream id of a GOAWAY,
  // which nghttp2 reports with the same code — was not processed (RFC 9113 §8.7, §6.8), so the call
  // may go again. It does, once, on the channel's live connection (a new one after GOAWAY), when its
  // whole request is known (unary and server-streaming) and nothing of the response had come; else it
  // ends with UNAVAILABLE (PROTOCOL-HTTP2 "Errors": REFUSED_STREAM).

  private refusedUnprocessed(): boolean {
    return (
      !this.retried &&
      !this.settled &&
      this.localFailure === undefined &&
      this.onlyRequest !== undefined &&
      this.responseHeaders === undefined &&
      this.stream?.rstCode === constants.NGHTTP2_REFUSED_STREAM
    );
  }

  private retry(): void {
    this.retried = true;
    const refused = this.reader!;
    const headers = { ...this.requestHeaders! };
    if (this.deadline !== undefined) {
      const remaining = this.deadline - Date.now();
      if (remaining <= 0) return this.settle(deadlineExceeded());
      headers[HEADER_TIMEOUT] = formatTimeout(remaining);
    }
    this.streamError = undefined;
    if (!this.open(headers)) return;
    this.stream!.end(this.onlyRequest);
    refused.handOver(this.reader!);
  }

  // ---- speed only: a closed stream lets go of its call ----
  //
  // node:http2 keeps a closed stream's objects reachable through the next young-generation
  // collections, which copy them and then promote them to the old generation, and with them
  // everything the stream's listeners reach: the whole call (engine, reader, promises, metadata).
  // Taking the call's listeners off the stream once it closed lets the call die young: per unary
  // call, the bytes promoted fall from about 8.7 to 5.6 KB and our client's CPU time per call by
  // about a tenth (docs/benchmarks.md, "(h) Our client against node:http2's own ceiling"). The
  // plain way leaves the listeners on the closed stream.

  private letGoOfStream(): void {
    const stream = this.stream!;
    stream.off('response', this.onResponse);
    stream.off('trailers', this.onTrailers);
    stream.off('close', this.onClose);
    // A stream emits nothing after 'close'; a listener stays so that 'error' could never throw.
    stream.off('error', this.onError).on('error', ignoreError);
    this.reader!.detach();
  }

  // ---- how a call ends ----

  /**
   * Ends the call locally with `error`, at once: the stream is reset with CANCEL (PROTOCOL-HTTP2
   * "Client Cancellation"), and the call does not wait for its 'close', which a connection that
   * node:http2 stopped serving never brings (the channel then probes it: Channel.streamReset).
   */
  private fail(error: GrpcError): void {
    if (this.settled || this.localFailure) return;
    this.localFailure = error;
    const stream = this.stream;
    if (stream && !stream.closed && !stream.destroyed) {
      stream.close(constants.NGHTTP2_CANCEL);
      this.channel.streamReset(this.session!, stream);
    }
    this.settle(error);
  }

  /** What the closed stream says: the trailer metadata of an OK call, or the GrpcError it failed with. */
  private outcome(): Metadata | GrpcError {
    // A failure decided locally wins: PROTOCOL-HTTP2 lets a client fail with DEADLINE_EXCEEDED
    // "without using any part of Trailers".
    if (this.localFailure) return this.localFailure;
    if (this.responseTrailers) return parseTrailers(this.responseTrailers);
    const rst = this.stream!.rstCode;
    // The server's RST_STREAM reaches us as ERR_HTTP2_STREAM_ERROR on a live connection; anything
    // else that ends an unanswered stream, or a connection that is gone, is a transport failure.
    const peerReset = this.streamError?.code === 'ERR_HTTP2_STREAM_ERROR';
    if (!peerReset && (this.session?.destroyed || (this.responseHeaders === undefined && this.streamError))) {
      return unavailable(this.channel, this.streamError);
    }
    if (rst === constants.NGHTTP2_REFUSED_STREAM) {
      return new GrpcError(
        codeFromRstCode(rst),
        'the server did not process the stream (REFUSED_STREAM, or above the last stream id of a GOAWAY): it may be retried',
      );
    }
    if (rst !== undefined && rst !== constants.NGHTTP2_NO_ERROR) {
      const details = `stream reset by the server with HTTP/2 code ${http2CodeName(rst)} (${rst})`;
      return new GrpcError(codeFromRstCode(rst), details);
    }
    if (this.responseHeaders === undefined) return unavailable(this.channel, this.streamError);
    return parseTrailers({}); // ended without grpc-status → INTERNAL
  }

  /** The one teardown: records the outcome, stops the deadline, writer and reader, and resolves the promises. */
  private settle(outcome: Metadata | GrpcError): void {
    if (this.settled) return;
    this.settled = true;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
    const failure = outcome instanceof GrpcError ? outcome : undefined;
    this.failure = failure;
    this.writer?.close(failure ?? ALREADY_ENDED);
    // After OK, responses already received stay readable.
    if (failure) this.reader?.fail(failure);
    if (this.stream && !this.channelEnded) {
      this.channelEnded = true;
      this.channel.callEnded();
    }
    if (this.resolveHeaders) this.headersReceived(new Metadata());
    const trailers = failure ? failure.metadata : (outcome as Metadata);
    this.resolveTrailers(trailers);
    this.resolveStatus(failure ?? { code: Status.OK, details: '', metadata: trailers });
  }
}

const ignoreError = (): void => {};

function deadlineExceeded(): GrpcError {
  return new GrpcError(Status.DEADLINE_EXCEEDED, 'Deadline exceeded');
}

function cancelled(signal: AbortSignal): GrpcError {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'call cancelled by the caller';
  return new GrpcError(Status.CANCELLED, reason);
}

/** Connection failures end calls with UNAVAILABLE, naming the target and the socket error. */
function unavailable(channel: Channel, error: Error | undefined): GrpcError {
  // A stream cancelled because its connection failed carries the socket error as its cause.
  const cause = (error as { cause?: Error } | undefined)?.cause ?? channel.lastError ?? error;
  const why = cause ? `: ${cause.message}` : '';
  return new GrpcError(Status.UNAVAILABLE, `connection to ${channel.target} failed${why}`);
}
