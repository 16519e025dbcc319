// Where rendered events go: a file descriptor (stdout), written by a worker thread, with a bound on
// what may wait to be written. On Linux, writes to a terminal or a pipe block the writing thread
// until the reader takes the bytes; done on the relay's thread, a slow terminal would slow the
// relay. The worker takes the blocking instead, and when more than `maxPending` characters wait
// for it, further events are dropped — counted, and reported with the next line that gets through
// and when the output closes. The relay never waits for the output, and the output never grows
// without bound.

import { Worker } from 'node:worker_threads';

export interface BoundedOutputOptions {
  /** Characters waiting for the writer, at most (default 4 Mi). */
  maxPending?: number;
  /** The line that reports `count` dropped events. */
  dropped: (count: number) => string;
}

// The writer runs as plain CommonJS (eval), so it needs no file of its own next to the build.
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const pending = new Int32Array(workerData.pending);
const nap = new Int32Array(new SharedArrayBuffer(4));
let broken = false;
parentPort.on('message', (text) => {
  if (text === null) return parentPort.postMessage('flushed');
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length && !broken; ) {
    try {
      at += writeSync(workerData.fd, bytes, at);
    } catch (error) {
      if (error.code === 'EAGAIN') Atomics.wait(nap, 0, 0, 2); // a non-blocking fd that is full: wait for room
      else broken = true; // EPIPE and the like: the reader is gone
    }
  }
  Atomics.sub(pending, 0, text.length);
});
`;

export class BoundedOutput {
  /** Events dropped in all. */
  dropped = 0;
  private droppedSinceReport = 0;
  private readonly worker: Worker;
  private readonly pending: Int32Array;
  private readonly maxPending: number;
  private readonly droppedLine: (count: number) => string;
  private batch = '';
  private scheduled = false;

  constructor(fd: number, options: BoundedOutputOptions) {
    const shared = new SharedArrayBuffer(4);
    this.pending = new Int32Array(shared);
    this.maxPending = options.maxPending ?? 4 * 1024 * 1024;
    this.droppedLine = options.dropped;
    this.worker = new Worker(WRITER, { eval: true, workerData: { fd, pending: shared } });
    this.worker.unref();
  }

  /** Queues one rendered event, or drops it when the writer is too far behind. */
  write(text: string): void {
    if (Atomics.load(this.pending, 0) + this.batch.length + text.length > this.maxPending) {
      this.dropped++;
      this.droppedSinceReport++;
      return;
    }
    if (this.droppedSinceReport > 0) {
      this.batch += this.droppedLine(this.droppedSinceReport);
      this.droppedSinceReport = 0;
    }
    this.batch += text;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.send());
    }
  }

  /**
   * Writes what is queued (and the last drop report), then stops the writer — after `timeoutMs`
   * at most, if a reader that stopped reading keeps the writer blocked.
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.droppedSinceReport > 0) {
      this.batch += this.droppedLine(this.droppedSinceReport);
      this.droppedSinceReport = 0;
    }
    this.send();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.worker.once('message', done);
      this.worker.once('exit', done);
      this.worker.postMessage(null);
    });
    await this.worker.terminate();
  }

  private send(): void {
    this.scheduled = false;
    if (this.batch === '') return;
    Atomics.add(this.pending, 0, this.batch.length);
    this.worker.postMessage(this.batch);
    this.batch = '';
  }
}
