// RouteChat's notes, kept per location for the life of the server and shared by every stream.
//
// The store holds every note ever received, so its layout decides what the garbage collector pays
// for them: it keeps columns, not objects. Each note is a row — latitude and longitude in
// Int32Arrays, its message in chunked arrays of strings — and an open-addressing hash table of
// Int32s finds the first row at a location. Per stored note the collector sees one string instead
// of a message object, a Point and a Map entry; a hundred thousand notes no longer slow every GC
// down (README, Benchmarks). Notes are rebuilt as plain objects when they are sent back.

import type { Point, RouteNote } from './types.js';

const FREE = -1;
const INITIAL_ROWS = 1024;
// Messages go in arrays of 4096, so that no array of them is ever copied to grow past that.
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;

export class NoteStore {
  // One row per note, in arrival order.
  private latitudes = new Int32Array(INITIAL_ROWS);
  private longitudes = new Int32Array(INITIAL_ROWS);
  private located = new Uint8Array(INITIAL_ROWS); // 0: the note came without a location
  private readonly messages: string[][] = [];
  private rows = 0;
  // Hash table, linear probing: slot → first row at that location, or FREE. At most half full.
  private firstRows = new Int32Array(2 * INITIAL_ROWS).fill(FREE);
  private locations = 0;
  // Locations holding more than one note (few do): their first row → all their rows, oldest first.
  private readonly moreRows = new Map<number, number[]>();

  /** Stores `note` at its location (none counts as (0, 0)); returns how many notes that location now holds. */
  add(note: RouteNote): number {
    const latitude = note.location?.latitude ?? 0;
    const longitude = note.location?.longitude ?? 0;
    const row = this.append(latitude, longitude, note);
    const slot = this.slotOf(latitude, longitude);
    const first = this.firstRows[slot];
    if (first === FREE) {
      this.firstRows[slot] = row;
      if (++this.locations * 2 > this.firstRows.length) this.growTable();
      return 1;
    }
    const more = this.moreRows.get(first);
    if (more) return more.push(row);
    this.moreRows.set(first, [first, row]);
    return 2;
  }

  /** The i-th note stored at `location` (0 = oldest); the location must hold more than i notes. */
  at(location: Point | null | undefined, i: number): RouteNote {
    const first = this.firstRows[this.slotOf(location?.latitude ?? 0, location?.longitude ?? 0)];
    const row = i === 0 ? first : this.moreRows.get(first)![i];
    const message = this.messages[row >>> CHUNK_BITS][row & CHUNK_MASK];
    if (!this.located[row]) return { message };
    return { location: { latitude: this.latitudes[row], longitude: this.longitudes[row] }, message };
  }

  private append(latitude: number, longitude: number, note: RouteNote): number {
    const row = this.rows++;
    if (row === this.latitudes.length) {
      this.latitudes = grown(this.latitudes, new Int32Array(2 * row));
      this.longitudes = grown(this.longitudes, new Int32Array(2 * row));
      this.located = grown(this.located, new Uint8Array(2 * row));
    }
    this.latitudes[row] = latitude;
    this.longitudes[row] = longitude;
    this.located[row] = note.location ? 1 : 0;
    if ((row & CHUNK_MASK) === 0) this.messages.push([]);
    this.messages[row >>> CHUNK_BITS].push(note.message ?? '');
    return row;
  }

  /** The slot holding (latitude, longitude), or the free slot where it belongs. */
  private slotOf(latitude: number, longitude: number): number {
    const table = this.firstRows;
    const mask = table.length - 1;
    for (let slot = hash(latitude, longitude) & mask; ; slot = (slot + 1) & mask) {
      const row = table[slot];
      if (row === FREE || (this.latitudes[row] === latitude && this.longitudes[row] === longitude)) return slot;
    }
  }

  private growTable(): void {
    const old = this.firstRows;
    this.firstRows = new Int32Array(2 * old.length).fill(FREE);
    for (let slot = 0; slot < old.length; slot++) {
      const row = old[slot];
      if (row !== FREE) this.firstRows[this.slotOf(this.latitudes[row], this.longitudes[row])] = row;
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
