// SPEED ONLY: the memory note store of memory-note-store.ts — the same answers, the same bounds, the
// same drop log (the tests run one table of cases against both) — with the notes kept where the
// garbage collector does not see them, so that a server keeping many notes does not slow down and
// its memory stays flat however long a client floods. `serve` uses it. What it buys, against the
// plain store on the same handler path (server pinned as in bench/run.mjs, 5 alternating rounds on
// a loaded machine): server CPU per note 6.0 µs instead of 9.3 on bench row (c), 6.1 instead of 7.6
// on (d); and flooded as in row (m), peak RSS 1.02× past the byte bound what it was at it, where the
// plain store's strings and objects take it to 1.68× (the row's target: at most 1.1×).
//
// Every note kept is a row of typed-array columns, not an object (with notes kept as objects, each
// garbage collection copies and marks them: 200k notes slowed RouteChat down by a third). A row
// holds the note's coordinates, whether it came with a location, its message's size and first block
// in the block arena (block-arena.ts: the bytes in arrays of doubles the collector never looks
// into), and three links:
//
//   older/newer  every row in arrival order (a doubly linked list: the oldest row goes first when a
//                global bound is reached, and a row dropped by the per-location bound is unlinked
//                from the middle);
//   nextHere     the next row at the same location (oldest to newest).
//
// An open-addressing hash table of Int32s (linear probing, backward-shift deletion) maps a location
// to its first row, which also holds the location's note count and last row. Dropped rows and their
// blocks go to free lists and are reused: past the bounds nothing grows.
//
// The columns start with room for 1024 rows; the first growth makes room for 2^20 (or `maxNotes`
// rows, if fewer) in one step, and only past that do they double. The kernel gives an array that
// large its memory page by page, when a row on the page is first written, so the room not yet used
// takes address space (37 bytes a row: 37 MiB), not memory, and no row below 2^20 is ever copied.
// Growing by doubling, each step wrote every row again into new memory, and memory written for the
// first time is much of what a growing store costs: a page fault per 4 KiB, ~12 µs each on the
// benchmark machine (a virtual machine). What the one step buys on bench row (d), whose 100,000
// notes all go to new locations (server pinned as in bench/run.mjs, medians of 8 alternating
// rounds on a loaded machine): the server's page faults during the row 3,885 → 2,784, its CPU per
// note 3.95 → 3.64 µs (docs/benchmarks.md, "memory written for the first time").
//
// It also answers an append at once (`appendNow`, ImmediateNoteStore), which the RouteChat handler
// uses without a promise per note (service.ts).

import { BlockArena, utf8Length } from './block-arena.js';
import { DropLog, type DropLogOptions } from './drop-log.js';
import { resolveBounds, type ImmediateNoteStore, type NoteBounds } from './note-store.js';
import type { RouteNote } from './types.js';

const NONE = -1;
const INITIAL_ROWS = 1024;
/** Rows the first growth makes room for (at most `maxNotes`); past them the columns double. */
const RESERVED_ROWS = 1 << 20;
const NO_NOTES: readonly RouteNote[] = Object.freeze([]);

export interface TypedArrayNoteStoreOptions extends Partial<NoteBounds>, DropLogOptions {}

export class TypedArrayNoteStore implements ImmediateNoteStore {
  readonly description = 'memory';
  readonly bounds: NoteBounds;
  /** Notes dropped past the bounds, counted and logged. */
  readonly drops: DropLog;

  // Rows. A row is live (holds a note) or on the free list.
  private latitudes = new Int32Array(INITIAL_ROWS);
  private longitudes = new Int32Array(INITIAL_ROWS);
  private located = new Uint8Array(INITIAL_ROWS); // 0: the note came without a location
  private sizes = new Int32Array(INITIAL_ROWS); // UTF-8 bytes of the message
  private older = new Int32Array(INITIAL_ROWS);
  private newer = new Int32Array(INITIAL_ROWS);
  private nextHere = new Int32Array(INITIAL_ROWS); // on the free list: the next free row
  private firstBlocks = new Int32Array(INITIAL_ROWS);
  // On a location's first row: how many notes the location holds, and its last row.
  private hereCounts = new Int32Array(INITIAL_ROWS);
  private lastHere = new Int32Array(INITIAL_ROWS);
  private readonly arena = new BlockArena();
  private rowsUsed = 0; // rows ever handed out; rows below it are live or free
  private freeRow = NONE;
  private oldest = NONE;
  private newest = NONE;
  private noteCount = 0;
  private byteCount = 0;

