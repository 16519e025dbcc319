// Where rendered events go: a file descriptor (stdout), written by a worker thread out of a ring
// buffer of fixed size shared with it.
//
// On Linux, writes to a terminal or a pipe block the writing thread until the reader takes the
// bytes; done on the relay's thread, a slow terminal would slow the relay. The worker takes the
// blocking instead. The ring is the bound: an event that does not fit in what the worker has not
// written yet is dropped — counted, and reported with the next line that fits and when the output
// closes. So the relay never waits for the output, and the output never grows.
//
// The ring also spares a copy: events are encoded or copied straight into shared memory (no
// message passing; that cost about a tenth of the tap's time on RouteChat).
//
// Text (the human view) is written an event at a time. NDJSON lines are written as bytes into
// `lines`, and go to the ring together (speed only, see below).

import { Worker } from 'node:worker_threads';
import { AsciiJson } from './ascii-json.js';

export interface BoundedOutputOptions {
  /** Bytes the ring holds (default 4 MiB). */
  capacity?: number;
  /** The line that reports `count` dropped events (written before the next events that fit). */
  dropped: (count: number) => string;
}

// Control words shared with the writer.
const USED = 0; //   bytes in the ring not yet written (both sides)
const CLOSED = 1; // set by the main thread: write what is left, then exit
const NAP = 2; //    never changes: a place to sleep on

// The writer, plain CommonJS run with `eval`, so that it needs no file of its own next to the build.
// It never returns to an event loop: it sleeps on USED until there is something to write.
const WRITER = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const ctrl = new Int32Array(workerData.ctrl);
const ring = Buffer.from(workerData.ring);
let head = 0;
let broken = false;
for (;;) {
  const used = Atomics.load(ctrl, ${USED});
  if (used === 0) {
    if (Atomics.load(ctrl, ${CLOSED}) === 1) break;
    Atomics.wait(ctrl, ${USED}, 0, 1000);
    continue;
  }
  const n = Math.min(used, ring.length - head);
  let written = n;
  if (!broken) {
    try {
      written = writeSync(workerData.fd, ring, head, n);
    } catch (error) {
      if (error.code === 'EAGAIN') { Atomics.wait(ctrl, ${NAP}, 0, 2); continue; } // non-blocking fd, full
      broken = true; // EPIPE and the like: the reader is gone; keep draining so nothing waits
    }
  }
  head = (head + written) % ring.length;
  Atomics.sub(ctrl, ${USED}, written);
}
`;

// Speed only: lines written into `lines` wait for the end of the event loop's turn (or for this
// many bytes) and go to the ring in one copy, instead of one copy and a check of the ring per line:
// 0.3 µs less per RouteChat note (the connection decoder and NDJSON of 100,000 recorded notes).
// What does not fit is dropped as a whole, its events counted.
const BATCH_BYTES = 64 * 1024;

export class BoundedOutput {
  /** Events dropped in all. */
  dropped = 0;
  /**
   * Where NDJSON lines are written (render/ndjson.ts `writeNdjsonLine`), each followed by
   * `commit()`.
   */
  readonly lines = new AsciiJson();
  private linesEvents = 0;
  private droppedSinceReport = 0;
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly ring: Buffer;
  private tail = 0;
  private readonly droppedLine: (count: number) => string;
  private wakeScheduled = false;
  private exited: Promise<void>;

  constructor(fd: number, options: BoundedOutputOptions) {
    const ctrl = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const ring = new SharedArrayBuffer(options.capacity ?? 4 * 1024 * 1024);
    this.ctrl = new Int32Array(ctrl);
    this.ring = Buffer.from(ring);
    this.droppedLine = options.dropped;
    this.worker = new Worker(WRITER, { eval: true, workerData: { fd, ctrl, ring } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Queues one rendered event (written as UTF-8), or drops it when the writer is too far behind. */
  write(text: string): void {
    this.flushLines(); // the order of events stays as they came
    this.queue(text, Buffer.byteLength(text), 1);
    this.wakeSoon();
  }

  /** One event's line is complete in `lines`. */
  commit(): void {
    this.linesEvents++;
    if (this.lines.length >= BATCH_BYTES) this.flushLines();
    this.wakeSoon();
  }

  /**
   * Writes what is queued (and the last drop report), then stops the writer — after `timeoutMs`
   * at most, if a reader that stopped reading keeps the writer blocked.
   */
  async close(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.flushLines();
    Atomics.notify(this.ctrl, USED);
    // The last report waits for room, if the writer is still behind.
    while (this.droppedSinceReport > 0) {
      const report = this.droppedLine(this.droppedSinceReport);
      const bytes = Buffer.byteLength(report);
      if (this.fits(bytes)) {
        this.put(report, bytes);
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.droppedSinceReport = 0;
    Atomics.store(this.ctrl, CLOSED, 1);
    Atomics.notify(this.ctrl, USED);
    let timer: NodeJS.Timeout | undefined;
    const left = Math.max(0, deadline - Date.now());
    await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  /** Lines written since the last flush go to the ring (or are dropped) together. */
  private flushLines(): void {
    if (this.linesEvents === 0) return;
    this.queue(this.lines.written(), this.lines.length, this.linesEvents);
    this.lines.reset();
    this.linesEvents = 0;
  }

  /** `data`, `bytes` long and holding `events` events, into the ring after any report owed. */
  private queue(data: string | Uint8Array, bytes: number, events: number): void {
    if (this.droppedSinceReport > 0) {
      const report = this.droppedLine(this.droppedSinceReport);
      const reportBytes = Buffer.byteLength(report);
      if (!this.fits(reportBytes + bytes)) return this.drop(events);
      this.put(report, reportBytes);
      this.droppedSinceReport = 0;
    }
    if (!this.fits(bytes)) return this.drop(events);
    this.put(data, bytes);
  }

  /** At the end of this turn of the event loop: pending lines go out, and the writer is woken. */
  private wakeSoon(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.flushLines();
      Atomics.notify(this.ctrl, USED);
    });
  }

  private drop(events: number): void {
    this.dropped += events;
    this.droppedSinceReport += events;
  }

  /** Whether `bytes` more fit in what the writer has not written yet. */
  private fits(bytes: number): boolean {
    return bytes <= this.ring.length - Atomics.load(this.ctrl, USED);
  }

  /** Copies `data`, `bytes` long, into the ring (it fits). */
  private put(data: string | Uint8Array, bytes: number): void {
    const capacity = this.ring.length;
    const room = capacity - this.tail;
    if (bytes <= room) {
      if (typeof data === 'string') this.ring.write(data, this.tail);
      else this.ring.set(data, this.tail);
    } else {
      const encoded = typeof data === 'string' ? Buffer.from(data) : data;
      this.ring.set(encoded.subarray(0, room), this.tail);
      this.ring.set(encoded.subarray(room), 0);
    }
    this.tail = (this.tail + bytes) % capacity;
    Atomics.add(this.ctrl, USED, bytes);
  }
}
