// The receive side of a call, shared by server and client: HTTP/2 DATA chunks in, decoded
// messages out through an async iterator.
//
// Backpressure: decoded messages wait in a small queue; once it holds `highWaterMark` messages the
// HTTP/2 stream is paused, which stops Node from returning flow-control credit (WINDOW_UPDATE) to
// the peer. The stream resumes when the consumer drains the queue. A slow handler therefore slows
// the sender down instead of growing memory.

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

export class MessageReader<T> implements AsyncIterableIterator<T> {
  private readonly stream: Duplex;
  private readonly owner: ReaderOwner<T>;
  private readonly decoder: EnvelopeDecoder;
  private readonly highWaterMark: number;
  // FIFO without Array#shift: `head` indexes the next message to hand out.
  private queue: T[] = [];
  // Compressed-Flag of each queued message, so that `lastCompressed` follows the consumer.
  private queueFlags: boolean[] = [];
  private head = 0;
  private ended = false;
  private error: GrpcError | undefined;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private paused = false;
  // single(): settled at end of stream with the one message held in the queue.
  private waitingSingle: { resolve: (value: T) => void; reject: (e: unknown) => void; path: string } | undefined;
  /** Compressed-Flag of the message most recently handed to the consumer. */
  lastCompressed = false;

  constructor(stream: Duplex, owner: ReaderOwner<T>, maxMessageSize: number, highWaterMark = DEFAULT_HIGH_WATER_MARK) {
    this.stream = stream;
    this.owner = owner;
    this.highWaterMark = highWaterMark;
    this.decoder = new EnvelopeDecoder(this.onMessage, maxMessageSize);
    stream.on('data', this.onData);
    stream.once('end', this.onEnd);
  }

  /** Messages received and not yet consumed. */
  get buffered(): number {
    return this.queue.length - this.head;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head];
      this.lastCompressed = this.queueFlags[this.head];
      this.queue[this.head++] = undefined as T;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.queueFlags.length = 0;
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
      this.waiting = { resolve, reject };
    });
  }

  /** Stops reading: later `next()` calls end the iteration. Used when the consumer breaks out early. */
  return(): Promise<IteratorResult<T>> {
    this.ended = true;
    this.queue.length = 0;
    this.queueFlags.length = 0;
    this.head = 0;
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
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.reject(error);
    }
    const single = this.waitingSingle;
    if (single) {
      this.waitingSingle = undefined;
      single.reject(error);
    }
  }

  /**
   * Reads exactly one message then end of stream (a unary request). doc/statuscodes.md: a request
   * cardinality violation is UNIMPLEMENTED. One promise, settled at end of stream — no iterator
   * round trips on the unary hot path.
   */
  single(path: string): Promise<T> {
    if (this.buffered > 1) return Promise.reject(cardinality(path, 'more'));
    if (this.error) return Promise.reject(this.error);
    if (this.ended) {
      if (this.buffered !== 1) return Promise.reject(cardinality(path, 'none'));
      this.lastCompressed = this.queueFlags[this.head];
      return Promise.resolve(this.queue[this.head]);
    }
    return new Promise((resolve, reject) => {
      this.waitingSingle = { resolve, reject, path };
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
    const waiting = this.waiting;
    if (waiting && this.head === this.queue.length) {
      this.waiting = undefined;
      waiting.resolve({ value: undefined, done: true });
    }
    const single = this.waitingSingle;
    if (single) {
      this.waitingSingle = undefined;
      if (this.buffered !== 1) return single.reject(cardinality(single.path, 'none'));
      this.lastCompressed = this.queueFlags[this.head];
      single.resolve(this.queue[this.head]);
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
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      this.lastCompressed = compressed;
      waiting.resolve({ value, done: false });
      return;
    }
    this.queue.push(value);
    this.queueFlags.push(compressed);
    if (this.waitingSingle && this.buffered > 1) {
      const single = this.waitingSingle;
      this.waitingSingle = undefined;
      const error = cardinality(single.path, 'more');
      this.fail(error);
      single.reject(error);
      return;
    }
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

  private detach(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.queue.length = 0;
    this.queueFlags.length = 0;
    this.head = 0;
  }
}

function cardinality(path: string, got: 'none' | 'more'): GrpcError {
  return new GrpcError(Status.UNIMPLEMENTED, `${path}: expected exactly one request message, received ${got}`);
}
