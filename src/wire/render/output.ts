// Where rendered events go: a file descriptor (stdout), written by a worker thread out of a ring
// buffer of fixed size shared with it.
//
// On Linux, writes to a terminal or a pipe block the writing thread until the reader takes the
// bytes; done on the relay's thread, a slow terminal would slow the relay. The worker takes the
// blocking instead. The ring is the bound: an event that does not fit in what the worker has not
// written yet is dropped — counted, and reported with the next line that fits and when the output
// closes. So the relay never waits for the output, and the output never grows.
//
// The ring also spares a copy: each event's text is encoded straight into shared memory (no
// message passing; that cost about a tenth of the tap's time on RouteChat).

import { Worker } from 'node:worker_threads';

export interface BoundedOutputOptions {
  /** Bytes the ring holds (default 4 MiB). */
  capacity?: number;
  /** The line that reports `count` dropped events. */
  dropped: (count: number) => string;
  /**
   * Every text is ASCII (NDJSON, render/ndjson.ts): copied into the ring as it is, one byte per
   * character, with no UTF-8 encoding and no measuring first. Speed only: about 0.8 µs less per
   * RouteChat note, a tenth of the tap's time with --json (the connection decoder and this output
   * fed 100,000 recorded notes, best of 8 runs).
   */
  ascii?: boolean;
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

export class BoundedOutput {
  /** Events dropped in all. */
  dropped = 0;
  private droppedSinceReport = 0;
  private readonly worker: Worker;
  private readonly ctrl: Int32Array;
  private readonly ring: Buffer;
  private tail = 0;
  private readonly droppedLine: (count: number) => string;
  private readonly ascii: boolean;
  private wakeScheduled = false;
  private exited: Promise<void>;

  constructor(fd: number, options: BoundedOutputOptions) {
    const ctrl = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    const ring = new SharedArrayBuffer(options.capacity ?? 4 * 1024 * 1024);
    this.ctrl = new Int32Array(ctrl);
    this.ring = Buffer.from(ring);
    this.droppedLine = options.dropped;
    this.ascii = options.ascii ?? false;
    this.worker = new Worker(WRITER, { eval: true, workerData: { fd, ctrl, ring } });
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Queues one rendered event, or drops it when the writer is too far behind. */
  write(text: string): void {
    if (this.droppedSinceReport > 0) {
      const report = this.droppedLine(this.droppedSinceReport);
      if (!this.put(report + text)) return this.drop();
      this.droppedSinceReport = 0;
    } else if (!this.put(text)) {
      return this.drop();
    }
    if (!this.wakeScheduled) {
      this.wakeScheduled = true;
      setImmediate(() => {
        this.wakeScheduled = false;
        Atomics.notify(this.ctrl, USED);
      });
    }
  }

  /**
   * Writes what is queued (and the last drop report), then stops the writer — after `timeoutMs`
   * at most, if a reader that stopped reading keeps the writer blocked.
   */
  async close(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    Atomics.notify(this.ctrl, USED);
    // The last report waits for room, if the writer is still behind.
    while (this.droppedSinceReport > 0 && !this.put(this.droppedLine(this.droppedSinceReport))) {
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

  private drop(): void {
    this.dropped++;
    this.droppedSinceReport++;
  }

  /** Encodes `text` into the ring; false when it does not fit. */
  private put(text: string): boolean {
    const bytes = this.ascii ? text.length : Buffer.byteLength(text);
    const capacity = this.ring.length;
    if (bytes > capacity - Atomics.load(this.ctrl, USED)) return false;
    const room = capacity - this.tail;
    if (bytes <= room) {
      if (this.ascii) this.ring.write(text, this.tail, 'latin1');
      else this.ring.write(text, this.tail);
    } else {
      const encoded = Buffer.from(text, this.ascii ? 'latin1' : 'utf8');
      encoded.copy(this.ring, this.tail, 0, room);
      encoded.copy(this.ring, 0, room);
    }
    this.tail = (this.tail + bytes) % capacity;
    Atomics.add(this.ctrl, USED, bytes);
    return true;
  }
}
