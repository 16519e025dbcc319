// The per-call engine of the client: the mirror of src/server/call.ts.
//
//   HEADERS out (te: trailers, grpc-timeout, metadata) → messages both ways → status in.
//
// The status is settled once, when the stream closes: from the trailers (or Trailers-Only headers),
// from the HTTP status, from an RST_STREAM code, or locally (deadline, cancellation, connection loss).

import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { MessageReader } from '../call/reader.js';
import { MessageWriter } from '../call/writer.js';
import { parseMessage } from '../call/message-codec.js';
import { ACCEPT_ENCODING, isSupportedEncoding, type Encoding } from '../protocol/compression.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { CONTENT_TYPE_GRPC } from '../protocol/content-type.js';
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
import { checkResponseHeaders, statusFromTrailers, type CallStatus } from '../protocol/response-status.js';
import { codeFromRstCode, http2CodeName } from '../protocol/rst-code.js';
import type { MethodDefinition } from '../protocol/schema.js';
import { Status } from '../protocol/status.js';
import { formatTimeout } from '../protocol/timeout.js';
import type { Channel } from './channel.js';

export interface CallOptions {
  /** Absolute deadline: a Date or ms since the epoch. */
  deadline?: Date | number;
  /** Relative deadline in ms (used when `deadline` is not given). */
  timeoutMs?: number;
  /** Aborting cancels the call (RST_STREAM CANCEL); it ends with CANCELLED. */
  signal?: AbortSignal;
  /** Request metadata. */
  metadata?: Metadata;
  /** Compress request messages with this encoding (default: the channel's, else none). */
  compression?: Encoding;
}

export interface SendOptions {
  /** Compress this message (default: yes when the call has a compression encoding). */
  compress?: boolean;
}

export class ClientCall<Req = any, Res = any> implements AsyncIterable<Res> {
  readonly method: MethodDefinition<Req, Res>;
  /** Resolves with the response header metadata (empty for Trailers-Only responses). */
  readonly headers: Promise<Metadata>;
  /** Resolves with the trailer metadata once the call ended (whatever its status). */
  readonly trailers: Promise<Metadata>;
  /** Resolves with the final status; never rejects. */
  readonly status: Promise<CallStatus>;

  private readonly channel: Channel;
  private stream: ClientHttp2Stream | undefined;
  /** The connection the call's stream runs on. */
  private session: ClientHttp2Session | undefined;
  private reader: MessageReader<Res> | undefined;
  private writer: MessageWriter<Req> | undefined;
  private settled: CallStatus | undefined;
  /** A status decided locally (deadline, cancel, broken input) before the stream closed. */
  private localStatus: CallStatus | undefined;
  private responseHeaders: IncomingHttpHeaders | undefined;
  private responseTrailers: IncomingHttpHeaders | undefined;
  private streamError: Error | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal | undefined;
  /** grpc-encoding of the response messages, from the response headers. */
  private responseEncoding: Encoding = 'identity';
  /** Whether this call already told the channel it ended. */
  private channelEnded = false;
  private resolveHeaders!: (md: Metadata) => void;
  private resolveTrailers!: (md: Metadata) => void;
  private resolveStatus!: (status: CallStatus) => void;