  // Hash table, linear probing: slot → the location's first row, or NONE. At most half full.
  private firstRows = new Int32Array(2 * INITIAL_ROWS).fill(NONE);
  private locationCount = 0;

  constructor(options: TypedArrayNoteStoreOptions = {}) {
    const { log, intervalMs, ...bounds } = options;
    this.bounds = resolveBounds(bounds);
    this.drops = new DropLog(this.bounds, { log, intervalMs });
  }

  /** Notes and message bytes kept, and locations holding notes. */
  get size(): { notes: number; bytes: number; locations: number } {
    return { notes: this.noteCount, bytes: this.byteCount, locations: this.locationCount };
  }

  /**
   * Rows and message blocks allocated: room for 1024 rows at first, then for `maxNotes` at most (2^20
   * of them in one step, doubling past that); no more blocks than ever held at once.
   */
  get capacity(): { rows: number; blocks: number } {
    return { rows: this.latitudes.length, blocks: this.arena.blocks };
  }

  append(note: RouteNote): Promise<readonly RouteNote[]> {
    return Promise.resolve(this.appendNow(note));
  }

  /** `append`, answered at once. */
  appendNow(note: RouteNote): readonly RouteNote[] {
    const latitude = note.location?.latitude ?? 0;
    const longitude = note.location?.longitude ?? 0;
    const message = note.message ?? '';
    const size = utf8Length(message);
    const { maxNotes, maxNoteBytes, maxNotesPerLocation } = this.bounds;
    if (size > maxNoteBytes) {
      this.drops.count('tooLarge');
      return this.notesAt(this.slotOf(latitude, longitude));
    }
    // Make room first, oldest first: at this location, then anywhere.
    let slot = this.slotOf(latitude, longitude);
    const here = this.firstRows[slot];
    if (here !== NONE && this.hereCounts[here] >= maxNotesPerLocation) {
      this.drop(here, 'perLocation');
      slot = this.slotOf(latitude, longitude); // the drop may have moved or freed the slot
    }
    let moved = false;
    while (this.noteCount >= maxNotes || this.byteCount + size > maxNoteBytes) {
      this.drop(this.oldest, this.noteCount >= maxNotes ? 'notes' : 'bytes');
      moved = true;
    }
    if (moved) slot = this.slotOf(latitude, longitude);

    const earlier = this.notesAt(slot);
    const row = this.newRow();
    this.firstBlocks[row] = this.arena.store(message, size);
    this.latitudes[row] = latitude;
    this.longitudes[row] = longitude;
    this.located[row] = note.location ? 1 : 0;
    this.sizes[row] = size;
    this.older[row] = this.newest;
    this.newer[row] = NONE;
    this.nextHere[row] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = row;
    else this.oldest = row;
    this.newest = row;
    this.noteCount++;
    this.byteCount += size;

    const first = this.firstRows[slot];
    if (first === NONE) {
      this.firstRows[slot] = row;
      this.hereCounts[row] = 1;
      this.lastHere[row] = row;
      if (++this.locationCount * 2 > this.firstRows.length) this.growTable();
    } else {
      this.nextHere[this.lastHere[first]] = row;
      this.lastHere[first] = row;
      this.hereCounts[first]++;
    }
    return earlier;
  }

  close(): Promise<void> {
    this.drops.close();
    return Promise.resolve();
  }

  /** The notes at the location of `slot`, oldest first, as new objects (a shared empty array when none). */
  private notesAt(slot: number): readonly RouteNote[] {
    let row = this.firstRows[slot];
    if (row === NONE) return NO_NOTES;
    const notes = new Array<RouteNote>(this.hereCounts[row]);
    for (let i = 0; row !== NONE; i++, row = this.nextHere[row]) notes[i] = this.noteOf(row);
    return notes;
  }

  private noteOf(row: number): RouteNote {
    const message = this.arena.read(this.firstBlocks[row], this.sizes[row]);
    if (!this.located[row]) return { message };
    return { location: { latitude: this.latitudes[row], longitude: this.longitudes[row] }, message };
  }

