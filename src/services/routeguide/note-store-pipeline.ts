// RouteChat's notes appended as they arrive, their answers handed on in note order.
//
// A store across the network answers an append after a round trip. Waiting for that answer before
// reading the next note would hold a stream to one note per round trip; instead each note is
// appended as soon as it is read, while the answers of earlier ones are still on their way, up to
// MAX_APPENDS_AHEAD appends not yet handed on. Past that, no note is read until the oldest answer
// is taken: the notes wait in the call's reader, whose full queue pauses the HTTP/2 stream, so a
// client sending faster than the store answers is slowed down rather than held in memory.
//
// Order: a store applies appends in the order they are made (NoteStore.append), and the answers
// come out here in that same order, so a stream's replies are in the order of its notes.
// Failure: the first append that fails ends the iteration with its error; the appends after it are
// not handed on, whatever their outcome.

import type { NoteStore } from './note-store.js';
import type { RouteNote } from './types.js';

/** Appends begun and not yet handed on, at most, per stream. */
export const MAX_APPENDS_AHEAD = 64;

/** One note and the notes stored at its location before it, oldest first. */
export interface Appended {
  note: RouteNote;
  earlier: readonly RouteNote[];
}

/** An append begun, and its outcome once the store has answered. */
interface InFlight {
  note: RouteNote;
  outcome: 'pending' | 'stored' | 'failed';
  earlier?: readonly RouteNote[];
  error?: unknown;
}

/**
 * Appends every note of `notes` to `store` as soon as it arrives, and yields each note with its
 * answer in the order of the notes. Breaking out of the loop stops the reading.
 */
export function appendInOrder(
  notes: AsyncIterable<RouteNote>,
  store: NoteStore,
  ahead = MAX_APPENDS_AHEAD,
): AsyncIterableIterator<Appended> {
  return new InOrderAppends(notes, store, ahead);
}

class InOrderAppends implements AsyncIterableIterator<Appended> {
  /** Appends begun and not handed on, oldest first, from `head` on. */
  private inFlight: InFlight[] = [];
  private head = 0;
  /** Set when the notes have ended (`true`) or failed (the error). */
  private notesEnded: true | { error: unknown } | undefined;
  /** The iteration is over: its consumer stopped, or it ended with an error. */
  private stopped = false;
  private waiting: { resolve(r: IteratorResult<Appended>): void; reject(e: unknown): void } | undefined;
  private roomWaiting: (() => void) | undefined;

  constructor(
    notes: AsyncIterable<RouteNote>,
    private readonly store: NoteStore,
    private readonly ahead: number,
  ) {
    void this.read(notes);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Appended>> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.handOn();
    });
  }

  return(): Promise<IteratorResult<Appended>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Reads the notes, beginning an append for each, while fewer than `ahead` are in flight. */
  private async read(notes: AsyncIterable<RouteNote>): Promise<void> {
    try {
      for await (const note of notes) {
        if (this.stopped) return;
        const entry: InFlight = { note, outcome: 'pending' };
        this.inFlight.push(entry);
        this.store.append(note).then(
          (earlier) => this.settle(entry, 'stored', earlier, undefined),
          (error: unknown) => this.settle(entry, 'failed', undefined, error),
        );
        if (this.inFlight.length - this.head >= this.ahead) {
          await new Promise<void>((resolve) => (this.roomWaiting = resolve));
          if (this.stopped) return;
        }
      }
      this.notesEnded = true;
    } catch (error) {
      this.notesEnded = { error };
    }
    this.handOn();
  }

  private settle(
    entry: InFlight,
    outcome: 'stored' | 'failed',
    earlier: readonly RouteNote[] | undefined,
    error: unknown,
  ): void {
    entry.outcome = outcome;
    entry.earlier = earlier;
    entry.error = error;
    if (entry === this.inFlight[this.head]) this.handOn();
  }

  /** Answers a waiting next() if it can be: with the oldest append once settled, or the end of the notes. */
  private handOn(): void {
    const waiting = this.waiting;
    if (waiting === undefined) return;
    if (this.stopped) {
      this.waiting = undefined;
      waiting.resolve({ value: undefined, done: true });
      return;
    }
    const entry = this.inFlight[this.head];
    if (entry !== undefined && entry.outcome !== 'pending') {
      this.waiting = undefined;
      this.inFlight[this.head++] = undefined as unknown as InFlight;
      if (this.head === this.inFlight.length) this.inFlight.length = this.head = 0;
      if (entry.outcome === 'failed') {
        this.stop();
        waiting.reject(entry.error);
        return;
      }
      const room = this.roomWaiting;
      this.roomWaiting = undefined;
      room?.();
      waiting.resolve({ value: { note: entry.note, earlier: entry.earlier! }, done: false });
      return;
    }
    const ended = this.notesEnded;
    // The notes failed (the call ended: cancelled, deadline, broken input): no answer is waited for.
    if (ended !== undefined && ended !== true) {
      this.waiting = undefined;
      this.stop();
      waiting.reject(ended.error);
    } else if (ended === true && entry === undefined) {
      this.waiting = undefined;
      waiting.resolve({ value: undefined, done: true });
    }
  }

  private stop(): void {
    this.stopped = true;
    this.inFlight = [];
    this.head = 0;
    const room = this.roomWaiting;
    this.roomWaiting = undefined;
    room?.();
  }
}
