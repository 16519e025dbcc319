// RouteChat's notes appended as they arrive, their answers handed on in note order.
//
// A store across the network answers an append after a round trip. Waiting for that answer before
// reading the next note would hold a stream to one note per round trip; instead each note is
// appended as soon as it is read, while the answers of earlier ones are still on their way, up to
// MAX_APPENDS_AHEAD appends (or MAX_CHARACTERS_AHEAD characters of messages) not yet handed on. Past
// that, no note is read until half of those have been handed on: the notes wait in the call's
// reader, whose full queue pauses the HTTP/2 stream, so a client sending faster than the store
// answers is slowed down rather than held in memory.
//
// Order: a store applies appends in the order they are made (NoteStore.append), and the answers
// come out here in that same order, so a stream's replies are in the order of its notes.
// Failure: the first append that fails ends the iteration with its error; the appends after it are
// not handed on, whatever their outcome.

import { takesWaiters, type AppendWaiter, type NoteStore } from './note-store.js';
import type { RouteNote } from './types.js';

/**
 * Appends begun and not yet handed on, at most, per stream. A store that batches appends (the Redis
 * store) sends a lone stream's notes in batches of up to this many, and pays a command, a round
 * trip and the pausing and resuming of the stream per batch: 256 rather than 64 (the call reader's
 * queue) took bench row (k) from 40.5 to 23.5 µs of CPU per note, server and redis-server together,
 * and 512 rather than 256 took it from 10.0 to 9.4 µs, (l) from 8.75 to 8.55 (medians of 3 and 4
 * alternating rounds on a loaded machine).
 */
export const MAX_APPENDS_AHEAD = 512;
/** Characters of the messages of those appends, at most (beyond the first one). */
export const MAX_CHARACTERS_AHEAD = 64 * 1024;
// Reading resumes at half of each limit rather than as soon as one append is handed on: the reader
// then waits once per half-window, not once per note.

/** One note and the notes stored at its location before it, oldest first. */
export interface Appended {
  note: RouteNote;
  earlier: readonly RouteNote[];
}

const NO_NOTES: readonly RouteNote[] = Object.freeze([]);

/** An append begun, and its outcome once the store has answered; handed on as it is. */
class InFlight implements Appended, AppendWaiter {
  earlier = NO_NOTES;
  outcome: 'pending' | 'stored' | 'failed' = 'pending';
  error?: Error;
  /** The append begun after this one. */
  next: InFlight | undefined = undefined;

  constructor(
    readonly note: RouteNote,
    private readonly appends: InOrderAppends,
  ) {}

  stored(earlier: readonly RouteNote[]): void {
    this.appends.settle(this, 'stored', earlier);
  }

  failed(error: Error): void {
    this.appends.settle(this, 'failed', NO_NOTES, error);
  }
}

