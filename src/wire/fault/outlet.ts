// One direction's way out of the tap when faults are configured: the frames the rewriter passes on
// or makes, in order, to the receiver's socket (through the network faults, shaper.ts).
//
// Frames wait here when a fault holds them — a call's frames (`delay`, a throughput limit), the
// whole direction (`delay` on the connection) — or when DATA does not fit the receiver's real
// flow-control window (flow.ts), which happens only once the tap has added bytes. Each stream waits
// in its own queue, in order; the frames of other streams and of the connection go on.
//
// Header blocks keep HPACK right (RFC 7541 §2.2: blocks are decoded in the order they arrive, each
// against the table the earlier ones left): a peer's block goes on as it came while the receiver's
// dynamic table is the one it was encoded against. Once that is no longer so — a block the tap
// dropped had changed the table, or a block went on ahead of one held back — every later block of
// the direction is encoded again from its decoded fields with the static table only (literals
// without indexing, encoder.ts), which never depends on nor changes the receiver's table. Blocks
// the tap makes itself are always encoded that way. Either is split by the receiver's
// SETTINGS_MAX_FRAME_SIZE.

import type { Direction } from '../events.js';
import { DEFAULT_HEADER_TABLE_SIZE, HpackEncoder, type EncoderField } from '../hpack/index.js';
import { flagNames, frameTypeName } from '../h2/frame-types.js';
import { INITIAL_MAX_FRAME_SIZE } from '../h2/settings.js';
import { FlowLedger } from './flow.js';
import { headerBlockFrames } from './frames.js';
import type { Shaper } from './shaper.js';

/** A frame of the tap's own, for the decoder to show as a fault event. */
export interface TapMark {
  fault: string;
  action: 'inject' | 'alter';
  note: string;
  /** alter: what the frame was. */
  was?: string;
}

/** A header block, with what encoding it again takes. */
export interface OutBlock {
  fields: EncoderField[];
  /** RFC 7541 §6.3 updates at the start of the block, as the sender put them. */
  sizeUpdates: number[];
  endStream: boolean;
  /** HEADERS with PRIORITY: its 5 bytes. */
  priority?: Buffer;
  /** A peer's block (its frames in `bytes`); false: the tap's own, always encoded here. */
  original: boolean;
  /** The peer's block added to (or resized) the dynamic table. */
  changesTable: boolean;
}

export interface OutItem {
  stream: number;
  /** The frame (for a peer's header block: its frames as they came). */
  bytes: Buffer;
  /** DATA: the flow-controlled bytes it costs the receiver, and those the sender spent on it. */
  data?: { cost: number; spent: number };
  block?: OutBlock;
  mark?: TapMark;
  /** Runs when the item leaves (SETTINGS are then counted for their ACK). */
  written?: () => void;
}

interface Queued extends OutItem {
  seq: number;
}

interface StreamQueue {
  items: Fifo<Queued>;
  /** Nothing of the stream leaves before this time (ms). */
  holdUntil: number;
  /** The fault that holds it, and what to do when the hold ends. */
  hold?: { fault: string; released: () => void };
  /** A throughput limit on the stream's DATA. */
  pace?: { bytesPerSecond: number; nextFree: number };
}

export interface OutletOptions {
  dir: Direction;
  shaper: Shaper;
  now: () => number;
  /** The decoder beside the relay learns which frames are the tap's (by their offset in the direction). */
  mark: (offset: number, mark: TapMark) => void;
}

export class Outlet {
  readonly dir: Direction;
  /** The receiver's windows and what the tap added or dropped (flow.ts). */
  readonly ledger = new FlowLedger();
  /** The receiver's SETTINGS_MAX_FRAME_SIZE in force. */
  maxFrameSize = INITIAL_MAX_FRAME_SIZE;
  /** The receiver's SETTINGS_HEADER_TABLE_SIZE in force (RFC 7541 §4.2). */
  tableSetting = DEFAULT_HEADER_TABLE_SIZE;
  /** Set once blocks must be encoded again: why (the fault). */
  reencoding: string | undefined;
  /** Bytes written so far (the decoder's offsets count the same bytes). */
  private offset = 0;
  private readonly options: OutletOptions;
  private readonly encoder = new HpackEncoder({ indexing: false });
  /** The receiver's dynamic table maximum, as the last size update it received set it. */
  private tableMax = DEFAULT_HEADER_TABLE_SIZE;
  private readonly queues = new Map<number, StreamQueue>();
  /** Sequence numbers of the header blocks that wait, oldest first. */
  private readonly waitingBlocks: number[] = [];
  private seq = 0;
  private holdAllUntil = 0;
  private holdAll: { fault: string; released: () => void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ending = false;
  /** The sender's first SETTINGS went on (its connection preface, RFC 9113 §3.4). */
  private started = false;
  /** Frames of the tap's own that came before it. */
  private early: OutItem[] = [];
  private ended = false;
  private closed = false;
  /** Runs when the outlet has written all it holds (and the sender's FIN may follow). */
  private readonly endWhenIdle: () => void;

  constructor(options: OutletOptions, end: () => void) {
    this.options = options;
    this.dir = options.dir;
    this.endWhenIdle = end;
    options.shaper.drained = () => this.maybeEnd();
  }

  /** Items waiting in the stream queues. */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }

