// The receive side of a call, shared by server and client: HTTP/2 DATA chunks in, decoded
// messages out — through an async iterator (streams), or `single()` (one request message).
//
// Backpressure: decoded messages wait in a small queue; once it holds `highWaterMark` messages the
// HTTP/2 stream is paused, which stops Node from returning flow-control credit (WINDOW_UPDATE) to
// the peer. The stream resumes when the consumer drains the queue. A slow handler therefore slows
// the sender down instead of growing memory.
//
// Every call has one of these, so it keeps its state in plain fields: no queue arrays until a
// second message waits, no waiter objects.

import type { Duplex } from 'node:stream';
import { EnvelopeDecoder, type FramingError } from '../../framing/index.js';
import { statusFromFramingError } from '../protocol/framing-status.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

/** The call a reader works for (server or client call): it decodes bodies and hears of broken input. */
export interface ReaderOwner<T> {
  /** Turns one message body into a value; throws a GrpcError when it cannot. */
  parse(body: Buffer, compressed: boolean): T;
  /** Called once when the input is broken (framing or parse error); the owner ends the call. */
  readFailed(error: GrpcError): void;
}

const DEFAULT_HIGH_WATER_MARK = 16;

type Resolve<V> = (value: V) => void;
type Reject = (error: unknown) => void;

export class MessageReader<T> implements AsyncIterableIterator<T> {
  private readonly stream: Duplex;
  private readonly owner: ReaderOwner<T>;
  private readonly decoder: EnvelopeDecoder;
  private readonly highWaterMark: number;
  // FIFO without Array#shift: `head` indexes the next message to hand out. Allocated on first use.
  private queue: T[] | undefined;
  // Compressed-Flag of each queued message, so that `lastCompressed` follows the consumer.
  private queueFlags: boolean[] | undefined;
  private head = 0;
  private ended = false;
  private error: GrpcError | undefined;
  private paused = false;
  // A consumer waiting in next().
  private nextResolve: Resolve<IteratorResult<T>> | undefined;
  private nextReject: Reject | undefined;
  // single(): the path for error messages, the message so far, and the waiting promise.
  private singlePath: string | undefined;
  private singleCount = 0;
  private singleValue: T | undefined;
  private singleResolve: Resolve<T> | undefined;
  private singleReject: Reject | undefined;
  /** Compressed-Flag of the message most recently handed to the consumer. */
  lastCompressed = false;

  constructor(stream: Duplex, owner: ReaderOwner<T>, maxMessageSize: number, highWaterMark = DEFAULT_HIGH_WATER_MARK) {
    this.stream = stream;
    this.owner = owner;
    this.highWaterMark = highWaterMark;
    this.decoder = new EnvelopeDecoder(this.onMessage, maxMessageSize);
    stream.on('data', this.onData);
    stream.on('end', this.onEnd); // emitted once; `on` spares once()'s wrapper objects
  }

  /** Messages received and not yet consumed. */
  get buffered(): number {
    return this.queue ? this.queue.length - this.head : 0;
  }

  next(): Promise<IteratorResult<T>> {
    const queue = this.queue;
    if (queue && this.head < queue.length) {
      const value = queue[this.head];
      this.lastCompressed = this.queueFlags![this.head];
      queue[this.head++] = undefined as T;
      if (this.head === queue.length) {
        queue.length = 0;
        this.queueFlags!.length = 0;
        this.head = 0;
      }
      if (this.paused && this.buffered < this.highWaterMark / 2) {
        this.paused = false;
        this.stream.resume();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.nextResolve = resolve;
      this.nextReject = reject;
    });
  }

  /** Stops reading: later `next()` calls end the iteration. Used when the consumer breaks out early. */
  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.clearQueue();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the iteration with `error` (cancellation, deadline, transport failure). */
  fail(error: GrpcError): void {
    if (this.error || this.ended) return;
    this.error = error;
    this.detach();
    const rejectNext = this.nextReject;
    const rejectSingle = this.singleReject;
    this.nextResolve = this.nextReject = this.singleResolve = this.singleReject = undefined;
    rejectNext?.(error);
    rejectSingle?.(error);
  }

  /**
   * Reads exactly one message then end of stream (a unary request), without the iterator: one
   * promise, settled at end of stream. Call it before any message arrived. doc/statuscodes.md: a
   * request cardinality violation is UNIMPLEMENTED.
   */
  single(path: string): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    if (this.buffered > 0 || this.ended) return Promise.reject(new Error('single() must be called before any message arrives'));
    this.singlePath = path;
    return new Promise((resolve, reject) => {
      this.singleResolve = resolve;
      this.singleReject = reject;
    });
  }

  private readonly onData = (chunk: Buffer): void => {
    const error = this.decoder.push(chunk);
    if (error) this.broken(error);
  };

  private readonly onEnd = (): void => {
    const error = this.decoder.end();
    if (error) return this.broken(error);
    if (this.error) return;
    this.ended = true;
    const resolveNext = this.nextResolve;
    if (resolveNext && this.buffered === 0) {
      this.nextResolve = this.nextReject = undefined;
      resolveNext({ value: undefined, done: true });
    }
    const resolveSingle = this.singleResolve;
    if (resolveSingle) {
      const reject = this.singleReject!;
      this.singleResolve = this.singleReject = undefined;
      if (this.singleCount === 0) return reject(cardinality(this.singlePath!, 'none'));
      const value = this.singleValue!;
      this.singleValue = undefined;
      resolveSingle(value);
    }
  };

  private readonly onMessage = (body: Buffer, compressed: boolean): void => {
    if (this.error || this.ended) return;
    let value: T;
    try {
      value = this.owner.parse(body, compressed);
    } catch (e) {
      const error =
        e instanceof GrpcError ? e : new GrpcError(Status.INTERNAL, `failed to parse message: ${(e as Error).message}`);
      this.fail(error);
      this.owner.readFailed(error);
      return;
    }
    if (this.singleResolve) {
      if (this.singleCount++ === 0) {
        this.singleValue = value;
        this.lastCompressed = compressed;
        return;
      }
      const error = cardinality(this.singlePath!, 'more');
      this.fail(error); // rejects the single() promise
      return;
    }
    const resolveNext = this.nextResolve;
    if (resolveNext) {
      this.nextResolve = this.nextReject = undefined;
      this.lastCompressed = compressed;
      resolveNext({ value, done: false });
      return;
    }
    (this.queue ??= []).push(value);
    (this.queueFlags ??= []).push(compressed);
    if (!this.paused && this.buffered >= this.highWaterMark) {
      this.paused = true;
      this.stream.pause();
    }
  };

  private broken(framing: FramingError): void {
    if (this.error) return;
    const error = statusFromFramingError(framing);
    this.fail(error);
    this.owner.readFailed(error);
  }

  private clearQueue(): void {
    this.queue = this.queueFlags = undefined;
    this.head = 0;
  }

  private detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.clearQueue();
    this.singleValue = undefined;
  }
}

function cardinality(path: string, got: 'none' | 'more'): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, `${path}: expected exactly one request message, received ${got}`);
}
