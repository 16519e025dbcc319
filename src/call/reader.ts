// The receive side of a call, shared by server and client: HTTP/2 DATA chunks in, messages out —
// through an async iterator (streams), or `expectSingle()` (one request message).
//
//   DATA chunk → Length-Prefixed-Message decoder (framing/envelope.ts) → Compressed-Flag →
//   decompress with the call's grpc-encoding (size-limited) → protobuf decode → the consumer
//
// Backpressure: decoded messages wait in a small queue; once it holds HIGH_WATER_MARK messages or
// HIGH_WATER_BYTES of message bodies, the HTTP/2 stream is paused, which stops Node from returning
// flow-control credit (WINDOW_UPDATE) to the peer. The stream resumes when the consumer has drained
// the queue to half of both. A slow handler therefore slows the sender down instead of growing
// memory.
//
// Errors: broken input (a framing error, a body that does not decompress or decode, the wrong
// number of messages for a unary request) becomes the GrpcError the call ends with. The reader
// stops, rejects its waiting consumer with it and hands it to `onBroken` once; it never throws.

import type { Duplex } from 'node:stream';
import { EnvelopeDecoder, FramingError, decompress, type Encoding, type MessageSink } from '../../framing/index.js';
import { statusFromFramingError } from '../protocol/framing-status.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

export interface ReaderOptions<T> {
  /** Largest message accepted, before and after decompression. */
  maxMessageSize: number;
  /** grpc-encoding of compressed messages (the client learns it from the response headers: see `encoding`). */
  encoding: Encoding;
  /** The message type's protobuf decoding; throws on bytes that are not a message. */
  deserialize: (bytes: Uint8Array) => T;
  /** Speed only: the same decoding of bytes[start, end) (see "decoding in place" below). */
  deserializeIn?: (bytes: Uint8Array, start: number, end: number) => T;
  /** Called once when the input is broken; the call ends with `error`. */
  onBroken: (error: GrpcError) => void;
  /**
   * What next() gives once the messages are consumed, or once the reader failed. Default: done at
   * the end of the stream, a rejection with the error on failure. The client ends the iteration
   * with the call's status instead (call-engine.ts).
   */
  iterationEnd?: () => Promise<IteratorResult<T>>;
}

// Small messages arrive in bursts (one socket read brings many, and the handler runs after them):
// 64 lets a burst through without pausing (docs/benchmarks.md: RouteChat on 8 streams gained ~10%
// over 16; 32 and 128 measured worse). 16 KiB bounds big messages, as Node's own stream buffer does.
const HIGH_WATER_MARK = 64;
const HIGH_WATER_BYTES = 16 * 1024;

/** What a reader that handed its consumer over to another fails with (no caller sees it). */
const HANDED_OVER = new GrpcError(Status.UNAVAILABLE, 'the stream was refused; the call went on another');

/** A message received and not yet consumed, with its body size (for HIGH_WATER_BYTES) and Compressed-Flag. */
interface Queued<T> {
  value: T;
  size: number;
  compressed: boolean;
}

export class MessageReader<T> implements AsyncIterableIterator<T>, MessageSink {
  /** grpc-encoding of compressed messages; the client sets it once the response headers arrive. */
  encoding: Encoding;
  /** Compressed-Flag of the message most recently handed to the consumer. */
  lastCompressed = false;
  private readonly stream: Duplex;
  private readonly options: ReaderOptions<T>;
  private readonly decoder: EnvelopeDecoder;
  // Messages received and not yet consumed, oldest at `head` (a FIFO without Array#shift).
  private readonly queue: (Queued<T> | undefined)[] = [];
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private error: GrpcError | undefined;
  private paused = false;
  // A consumer waiting in next().
  private nextResolve: ((result: IteratorResult<T> | Promise<IteratorResult<T>>) => void) | undefined;
  private nextReject: ((error: GrpcError) => void) | undefined;
  // deliverTo(): where each message goes instead of the queue.
  private receiver: ((value: T) => void) | undefined;
  // expectSingle(): the path for error messages, where the one message goes, and the message once received.
  private singlePath: string | undefined;
  private singleReceived: ((value: T) => void) | undefined;
  private singleValue: T | undefined;

  constructor(stream: Duplex, options: ReaderOptions<T>) {
    this.stream = stream;
    this.options = options;
    this.encoding = options.encoding;
    this.decoder = new EnvelopeDecoder(this, options.maxMessageSize);
    stream.on('data', this.onChunk);
    stream.on('end', this.onStreamEnd);
  }