  constructor(channel: Channel, method: MethodDefinition<Req, Res>, options: CallOptions = {}) {
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
    if (this.signal?.aborted) return this.settle(cancelledStatus(this.signal));
    // A deadline already passed fails now, without a request (grpc-node#1636).
    if (remaining !== undefined && remaining <= 0) return this.settle(deadlineStatus());

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
    if (compression && compression !== 'identity') headers[HEADER_ENCODING] = compression;
    headers[HEADER_ACCEPT_ENCODING] = ACCEPT_ENCODING;
    headers[HEADER_TE] = TE_TRAILERS; // "used to detect incompatible proxies"
    headers[HEADER_USER_AGENT] = this.channel.options.userAgent;
    metadata?.writeTo(headers);

    let stream: ClientHttp2Stream;
    this.channel.callStarted();
    try {
      this.session = this.channel.session();
      stream = this.session.request(headers, { endStream: false });
    } catch (error) {
      this.channel.callEnded();
      this.channelEnded = true;
      return this.settle(unavailable(this.channel, error as Error));
    }
    this.stream = stream;
    this.reader = new MessageReader<Res>(stream, this, this.channel.options.maxReceiveMessageSize);
    this.writer = new MessageWriter<Req>(stream, this.method.requestEncoder, this.channel.options.maxSendMessageSize);
    if (compression && compression !== 'identity') {
      this.writer.encoding = compression;
      this.writer.compressByDefault = true;
    }
    stream.on('response', this.onResponse);
    stream.on('trailers', this.onTrailers);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    if (remaining !== undefined) this.deadlineTimer = setTimeout(this.onDeadline, remaining);
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** MessageReader owner: one response body → a response message (decompressed, size-checked, decoded). */
  parse(body: Buffer, compressed: boolean): Res {
    return parseMessage(
      body,
      compressed,
      this.responseEncoding,
      this.channel.options.maxReceiveMessageSize,
      this.method.deserializeResponse,
    );
  }

  /** MessageReader owner: the response stream is broken — end the call with that status. */
  readFailed(error: GrpcError): void {
    this.fail(statusOf(error));
  }

  /** Sends one request message; resolves when the stream accepts more (HTTP/2 flow control). */
  send(message: Req, options?: SendOptions): Promise<void> {
    if (!this.writer) return Promise.reject(this.statusError());
    return this.writer.write(message, options?.compress);
  }

  /** Half-closes: no more request messages (END_STREAM). */
  closeSend(): void {
    const stream = this.stream;
    if (!stream || this.settled || stream.writableEnded) return;
    // Messages still waiting for 'drain' go out first; then END_STREAM.
    this.writer!.flushed().then(
      () => stream.end(),
      () => {},
    );
  }

  /** Sends the one request of a unary or server-streaming call and half-closes. */
  sendOnly(message: Req, options?: SendOptions): void {
    if (!this.writer) return;
    let frame: Buffer;
    try {
      frame = this.writer.frame(message, options?.compress);
    } catch (error) {
      return this.fail(statusOf(error));
    }
    this.stream!.end(frame);
  }

  /** Cancels the call: RST_STREAM CANCEL; it ends with CANCELLED. */
  cancel(reason = 'call cancelled by the caller'): void {
    this.fail({ code: Status.CANCELLED, details: reason, metadata: new Metadata() });
  }

  [Symbol.asyncIterator](): AsyncIterator<Res> {
    const reader = this.reader;
    return {
      next: async (): Promise<IteratorResult<Res>> => {
        if (!reader) throw this.statusError(await this.status);
        try {
          const result = await reader.next();
          if (!result.done) return result;
        } catch {
          // the reader failed: the call's status says why
        }
        const status = await this.status;
        if (status.code !== Status.OK) throw this.statusError(status);
        return { value: undefined, done: true };
      },
      return: async (): Promise<IteratorResult<Res>> => {
        // Leaving a for-await loop early cancels the call.
        if (!this.settled) this.cancel('the caller stopped reading responses');
        return { value: undefined, done: true };
      },
    };
  }

  /** Reads the one response of a unary or client-streaming call; rejects with the call's GrpcError. */
  async response(): Promise<Res> {
    let first: IteratorResult<Res> | undefined;
    let extra = false;
    if (this.reader) {
      try {
        first = await this.reader.next();
        if (!first.done) extra = !(await this.reader.next()).done;
      } catch {
        // settled below
      }
    }
    const status = await this.status;
    if (status.code !== Status.OK) throw this.statusError(status);
    // doc/statuscodes.md: response cardinality violation → UNIMPLEMENTED (generated by the client).
    if (!first || first.done)
      throw new GrpcError(Status.UNIMPLEMENTED, `${this.method.path}: OK status but no response message`);
    if (extra) throw new GrpcError(Status.UNIMPLEMENTED, `${this.method.path}: more than one response message`);
    return first.value;
  }

  private readonly onResponse = (headers: IncomingHttpHeaders, flags: number): void => {
    this.responseHeaders = headers;
    const broken = checkResponseHeaders(headers);
    if (broken) return this.fail(broken);
    const encoding = String(headers[HEADER_ENCODING] ?? 'identity');
    // compression.md: a response in an encoding the client does not support → INTERNAL.
    if (!isSupportedEncoding(encoding)) {
      return this.fail({
        code: Status.INTERNAL,
        details: `unsupported grpc-encoding "${encoding}" in response`,
        metadata: new Metadata(),
      });
    }
    this.responseEncoding = encoding;
    // Trailers-Only: the status came in the only HEADERS frame (END_STREAM set).
    if (flags & constants.NGHTTP2_FLAG_END_STREAM) this.responseTrailers = headers;
    else {
      const md = Metadata.fromHeaders(headers);
      this.resolveHeaders(typeof md === 'string' ? new Metadata() : md);
    }
  };

  private readonly onTrailers = (trailers: IncomingHttpHeaders): void => {
    this.responseTrailers = trailers;
  };

  private readonly onError = (error: Error): void => {
    this.streamError = error;
  };

  private readonly onDeadline = (): void => {
    this.deadlineTimer = undefined;
    this.fail(deadlineStatus());
  };

  private readonly onAbort = (): void => {
    this.fail(cancelledStatus(this.signal!));
  };

  /** Ends the call locally with `status`: the stream is reset with CANCEL (PROTOCOL-HTTP2 "Client Cancellation"). */
  private fail(status: CallStatus): void {
    if (this.settled || this.localStatus) return;
    this.localStatus = status;
    const stream = this.stream;
    if (stream && !stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    else this.settle(status);
  }

  private readonly onClose = (): void => {
    this.settle(this.resolveFinalStatus());
  };

  private resolveFinalStatus(): CallStatus {
    // A status decided locally wins: PROTOCOL-HTTP2 lets a client fail with DEADLINE_EXCEEDED
    // "without using any part of Trailers".
    if (this.localStatus) return this.localStatus;
    if (this.responseTrailers) return statusFromTrailers(this.responseTrailers);
    const rst = this.stream!.rstCode;
    // The server's RST_STREAM reaches us as ERR_HTTP2_STREAM_ERROR on a live connection; anything
    // else that ends an unanswered stream, or a connection that is gone, is a transport failure.
    const peerReset = (this.streamError as NodeJS.ErrnoException | undefined)?.code === 'ERR_HTTP2_STREAM_ERROR';
    if (!peerReset && (this.session?.destroyed || (this.responseHeaders === undefined && this.streamError))) {
      return unavailable(this.channel, this.streamError);
    }
    if (rst !== undefined && rst !== constants.NGHTTP2_NO_ERROR) {
      return {
        code: codeFromRstCode(rst),
        details: `stream reset by the server with HTTP/2 code ${http2CodeName(rst)} (${rst})`,
        metadata: new Metadata(),
      };
    }
    if (this.responseHeaders === undefined) return unavailable(this.channel, this.streamError);
    return statusFromTrailers({}); // ended without grpc-status → INTERNAL
  }

  private settle(status: CallStatus): void {
    if (this.settled) return;
    this.settled = status;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.signal?.removeEventListener('abort', this.onAbort);
    const error = status.code === Status.OK ? undefined : this.statusError(status);
    if (error) {
      this.writer?.close(error);
      this.reader?.fail(error);
    }
    if (this.stream && !this.channelEnded) {
      this.channelEnded = true;
      this.channel.callEnded();
    }
    this.resolveHeaders(new Metadata());
    this.resolveTrailers(status.metadata);
    this.resolveStatus(status);
  }

  private statusError(status: CallStatus | undefined = this.settled): GrpcError {
    if (!status) return new GrpcError(Status.INTERNAL, 'call has no status yet');
    return new GrpcError(status.code, status.details, { metadata: status.metadata });
  }
}

function statusOf(error: unknown): CallStatus {
  if (error instanceof GrpcError) return { code: error.code, details: error.details, metadata: error.metadata };
  return { code: Status.INTERNAL, details: String((error as Error)?.message ?? error), metadata: new Metadata() };
}

function deadlineStatus(): CallStatus {
  return { code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded', metadata: new Metadata() };
}

function cancelledStatus(signal: AbortSignal): CallStatus {
  const reason = signal.reason instanceof Error ? signal.reason.message : 'call cancelled by the caller';
  return { code: Status.CANCELLED, details: reason, metadata: new Metadata() };
}

/** Connection failures end calls with UNAVAILABLE, naming the target and the socket error. */
function unavailable(channel: Channel, error: Error | undefined): CallStatus {
  // A stream cancelled because its connection failed carries the socket error as its cause.
  const cause = ((error as { cause?: Error } | undefined)?.cause ?? channel.lastError ?? error) as Error | undefined;
  const why = cause ? `: ${cause.message}` : '';
  return {
    code: Status.UNAVAILABLE,
    details: `connection to ${channel.target} failed${why}`,
    metadata: new Metadata(),
  };
}
