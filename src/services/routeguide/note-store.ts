// RouteChat's one storage operation, and the bounds every store keeps.
//
// The canonical semantics (the grpc-go and grpc-node route_guide examples): for each note received,
// the server sends back every note stored at its location so far, then stores the note. Stores
// shared by several servers must do "read the notes there, add this one" as one step, or two
// servers appending at once would each miss the other's note — hence one operation, `append`.

import type { RouteNote } from './types.js';

export interface NoteStore {
  /**
   * Stores `note` at its location (a note without one counts as (0, 0)) and resolves with the notes
   * that were stored there before it, oldest first: after the append the location holds those and
   * `note`, nothing else. Read and write are one atomic step.
   *
   * Appends take effect in the order they are made, even when a caller makes the next one before
   * the last has settled (RouteChat does: note-store-pipeline.ts). A store over the network
   * rejects with a `GrpcError` (UNAVAILABLE) when it cannot be reached.
   */
  append(note: RouteNote): Promise<readonly RouteNote[]>;
  /** Releases what the store holds open (connections, timers). */
  close(): Promise<void>;
  /** What the store is, for logs: `memory`, `redis://127.0.0.1:6379/0`. */
  readonly description: string;
}

/**
 * SPEED ONLY: a store in this process that can also answer an append at once, without a promise
 * (typed-array-note-store.ts; what it buys: service.ts, routeChatAtOnce).
 */
export interface ImmediateNoteStore extends NoteStore {
  /** `append`, answered at once. */
  appendNow(note: RouteNote): readonly RouteNote[];
}

/** Whether `store` can answer at once (speed only: see ImmediateNoteStore). */
export function answersAtOnce(store: NoteStore): store is ImmediateNoteStore {
  return typeof (store as Partial<ImmediateNoteStore>).appendNow === 'function';
}

/**
 * SPEED ONLY: an append whose outcome goes to an object rather than a promise (note-store-pipeline.ts
 * makes one per note; what it buys: WaitingNoteStore).
 */
export interface AppendWaiter {
  readonly note: RouteNote;
  /** The append took effect: `earlier` as `append` resolves with. */
  stored(earlier: readonly RouteNote[]): void;
  /** The append failed (UNAVAILABLE), as `append` rejects. */
  failed(error: Error): void;
}

/**
 * SPEED ONLY: a store that can hand an append's outcome to an AppendWaiter, called once, instead of
 * resolving a promise (redis-note-store.ts). What it buys on the Redis store, against a promise and
 * its `then` per note: fewer objects per note for the collector (server and redis-server pinned as
 * in bench/run.mjs, medians of 3 alternating rounds on a loaded machine): CPU 0 per note 14.3 µs
 * instead of 16.1 on bench row (k), 17.4 instead of 20.3 on (l).
 */
export interface WaitingNoteStore extends NoteStore {
  /** `append`, its outcome handed to `waiter`; appends take effect in the order they are made. */
  appendFor(waiter: AppendWaiter): void;
}

/** Whether `store` takes AppendWaiters (speed only: see WaitingNoteStore). */
export function takesWaiters(store: NoteStore): store is WaitingNoteStore {
  return typeof (store as Partial<WaitingNoteStore>).appendFor === 'function';
}

/**
 * How much a store keeps. Past a bound the oldest notes are dropped first (the oldest at the
 * location for `maxNotesPerLocation`, the oldest anywhere for the other two); below every bound the
 * canonical semantics are unchanged.
 */
export interface NoteBounds {
  /** Notes kept in all, over every location (`--max-notes`). */
  maxNotes: number;
  /** UTF-8 bytes of the kept notes' messages, added up (`--max-note-bytes`). */
  maxNoteBytes: number;
  /** Notes kept at one location (`--max-notes-per-location`). */
  maxNotesPerLocation: number;
}

/**
 * The defaults keep a server's memory well under 1 GB whatever clients send: 128 MiB of messages,
 * plus about 110 bytes of bookkeeping per note for a million notes (docs/deployment.md).
 */
export const DEFAULT_NOTE_BOUNDS: Readonly<NoteBounds> = Object.freeze({
  maxNotes: 1_000_000,
  maxNoteBytes: 128 * 1024 * 1024,
  maxNotesPerLocation: 1000,
});

/** Which bound made a store drop notes. */
export type DropReason = 'notes' | 'bytes' | 'perLocation' | 'tooLarge';

/** A store's bounds with the defaults filled in, each checked to be a positive integer. */
export function resolveBounds(bounds: Partial<NoteBounds> = {}): NoteBounds {
  const resolved = { ...DEFAULT_NOTE_BOUNDS, ...bounds };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new RangeError(`note bounds: ${name} must be a positive integer`);
  }
  return resolved;
}