  /** Messages received and not yet consumed. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered > 0) return Promise.resolve({ value: this.dequeue(), done: false });
    if (this.error || this.ended) return this.iterationEnd();
    return new Promise(this.awaitNext);
  }

  /** What next() gives after the last message, or after a failure. */
  private iterationEnd(): Promise<IteratorResult<T>> {
    if (this.options.iterationEnd) return this.options.iterationEnd();
    return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
  }

  // The executor of next()'s promise, made once per reader rather than once per wait.
  private readonly awaitNext = (
    resolve: (result: IteratorResult<T> | Promise<IteratorResult<T>>) => void,
    reject: (error: GrpcError) => void,
  ): void => {
    this.nextResolve = resolve;
    this.nextReject = reject;
  };

  /** Stops reading: later `next()` calls end the iteration. Used when the consumer breaks out early. */
  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.clearQueue();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the iteration with `error` (cancellation, deadline, transport failure, or the call's end). */
  fail(error: GrpcError): void {
    if (this.error || this.ended) return;
    this.error = error;
    this.detach();
    this.clearQueue();
    this.singlePath = this.singleReceived = this.singleValue = this.receiver = undefined;
    const resolveNext = this.nextResolve;
    const rejectNext = this.nextReject;
    this.nextResolve = this.nextReject = undefined;
    if (this.options.iterationEnd) resolveNext?.(this.options.iterationEnd());
    else rejectNext?.(error);
  }

  /**
   * Stops listening to the stream; what was received stays readable. For a failure (fail), and for
   * a stream that closed (speed only: the client's ClientCallEngine.letGoOfStream).
   */
  detach(): void {
    this.stream.off('data', this.onChunk);
    this.stream.off('end', this.onStreamEnd);
  }

  /**
   * The client sent the call again on a new stream (its first was refused, call-engine.ts "transparent
   * retry"): this reader stops, and whoever waits on it — a next() or a deliverTo() receiver — reads
   * from `successor` instead.
   */
  handOver(successor: MessageReader<T>): void {
    const resolveNext = this.nextResolve;
    const receiver = this.receiver;
    this.nextResolve = this.nextReject = undefined;
    this.fail(HANDED_OVER);
    if (receiver) successor.deliverTo(receiver);
    resolveNext?.(successor.next());
  }

  /**
   * Reads exactly one message then end of stream (a unary request), without the iterator and
   * without a promise: at end of stream `received(message)` runs, or `onBroken`. Call it before any
   * message arrives. doc/statuscodes.md: a request cardinality violation is UNIMPLEMENTED.
   */
  expectSingle(path: string, received: (value: T) => void): void {
    if (this.error) return;
    if (this.buffered > 0 || this.ended) throw new Error('expectSingle() must be called before any message arrives');
    this.singlePath = path;
    this.singleReceived = received;
  }

  /**
   * Hands every message to `received` as soon as it is decoded (those already queued first),
   * instead of queueing it for next(): for a consumer that takes each one at once, such as the
   * client's one-response calls, which count them.
   */
  deliverTo(received: (value: T) => void): void {
    while (this.buffered > 0) received(this.dequeue());
    this.receiver = received;
  }

  /** MessageSink: the decoder hands over each whole message body here. */
  message(body: Buffer, compressed: boolean): void {
    if (this.error || this.ended) return;
    const value = this.decode(body, compressed);
    if (value instanceof GrpcError) return this.broken(value);
    this.deliver(value, body.length, compressed);
  }

  /** A decoded message (its body `size` bytes) goes to its consumer, or to the queue. */
  private deliver(value: T, size: number, compressed: boolean): void {
    if (this.receiver) {
      this.lastCompressed = compressed;
      return this.receiver(value);
    }
    if (this.singlePath !== undefined) {
      // Decoded messages are objects, never undefined: a value already held means a second message.
      if (this.singleValue !== undefined) return this.broken(cardinality(this.singlePath, 'more'));
      this.singleValue = value;
      this.lastCompressed = compressed;
      return;
    }
    const resolveNext = this.nextResolve;
    if (resolveNext) {
      this.nextResolve = this.nextReject = undefined;
      this.lastCompressed = compressed;
      resolveNext({ value, done: false });
      return;
    }
    this.enqueue({ value, size, compressed });
  }

  // ---- speed only: decoding in place ----
  // An uncompressed message whose body sits whole in one DATA chunk — one RouteChat note in a frame
  // of its own — is decoded where it lies in the chunk, without the Buffer view that message()
  // takes (a typed-array object per message). Our client's RouteChat (bench row (h)) used 4.14 →
  // 3.91 and 4.02 → 3.87 µs of CPU per note with it (medians of two runs of 10 alternating rounds of
  // 200,000 notes on a loaded machine, 9 and 7 rounds lower with it; docs/benchmarks.md, "(h) Our
  // client against node:http2's own ceiling"). The server's RouteChat on 8 streams (bench row (d))
  // used 3.74 → 3.57 µs of server CPU per note (medians of 8 alternating rounds, 6 lower with it).
  // The plain way is message(chunk.subarray(start, end), false).

  /** MessageSink, speed only: the body at chunk[start, end), uncompressed. */
  messageIn(chunk: Buffer, start: number, end: number): void {
    const deserializeIn = this.options.deserializeIn;
    if (!deserializeIn) return this.message(chunk.subarray(start, end), false);
    if (this.error || this.ended) return;
    let value: T;
    try {
      value = deserializeIn(chunk, start, end);
    } catch {
      // The plain way fails the same, with the error message it gives.
      return this.message(chunk.subarray(start, end), false);
    }
    this.deliver(value, end - start, false);
  }

  /** One message body → its value: decompressed when its Compressed-Flag says so, then decoded. */
  private decode(body: Buffer, compressed: boolean): T | GrpcError {
    if (compressed) {
      // PROTOCOL-HTTP2: "If the Message-Encoding header is omitted then the Compressed-Flag must
      // be 0"; doc/compression.md test case 6: flag 1 with identity → INTERNAL.
      if (this.encoding === 'identity') {
        return new GrpcError(Status.INTERNAL, 'compressed flag set with identity or empty grpc-encoding');
      }
      const inflated = decompress(this.encoding, body, this.options.maxMessageSize);
      if (inflated instanceof FramingError) return statusFromFramingError(inflated);
      body = inflated;
    }
    try {
      return this.options.deserialize(body);
    } catch (e) {
      // doc/statuscodes.md: error parsing a message → INTERNAL.
      return new GrpcError(Status.INTERNAL, `failed to parse message: ${(e as Error).message}`);
    }
  }

  private readonly onChunk = (chunk: Buffer): void => {
    const error = this.decoder.push(chunk);
    if (error) this.broken(statusFromFramingError(error));
  };

  private readonly onStreamEnd = (): void => {
    const error = this.decoder.end();
    if (error) return this.broken(statusFromFramingError(error));
    if (this.error) return;
    this.ended = true;
    const resolveNext = this.nextResolve;
    if (resolveNext && this.buffered === 0) {
      this.nextResolve = this.nextReject = undefined;
      resolveNext(this.options.iterationEnd?.() ?? { value: undefined, done: true });
    }
    const singlePath = this.singlePath;
    if (singlePath !== undefined) {
      const value = this.singleValue;
      if (value === undefined) return this.broken(cardinality(singlePath, 'none'));
      const received = this.singleReceived!;
      this.singlePath = this.singleReceived = this.singleValue = undefined;
      received(value);
    }
  };

  private enqueue(entry: Queued<T>): void {
    this.queue.push(entry);
    this.queuedBytes += entry.size;
    if (!this.paused && (this.buffered >= HIGH_WATER_MARK || this.queuedBytes >= HIGH_WATER_BYTES)) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private dequeue(): T {
    const entry = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    if (this.head === this.queue.length) this.clearQueue();
    else this.queuedBytes -= entry.size;
    this.lastCompressed = entry.compressed;
    if (this.paused && this.buffered < HIGH_WATER_MARK / 2 && this.queuedBytes < HIGH_WATER_BYTES / 2) {
      this.paused = false;
      this.stream.resume();
    }
    return entry.value;
  }

  /** The input is broken: stop reading and tell the call. */
  private broken(error: GrpcError): void {
    if (this.error) return;
    this.fail(error);
    this.options.onBroken(error);
  }

  private clearQueue(): void {
    this.queue.length = 0;
    this.head = this.queuedBytes = 0;
  }
}

function cardinality(path: string, got: 'none' | 'more'): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, `${path}: expected exactly one request message, received ${got}`);
}
