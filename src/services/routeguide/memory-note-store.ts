// The memory note store: RouteChat's notes in this process's memory, bounded by count and bytes —
// written plainly, as a map from each location to its notes and a list of every note in arrival
// order.
//
// `serve` uses its speed-only twin, typed-array-note-store.ts, which answers the same (the tests run
// one table of cases against both) with less work per note and memory that stays flat under a
// flood; this one is the definition of what a note store does.

import { DropLog, type DropLogOptions } from './drop-log.js';
import { resolveBounds, type DropReason, type NoteBounds, type NoteStore } from './note-store.js';
import type { RouteNote } from './types.js';

export interface MemoryNoteStoreOptions extends Partial<NoteBounds>, DropLogOptions {}

/**
 * A kept note: the note as stored, its location's key, its message's size in UTF-8 bytes, and its
 * neighbours in arrival order (a doubly linked list: a note dropped by the per-location bound leaves
 * from the middle, in constant time).
 */
interface Kept {
  readonly note: RouteNote;
  readonly key: string;
  readonly size: number;
  older: Kept | undefined;
  newer: Kept | undefined;
}

export class MemoryNoteStore implements NoteStore {
  readonly description = 'memory';
  readonly bounds: NoteBounds;
  /** Notes dropped past the bounds, counted and logged. */
  readonly drops: DropLog;
  /** Each location's notes, oldest first, by key `LATITUDE,LONGITUDE`. */
  private readonly locations = new Map<string, Kept[]>();
  /** The ends of the arrival list: every kept note, from the oldest to the newest. */
  private oldest: Kept | undefined;
  private newest: Kept | undefined;
  private count = 0;
  private bytes = 0;

  constructor(options: MemoryNoteStoreOptions = {}) {
    const { log, intervalMs, ...bounds } = options;
    this.bounds = resolveBounds(bounds);
    this.drops = new DropLog(this.bounds, { log, intervalMs });
  }

  /** Notes and message bytes kept, and locations holding notes. */
  get size(): { notes: number; bytes: number; locations: number } {
    return { notes: this.count, bytes: this.bytes, locations: this.locations.size };
  }

  append(note: RouteNote): Promise<readonly RouteNote[]> {
    const latitude = note.location?.latitude ?? 0;
    const longitude = note.location?.longitude ?? 0;
    const message = note.message ?? '';
    const key = `${latitude},${longitude}`;
    const size = Buffer.byteLength(message, 'utf8');
    const { maxNotes, maxNoteBytes, maxNotesPerLocation } = this.bounds;
    if (size > maxNoteBytes) {
      this.drops.count('tooLarge');
      return Promise.resolve(this.notesAt(key));
    }
    // Make room first, oldest first: at this location, then anywhere.
    const here = this.locations.get(key);
    if (here !== undefined && here.length >= maxNotesPerLocation) this.drop(here[0], 'perLocation');
    while (this.count >= maxNotes || this.bytes + size > maxNoteBytes) {
      this.drop(this.oldest!, this.count >= maxNotes ? 'notes' : 'bytes');
    }

    const earlier = this.notesAt(key);
    const stored: RouteNote = note.location
      ? Object.freeze({ location: Object.freeze({ latitude, longitude }), message })
      : Object.freeze({ message });
    const kept: Kept = { note: stored, key, size, older: this.newest, newer: undefined };
    const notes = this.locations.get(key);
    if (notes === undefined) this.locations.set(key, [kept]);
    else notes.push(kept);
    if (this.newest === undefined) this.oldest = kept;
    else this.newest.newer = kept;
    this.newest = kept;
    this.count++;
    this.bytes += size;
    return Promise.resolve(earlier);
  }

  close(): Promise<void> {
    this.drops.close();
    return Promise.resolve();
  }

  /** The notes at `key`, oldest first, in a new array. */
  private notesAt(key: string): RouteNote[] {
    return (this.locations.get(key) ?? []).map((kept) => kept.note);
  }

  /** Drops `kept`, which is the oldest note at its location. */
  private drop(kept: Kept, reason: Exclude<DropReason, 'tooLarge'>): void {
    const here = this.locations.get(kept.key)!;
    here.shift();
    if (here.length === 0) this.locations.delete(kept.key);
    if (kept.older === undefined) this.oldest = kept.newer;
    else kept.older.newer = kept.newer;
    if (kept.newer === undefined) this.newest = kept.older;
    else kept.newer.older = kept.older;
    this.count--;
    this.bytes -= kept.size;
    this.drops.count(reason);
  }
}
