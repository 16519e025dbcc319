// The web view's memory of the wire: the last events the tap emitted, numbered from 1, in a ring of
// fixed size. A page opened late is sent what the ring still holds, then the events as they come; a
// page that falls behind is sent from where it is, and what the ring no longer holds is counted as
// dropped for it (event-stream.ts).
//
// Bounded twice: at most `capacity` events (default 10,000), and at most `maxBytes` of them by an
// estimate of their size (default 64 MiB) — with `--max-body 0`, 10,000 messages of 4 MiB each
// would otherwise be 40 GB.
//
// Pushing is all the relay's thread pays for it while no page is open: an event's JSON is made the
// first time a page asks for it, once for all pages.

import type { TapEvent } from '../events.js';
import { ndjsonLine } from '../render/ndjson.js';

const HISTORY_EVENTS = 10_000;
const HISTORY_BYTES = 64 * 1024 * 1024;

export interface EventHistoryOptions {
  /** Events held at most (default HISTORY_EVENTS). */
  capacity?: number;
  /** Estimated bytes held at most (default HISTORY_BYTES); the newest event is always held. */
  maxBytes?: number;
}

export class EventHistory {
  readonly capacity: number;
  readonly maxBytes: number;
  /** Number of the oldest event held (= `next` when none is). */
  first = 1;
  /** Number the next event pushed gets. */
  next = 1;
  /** Estimated size of the events held. */
  bytes = 0;
  private readonly events: (TapEvent | undefined)[];
  private readonly texts: (string | undefined)[];
  private readonly sizes: number[];

  constructor(options: EventHistoryOptions = {}) {
    this.capacity = options.capacity ?? HISTORY_EVENTS;
    this.maxBytes = options.maxBytes ?? HISTORY_BYTES;
    this.events = new Array<TapEvent | undefined>(this.capacity);
    this.texts = new Array<string | undefined>(this.capacity);
    this.sizes = new Array<number>(this.capacity).fill(0);
  }

  /**
   * Keeps `event` as number `next`, forgetting the oldest ones past either bound; `ndjson`, its line
   * (render/ndjson.ts), when already made — else it is made when a page first asks for it.
   */
  push(event: TapEvent, ndjson?: string): void {
    const size = estimatedSize(event);
    while (this.first < this.next && (this.next - this.first >= this.capacity || this.bytes + size > this.maxBytes))
      this.forgetOldest();
    const slot = this.next % this.capacity;
    this.events[slot] = event;
    this.texts[slot] = ndjson?.slice(0, -1); // without its newline, as json() gives it
    this.sizes[slot] = size;
    this.bytes += size;
    this.next++;
  }

  /** Event number `seq`, if still held. */
  event(seq: number): TapEvent | undefined {
    return seq >= this.first && seq < this.next ? this.events[seq % this.capacity] : undefined;
  }

  /** Event number `seq` as one line of JSON (no newline), if still held. */
  json(seq: number): string | undefined {
    if (seq < this.first || seq >= this.next) return undefined;
    const slot = seq % this.capacity;
    let text = this.texts[slot];
    if (text === undefined) {
      // ndjsonLine: the same JSON as --json writes, by its faster writers for frames and messages.
      text = ndjsonLine(this.events[slot]!).slice(0, -1);
      this.texts[slot] = text;
    }
    return text;
  }

  private forgetOldest(): void {
    const slot = this.first % this.capacity;
    this.events[slot] = undefined;
    this.texts[slot] = undefined;
    this.bytes -= this.sizes[slot];
    this.sizes[slot] = 0;
    this.first++;
  }
}

/**
 * A cheap estimate of what an event holds, in bytes: a fixed part, plus what can be large — a
 * message's body (its JSON, or the cut-short text), the header fields of a header block, GOAWAY's
 * debug data, the hex view's bytes. A message counts twice its body bytes (its JSON names each
 * field once and writes numbers in decimal; the cut-short text is counted as it is); the hex view
 * 40 bytes for each byte it shows (its two digits, and the words of a range every byte or two).
 */
export function estimatedSize(event: TapEvent): number {
  let size = 256;
  if (event.kind === 'message') size += event.truncated === undefined ? 2 * event.bytes : event.truncated.length;
  else if (event.kind === 'frame') {
    for (const [name, value, how] of event.headers ?? []) size += name.length + value.length + how.length + 8;
    size += event.debugData?.length ?? 0;
  }
  if ((event.kind === 'message' || event.kind === 'frame') && event.raw) size += 20 * event.raw.hex.length;
  return size;
}