  /** Passes `item` on now, or queues it behind what its stream (or the direction) waits for. */
  send(item: OutItem): void {
    if (this.closed) return;
    // RFC 9113 §3.4: the sender's SETTINGS come first; a frame of the tap's own waits for them.
    if (!this.started && item.mark?.action === 'inject') {
      this.early.push(item);
      return;
    }
    const queued = item as Queued;
    queued.seq = ++this.seq;
    const queue = this.queues.get(item.stream);
    if (queue && queue.items.length > 0) return this.enqueue(queue, queued);
    if (this.ready(queued, queue)) return this.write(queued);
    this.enqueue(queue ?? this.queue(item.stream), queued);
    this.schedule();
  }

  /**
   * Holds the frames of `stream` (0: every frame of the direction) until `untilMs`, for `fault`;
   * `released` runs as the hold ends, before the frames go.
   */
  hold(stream: number, untilMs: number, fault: string, released: () => void): void {
    if (stream === 0) {
      this.holdAllUntil = Math.max(this.holdAllUntil, untilMs);
      this.holdAll = { fault, released };
    } else {
      const queue = this.queue(stream);
      queue.holdUntil = Math.max(queue.holdUntil, untilMs);
      queue.hold = { fault, released };
    }
    this.schedule(untilMs);
  }

  /** At most `bytesPerSecond` of `stream`'s DATA a second from now on. */
  pace(stream: number, bytesPerSecond: number): void {
    this.queue(stream).pace = { bytesPerSecond, nextFree: this.options.now() };
  }

  /** Frames of `stream` still waiting here. */
  waitingOn(stream: number): number {
    return this.queues.get(stream)?.items.length ?? 0;
  }

  /**
   * Throws away what `stream` has waiting (its receiver, or the tap, reset it): returns each frame's
   * header and the fault that held it, and counts their DATA as dropped for the sender's windows.
   */
  discard(stream: number): { frames: HeldFrame[]; fault: string } {
    const queue = this.queues.get(stream);
    const fault = queue?.hold?.fault ?? this.holdAll?.fault ?? 'flow control';
    if (!queue) return { frames: [], fault };
    const items = queue.items.drain();
    for (const item of items) {
      if (item.data) this.ledger.dropped(stream, item.data.spent, false);
      if (item.block) {
        this.unwait(item.seq);
        if (item.block.original && item.block.changesTable) this.reencoding ??= fault;
      }
    }
    this.pump();
    return { frames: items.map((item) => heldFrame(item.bytes)), fault };
  }

  /** The stream is over: its queue (empty) and its windows go. */
  forget(stream: number): void {
    const queue = this.queues.get(stream);
    if (queue && queue.items.length === 0) this.queues.delete(stream);
    this.ledger.closed(stream);
  }

  /** Writes what can go now: after a window grew, a hold ended, or a setting changed. */
  pump(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.options.now();
    if (this.holdAll && now >= this.holdAllUntil) {
      const { released } = this.holdAll;
      this.holdAll = undefined;
      released();
    }
    for (const queue of this.queues.values()) {
      if (queue.hold && now >= queue.holdUntil) {
        const { released } = queue.hold;
        queue.hold = undefined;
        released();
      }
    }
    const order = [...this.queues.values()]
      .filter((q) => q.items.length > 0)
      .sort((a, b) => a.items.peek()!.seq - b.items.peek()!.seq);
    for (const queue of order) {
      while (queue.items.length > 0 && this.ready(queue.items.peek()!, queue)) {
        const item = queue.items.shift();
        if (item.block) this.unwait(item.seq);
        this.write(item);
      }
    }
    this.schedule();
    this.maybeEnd();
  }