const DONE: IteratorResult<Appended> = Object.freeze({ value: undefined, done: true });

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
  /** Appends begun and not handed on, oldest first: a list from `oldest` to `newest` (`next`). */
  private oldest: InFlight | undefined;
  private newest: InFlight | undefined;
  /** How many: the list's length. */
  private appends = 0;
  /** Characters of the messages in flight. */
  private characters = 0;
  /** Set once the notes have ended (`true`) or failed (with the error). */
  private notesEnded: true | { error: Error } | undefined;
  /** The iteration is over: its consumer stopped, or it ended with an error. */
  private stopped = false;
  /** A consumer waiting in next(). */
  private resolveNext: ((result: IteratorResult<Appended>) => void) | undefined;
  private rejectNext: ((error: Error) => void) | undefined;
  /** The reading, waiting for room: at most half of `ahead` appends and of MAX_CHARACTERS_AHEAD characters in flight. */
  private resumeReading: (() => void) | undefined;

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
    const error = this.failure();
    if (error !== undefined) return Promise.reject(error);
    const result = this.take();
    return result === undefined ? new Promise(this.awaitNext) : Promise.resolve(result);
  }

  return(): Promise<IteratorResult<Appended>> {
    this.stop();
    return Promise.resolve(DONE);
  }

  // The executor of next()'s promise, made once rather than once per wait.
  private readonly awaitNext = (
    resolve: (result: IteratorResult<Appended>) => void,
    reject: (error: Error) => void,
  ): void => {
    this.resolveNext = resolve;
    this.rejectNext = reject;
  };

  /** Reads the notes, beginning an append for each, while there is room for more in flight. */
  private async read(notes: AsyncIterable<RouteNote>): Promise<void> {
    try {
      for await (const note of notes) {
        if (this.stopped) return;
        const entry = new InFlight(note, this);
        if (this.newest === undefined) this.oldest = entry;
        else this.newest.next = entry;
        this.newest = entry;
        this.appends++;
        this.characters += charactersOf(note);
        if (takesWaiters(this.store))
          this.store.appendFor(entry); // speed only: see WaitingNoteStore
        else
          this.store.append(note).then(
            (earlier) => entry.stored(earlier),
            (error: Error) => entry.failed(error),
          );
        if (this.appends >= this.ahead || this.characters >= MAX_CHARACTERS_AHEAD) {
          await new Promise<void>((resolve) => (this.resumeReading = resolve));
          if (this.stopped) return;
        }
      }
      this.notesEnded = true;
    } catch (error) {
      this.notesEnded = { error: error as Error };
    }
    this.wake();
  }

  /** An append's outcome, from its InFlight entry (the first one only: an outcome stays). */
  settle(entry: InFlight, outcome: InFlight['outcome'], earlier: readonly RouteNote[], error?: Error): void {
    if (entry.outcome !== 'pending') return;
    entry.outcome = outcome;
    entry.earlier = earlier;
    entry.error = error;
    if (entry === this.oldest) this.wake();
  }

  /**
   * The error the iteration ends with, if it ends now: the oldest append failed, or the notes did
   * (the call has ended: no answer is waited for).
   */
  private failure(): Error | undefined {
    if (this.stopped) return undefined;
    const entry = this.oldest;
    const ended = this.notesEnded;
    const error = entry?.outcome === 'failed' ? entry.error : ended !== true ? ended?.error : undefined;
    if (error !== undefined) this.stop();
    return error;
  }

  /** The oldest append once it is stored (which makes room to read on), or the end; undefined while it is pending. */
  private take(): IteratorResult<Appended> | undefined {
    if (this.stopped) return DONE;
    const entry = this.oldest;
    if (entry === undefined) return this.notesEnded === true ? DONE : undefined;
    if (entry.outcome !== 'stored') return undefined;
    this.oldest = entry.next;
    entry.next = undefined;
    if (this.oldest === undefined) this.newest = undefined;
    this.appends--;
    this.characters -= charactersOf(entry.note);
    if (2 * this.appends <= this.ahead && 2 * this.characters <= MAX_CHARACTERS_AHEAD) {
      const resume = this.resumeReading;
      this.resumeReading = undefined;
      resume?.();
    }
    return { value: entry, done: false };
  }

  /** Answers a consumer waiting in next(), if it can be answered now. */
  private wake(): void {
    const resolve = this.resolveNext;
    const reject = this.rejectNext;
    if (resolve === undefined || reject === undefined) return;
    const error = this.failure();
    const result = error === undefined ? this.take() : undefined;
    if (error === undefined && result === undefined) return;
    this.resolveNext = this.rejectNext = undefined;
    if (error !== undefined) reject(error);
    else resolve(result!);
  }

  private stop(): void {
    this.stopped = true;
    this.oldest = this.newest = undefined;
    this.appends = this.characters = 0;
    const resume = this.resumeReading;
    this.resumeReading = undefined;
    resume?.();
  }
}

function charactersOf(note: RouteNote): number {
  return (note.message ?? '').length;
}
