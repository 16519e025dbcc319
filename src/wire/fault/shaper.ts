// The network faults, on the bytes of one direction after the frames are made: `latency` holds each
// frame for a time (order kept), `bandwidth` lets through so many bytes a second, `slice` cuts what
// goes out into small writes at random points, `hang` lets nothing through. Without any of them a
// frame goes to the socket at once, the writes of one turn of the event loop corked together.
//
// What leaves is also what the decoder beside the relay reads (`seen`), when it leaves: the events
// show the receiver's view, at the receiver's time.

import type net from 'node:net';
import type { Random } from './rng.js';

export interface ShaperOptions {
  socket: net.Socket;
  /** The bytes as they are written to the socket. */
  seen: (bytes: Buffer) => void;
  random: Random;
  now: () => number;
}

interface Queued {
  bytes: Buffer;
  /** When it may leave (ms, on `now`'s clock). */
  at: number;
}

/** Pieces of at most this many milliseconds' worth of bandwidth, so that the rate is smooth. */
const BANDWIDTH_SLICE_MS = 20;

export class Shaper {
  private readonly options: ShaperOptions;
  private latency: { ms: number; jitterMs: number } | undefined;
  private bandwidth: { bytesPerSecond: number; nextFree: number } | undefined;
  private slice: { min: number; max: number; gapMs: number } | undefined;
  private hung = false;
  private readonly queue: Queued[] = [];
  private corked = false;
  private timer: NodeJS.Timeout | undefined;
  private lastAt = 0;
  private closed = false;

  constructor(options: ShaperOptions) {
    this.options = options;
  }

  setLatency(ms: number, jitterMs: number): void {
    this.latency = { ms, jitterMs };
  }

  setBandwidth(bytesPerSecond: number): void {
    this.bandwidth = { bytesPerSecond, nextFree: this.options.now() };
  }

  setSlice(min: number, max: number, gapMs: number): void {
    this.slice = { min, max, gapMs };
  }

  /** Nothing leaves until `resume`. */
  hang(): void {
    this.hung = true;
  }

  resume(): void {
    this.hung = false;
    this.pump();
  }

  /** Called whenever the last queued byte has left. */
  drained: (() => void) | undefined;

  /** Nothing waits to be written. */
  get idle(): boolean {
    return this.queue.length === 0;
  }

  /** Bytes queued here and not written yet. */
  get backlog(): number {
    let n = 0;
    for (const q of this.queue) n += q.bytes.length;
    return n;
  }

  /** One frame (or a header block's frames), in order. */
  push(bytes: Buffer): void {
    if (this.closed) return;
    if (!this.latency && !this.bandwidth && !this.slice && !this.hung && this.queue.length === 0) {
      // The writes of one turn of the event loop go out together.
      if (!this.corked) {
        this.corked = true;
        this.options.socket.cork();
        process.nextTick(() => {
          this.corked = false;
          this.options.socket.uncork();
        });
      }
      this.write(bytes);
      return;
    }
    const now = this.options.now();
    let at = now;
    if (this.latency) {
      const jitter = this.latency.jitterMs * (2 * this.options.random() - 1);
      at = Math.max(this.lastAt, now + Math.max(0, this.latency.ms + jitter));
    }
    this.lastAt = at;
    this.queue.push({ bytes, at });
    this.pump();
  }

  /** The connection closed: nothing more is written. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed || this.hung) return;
    const now = this.options.now();
    while (this.queue.length > 0) {
      const head = this.queue[0];
      let at = head.at;
      if (this.bandwidth) at = Math.max(at, this.bandwidth.nextFree);
      if (at > now) {
        this.timer = setTimeout(() => this.pump(), at - now);
        return;
      }
      let bytes = head.bytes;
      if (this.bandwidth) {
        const most = Math.max(64, Math.floor((this.bandwidth.bytesPerSecond * BANDWIDTH_SLICE_MS) / 1000));
        if (bytes.length > most) {
          head.bytes = bytes.subarray(most);
          bytes = bytes.subarray(0, most);
        } else this.queue.shift();
        this.bandwidth.nextFree =
          Math.max(this.bandwidth.nextFree, now) + (bytes.length * 1000) / this.bandwidth.bytesPerSecond;
      } else this.queue.shift();
      if (this.slice) {
        if (!this.writeSliced(bytes)) return;
      } else this.write(bytes);
    }
    this.drained?.();
  }

  /** Writes `bytes` in segments at random points; with a gap, the rest waits. Returns false while it waits. */
  private writeSliced(bytes: Buffer): boolean {
    const { min, max, gapMs } = this.slice!;
    let at = 0;
    while (at < bytes.length) {
      const size = min + Math.floor(this.options.random() * (max - min + 1));
      const end = Math.min(at + size, bytes.length);
      this.write(bytes.subarray(at, end));
      at = end;
      if (gapMs > 0 && at < bytes.length) {
        this.queue.unshift({ bytes: bytes.subarray(at), at: this.options.now() + gapMs });
        this.timer = setTimeout(() => this.pump(), gapMs);
        return false;
      }
    }
    return true;
  }

  private write(bytes: Buffer): void {
    const { socket } = this.options;
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(bytes);
    this.options.seen(bytes);
  }
}