  /** Drops `row`, which must be the oldest at its location; its row goes to the free list. */
  private drop(row: number, reason: 'notes' | 'bytes' | 'perLocation'): void {
    const older = this.older[row];
    const newer = this.newer[row];
    if (older !== NONE) this.newer[older] = newer;
    else this.oldest = newer;
    if (newer !== NONE) this.older[newer] = older;
    else this.newest = older;

    const slot = this.slotOf(this.latitudes[row], this.longitudes[row]);
    const next = this.nextHere[row];
    if (next === NONE) this.deleteSlot(slot);
    else {
      this.firstRows[slot] = next;
      this.hereCounts[next] = this.hereCounts[row] - 1;
      this.lastHere[next] = this.lastHere[row];
    }
    this.noteCount--;
    this.byteCount -= this.sizes[row];
    this.arena.free(this.firstBlocks[row]);
    this.nextHere[row] = this.freeRow;
    this.freeRow = row;
    this.drops.count(reason);
  }

  private newRow(): number {
    const free = this.freeRow;
    if (free !== NONE) {
      this.freeRow = this.nextHere[free];
      return free;
    }
    const row = this.rowsUsed++;
    // (row < maxNotes here: room was made first, and no row is free)
    if (row === this.latitudes.length) {
      this.growRows(Math.min(Math.max(2 * row, RESERVED_ROWS), this.bounds.maxNotes));
    }
    return row;
  }

  private growRows(length: number): void {
    this.latitudes = grown(this.latitudes, new Int32Array(length));
    this.longitudes = grown(this.longitudes, new Int32Array(length));
    this.located = grown(this.located, new Uint8Array(length));
    this.sizes = grown(this.sizes, new Int32Array(length));
    this.older = grown(this.older, new Int32Array(length));
    this.newer = grown(this.newer, new Int32Array(length));
    this.nextHere = grown(this.nextHere, new Int32Array(length));
    this.firstBlocks = grown(this.firstBlocks, new Int32Array(length));
    this.hereCounts = grown(this.hereCounts, new Int32Array(length));
    this.lastHere = grown(this.lastHere, new Int32Array(length));
  }

  /** The slot holding (latitude, longitude), or the free slot where it belongs. */
  private slotOf(latitude: number, longitude: number): number {
    const table = this.firstRows;
    const mask = table.length - 1;
    for (let slot = hash(latitude, longitude) & mask; ; slot = (slot + 1) & mask) {
      const row = table[slot];
      if (row === NONE || (this.latitudes[row] === latitude && this.longitudes[row] === longitude)) return slot;
    }
  }

  /**
   * Empties `slot` without breaking any probe sequence (backward-shift deletion): each following
   * entry whose home slot does not lie cyclically in (hole, entry] moves back into the hole.
   */
  private deleteSlot(slot: number): void {
    const table = this.firstRows;
    const mask = table.length - 1;
    let hole = slot;
    for (let i = (hole + 1) & mask; table[i] !== NONE; i = (i + 1) & mask) {
      const row = table[i];
      const home = hash(this.latitudes[row], this.longitudes[row]) & mask;
      const stays = hole < i ? hole < home && home <= i : hole < home || home <= i;
      if (stays) continue;
      table[hole] = row;
      hole = i;
    }
    table[hole] = NONE;
    this.locationCount--;
  }

  private growTable(): void {
    const old = this.firstRows;
    const table = (this.firstRows = new Int32Array(2 * old.length).fill(NONE));
    const mask = table.length - 1;
    for (let i = 0; i < old.length; i++) {
      const row = old[i];
      if (row === NONE) continue;
      let slot = hash(this.latitudes[row], this.longitudes[row]) & mask;
      while (table[slot] !== NONE) slot = (slot + 1) & mask;
      table[slot] = row;
    }
  }
}

function grown<A extends Int32Array | Uint8Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

/** Mixes the two 32-bit coordinates into a well-spread 32-bit hash. */
function hash(latitude: number, longitude: number): number {
  let h = Math.imul(latitude, 0x9e3779b1) ^ Math.imul(longitude ^ 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 16);
}