  /** The sender sent FIN: the receiver gets it once everything held has gone. */
  end(): void {
    this.ending = true;
    this.maybeEnd();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private queue(stream: number): StreamQueue {
    let queue = this.queues.get(stream);
    if (!queue) {
      queue = { items: new Fifo(), holdUntil: 0 };
      this.queues.set(stream, queue);
    }
    return queue;
  }

  private enqueue(queue: StreamQueue, item: Queued): void {
    queue.items.push(item);
    if (item.block) {
      this.waitingBlocks.push(item.seq);
      this.blockCause ??= queue.hold?.fault ?? this.holdAll?.fault ?? 'flow control';
    }
  }

  /** Why a block waits (the fault holding it): named if a later block overtakes it. */
  private blockCause: string | undefined;

  private ready(item: Queued, queue: StreamQueue | undefined): boolean {
    const now = this.options.now();
    if (now < this.holdAllUntil) return false;
    if (queue && now < queue.holdUntil) return false;
    if (item.data) {
      if (!this.ledger.fits(item.stream, item.data.cost)) return false;
      if (queue?.pace && now < queue.pace.nextFree) return false;
    }
    return true;
  }

  /** A timer for the earliest time something waits for (or `at`, when a hold ends). */
  private schedule(at = Infinity): void {
    if (this.closed) return;
    const now = this.options.now();
    let next = at;
    if (this.holdAll) next = Math.min(next, this.holdAllUntil);
    for (const queue of this.queues.values()) {
      if (queue.hold) next = Math.min(next, queue.holdUntil);
      if (queue.items.length === 0) continue;
      const head = queue.items.peek()!;
      let due = Math.max(this.holdAllUntil, queue.holdUntil);
      if (head.data && queue.pace) due = Math.max(due, queue.pace.nextFree);
      if (due > now) next = Math.min(next, due);
    }
    if (next === Infinity) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
  }

  private write(item: Queued): void {
    let bytes = item.bytes;
    let mark = item.mark;
    if (item.block) {
      // A block that goes on while an older one waits overtakes it: from here, blocks are encoded again.
      if (this.waitingBlocks.length > 0 && this.waitingBlocks[0] < item.seq)
        this.reencoding ??= this.blockCause ?? 'a header block held back';
      if (!item.block.original || this.reencoding !== undefined) {
        bytes = this.encode(item.stream, item.block);
        if (item.block.original) {
          mark ??= {
            fault: this.reencoding ?? '',
            action: 'alter',
            note: `HPACK (RFC 7541 §2.2): encoded again with the static table only, as the ${this.dir === 'c2s' ? 'server' : 'client'}'s dynamic table no longer matches the ${this.dir === 'c2s' ? 'client' : 'server'}'s`,
            was: `${item.bytes.length} bytes as the peer encoded it`,
          };
        }
      } else {
        const last = item.block.sizeUpdates.at(-1);
        if (last !== undefined) this.tableMax = last;
      }
    }
    if (item.data) {
      this.ledger.delivered(item.stream, item.data.cost, item.data.spent);
      const queue = this.queues.get(item.stream);
      if (queue?.pace) {
        queue.pace.nextFree =
          Math.max(queue.pace.nextFree, this.options.now()) + (item.data.cost * 1000) / queue.pace.bytesPerSecond;
      }
    }
    if (mark) {
      // Every frame the bytes hold is the tap's: a block's HEADERS and CONTINUATIONs alike.
      for (let at = 0; at < bytes.length;) {
        this.options.mark(this.offset + at, mark);
        at += 9 + bytes.readUIntBE(at, 3);
      }
    }
    this.offset += bytes.length;
    this.options.shaper.push(bytes);
    item.written?.();
    if (!this.started && isSettings(bytes)) {
      this.started = true;
      const early = this.early;
      this.early = [];
      for (const e of early) this.send(e);
    }
  }

  /** A block with the static table only, after the size updates the receiver is owed (RFC 7541 §4.2). */
  private encode(stream: number, block: OutBlock): Buffer {
    const updates = [...block.sizeUpdates];
    if (this.tableSetting < this.tableMax && !updates.some((u) => u <= this.tableSetting))
      updates.unshift(this.tableSetting);
    for (const size of updates) this.encoder.setMaxTableSize(size);
    if (updates.length > 0) this.tableMax = updates.at(-1)!;
    const encoded = this.encoder.encode(block.fields);
    return Buffer.concat(
      headerBlockFrames(stream, encoded, {
        endStream: block.endStream,
        priority: block.priority,
        maxFrameSize: this.maxFrameSize,
      }),
    );
  }

  private unwait(seq: number): void {
    const i = this.waitingBlocks.indexOf(seq);
    if (i !== -1) this.waitingBlocks.splice(i, 1);
  }

  private maybeEnd(): void {
    if (!this.ending || this.ended || this.closed) return;
    if (this.waiting > 0 || !this.options.shaper.idle) return;
    this.ended = true;
    this.endWhenIdle();
  }
}

/** A frame's header, as a fault event shows a frame the tap did not pass on. */
export interface HeldFrame {
  type: string;
  flags: readonly string[];
  length: number;
  stream: number;
}

/** The header of the first frame of `bytes` (a block's HEADERS stands for its CONTINUATIONs). */
function heldFrame(bytes: Buffer): HeldFrame {
  const type = bytes[3];
  return {
    type: frameTypeName(type) ?? 'UNKNOWN',
    flags: flagNames(type, bytes[4]),
    length: bytes.readUIntBE(0, 3),
    stream: bytes.readUInt32BE(5) & 0x7fffffff,
  };
}

/** A SETTINGS frame, not an ACK (type 0x4 at byte 3, flags at byte 4). */
function isSettings(bytes: Buffer): boolean {
  return bytes.length >= 9 && bytes[3] === 0x4 && (bytes[4] & 0x1) === 0;
}

/**
 * A queue that takes from the front without Array#shift, which moves every element once the array
 * is large (a pad-data response is some 60,000 frames waiting for window).
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Everything, oldest first; the queue is left empty. */
  drain(): T[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}
