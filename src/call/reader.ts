// The receive side of a call, shared by server and client: HTTP/2 DATA chunks in, decoded
// messages out — through an async iterator (streams), or `expectSingle()` (one request message).
//
// Backpressure: decoded messages wait in a small queue; once it holds HIGH_WATER_MARK messages or
// HIGH_WATER_BYTES of message bodies, the HTTP/2 stream is paused, which stops Node from returning
// flow-control credit (WINDOW_UPDATE) to the peer. The stream resumes when the consumer has drained
// the queue to half of both. A slow handler therefore slows the sender down instead of growing
// memory.

import type { Duplex } from 'node:stream';
import { EnvelopeDecoder, type FramingError, type MessageSink } from '../../framing/index.js';
import { statusFromFramingError } from '../protocol/framing-status.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

/**
 * The call a reader works for — the server's call engine (src/server/call-engine.ts) or the
 * client's (src/client/call-engine.ts): it decodes bodies and hears of broken input.
 */
export interface ReaderOwner<T> {
  /** Turns one message body into a value, or the GrpcError the call ends with. */
  parse(body: Buffer, compressed: boolean): T | GrpcError;
  /**
   * Called once when the input is broken (framing or parse error, or a single message expected and
   * not exactly one received); the owner ends the call.
   */
  readFailed(error: GrpcError): void;
  /** After expectSingle(): the one message, once the stream has ended. */
  received?(value: T): void;
}

// Small messages arrive in bursts (one socket read brings many, and the handler runs after them):
// 64 lets a burst through without pausing (docs/benchmarks.md: RouteChat on 8 streams gained ~10%
// over 16; 32 and 128 measured worse). 16 KiB bounds big messages, as Node's own stream buffer does.
const HIGH_WATER_MARK = 64;
const HIGH_WATER_BYTES = 16 * 1024;

export class MessageReader<T> implements AsyncIterableIterator<T>, MessageSink {
  private readonly stream: Duplex;
  private readonly owner: ReaderOwner<T>;
  private readonly decoder: EnvelopeDecoder;
  // Messages received and not yet consumed, oldest at `head` (a FIFO without Array#shift), with
  // each one's body size and Compressed-Flag. Allocated when a first message has to wait.
  private queue: T[] | undefined;
  private queueSizes: number[] | undefined;
  private queueCompressed: boolean[] | undefined;
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private error: GrpcError | undefined;
  private paused = false;
  // A consumer waiting in next().
  private nextResolve: ((result: IteratorResult<T>) => void) | undefined;
  private nextReject: ((error: GrpcError) => void) | undefined;
  // expectSingle(): the path for error messages (set while expecting), and the message once received.
  private singlePath: string | undefined;
  private singleValue: T | undefined;
  /** Compressed-Flag of the message most recently handed to the consumer. */
  lastCompressed = false;

  constructor(stream: Duplex, owner: ReaderOwner<T>, maxMessageSize: number) {
    this.stream = stream;
    this.owner = owner;
    this.decoder = new EnvelopeDecoder(this, maxMessageSize);
    stream.on('data', this.onChunk);
    stream.on('end', this.onStreamEnd);
  }

  /** Messages received and not yet consumed. */
  get buffered(): number {
    return this.queue ? this.queue.length - this.head : 0;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered > 0) return Promise.resolve({ value: this.dequeue(), done: false });
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise(this.awaitNext);
  }

  // The executor of next()'s promise, made once per reader rather than once per wait.
  private readonly awaitNext = (
    resolve: (result: IteratorResult<T>) => void,
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
    this.stream.off('data', this.onChunk);
    this.stream.off('end', this.onStreamEnd);
    this.clearQueue();
    this.singlePath = this.singleValue = undefined;
    const rejectNext = this.nextReject;
    this.nextResolve = this.nextReject = undefined;
    rejectNext?.(error);
  }

  /**
   * Reads exactly one message then end of stream (a unary request), without the iterator and
   * without a promise: at end of stream the owner hears `received(message)`, or `readFailed()`.
   * Call it before any message arrives. doc/statuscodes.md: a request cardinality violation is
   * UNIMPLEMENTED.
   */
  expectSingle(path: string): void {
    if (this.error) return;
    if (this.buffered > 0 || this.ended) throw new Error('expectSingle() must be called before any message arrives');
    this.singlePath = path;
  }

  /** MessageSink: the decoder hands over each whole message body here. */
  message(body: Buffer, compressed: boolean): void {
    if (this.error || this.ended) return;
    const value = this.owner.parse(body, compressed);
    if (value instanceof GrpcError) return this.failed(value);
    if (this.singlePath !== undefined) {
      // Decoded messages are objects, never undefined: a value already held means a second message.
      if (this.singleValue !== undefined) return this.failed(cardinality(this.singlePath, 'more'));
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
    this.enqueue(value, body.length, compressed);
  }

  private readonly onChunk = (chunk: Buffer): void => {
    const error = this.decoder.push(chunk);
    if (error) this.broken(error);
  };

  private readonly onStreamEnd = (): void => {
    const error = this.decoder.end();
    if (error) return this.broken(error);
    if (this.error) return;
    this.ended = true;
    const resolveNext = this.nextResolve;
    if (resolveNext && this.buffered === 0) {
      this.nextResolve = this.nextReject = undefined;
      resolveNext({ value: undefined, done: true });
    }
    const singlePath = this.singlePath;
    if (singlePath !== undefined) {
      this.singlePath = undefined;
      const value = this.singleValue;
      if (value === undefined) return this.failed(cardinality(singlePath, 'none'));
      this.singleValue = undefined;
      this.owner.received!(value);
    }
  };

  private enqueue(value: T, size: number, compressed: boolean): void {
    (this.queue ??= []).push(value);
    (this.queueSizes ??= []).push(size);
    (this.queueCompressed ??= []).push(compressed);
    this.queuedBytes += size;
    if (!this.paused && (this.buffered >= HIGH_WATER_MARK || this.queuedBytes >= HIGH_WATER_BYTES)) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private dequeue(): T {
    const queue = this.queue!;
    const i = this.head++;
    const value = queue[i];
    this.lastCompressed = this.queueCompressed![i];
    this.queuedBytes -= this.queueSizes![i];
    queue[i] = undefined as T;
    if (this.head === queue.length) {
      queue.length = this.queueSizes!.length = this.queueCompressed!.length = 0;
      this.head = 0;
    }
    if (this.paused && this.buffered < HIGH_WATER_MARK / 2 && this.queuedBytes < HIGH_WATER_BYTES / 2) {
      this.paused = false;
      this.stream.resume();
    }
    return value;
  }

  private broken(framing: FramingError): void {
    if (this.error) return;
    this.failed(statusFromFramingError(framing));
  }

  /** The input is broken: stop reading and tell the owner. */
  private failed(error: GrpcError): void {
    this.fail(error);
    this.owner.readFailed(error);
  }

  private clearQueue(): void {
    this.queue = this.queueSizes = this.queueCompressed = undefined;
    this.head = this.queuedBytes = 0;
  }
}

function cardinality(path: string, got: 'none' | 'more'): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, `${path}: expected exactly one request message, received ${got}`);
}
