// The HPACK dynamic table, RFC 7541 §2.3.2 and §4.
//
// Entries are kept newest first: entries[0] is wire index 62 (RFC 7541 §2.3.3). Names and values
// are latin1 strings, one character per octet of the header block, so any octet round-trips and an
// entry's size is exact: name.length + value.length + 32 octets (§4.1). Showing them as UTF-8 is
// the caller's choice (Buffer.from(s, 'latin1').toString('utf8')).

import type { TableEntry } from './static-table.js';

/** §4.1: the 32 octets each entry costs beyond its name and value. */
export const ENTRY_OVERHEAD = 32;

export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

export class DynamicTable {
  // Oldest first from `oldest` on, so that adding (push) and evicting (advance `oldest`) cost O(1)
  // however many entries a large SETTINGS_HEADER_TABLE_SIZE lets a peer add; evicted slots are
  // dropped once they make up half of the array.
  private readonly slots: TableEntry[] = [];
  private oldest = 0;
  private octets = 0;
  private max: number;

  constructor(maxSize: number) {
    this.max = maxSize;
  }

  get length(): number {
    return this.slots.length - this.oldest;
  }

  /** A copy of the entries, newest first. */
  get entries(): TableEntry[] {
    return this.slots.slice(this.oldest).reverse();
  }

  /** Sum of the entries' sizes, in octets (§4.1). */
  get size(): number {
    return this.octets;
  }

  get maxSize(): number {
    return this.max;
  }

  /** The entry at `position` (0 = newest, wire index 62), or undefined past the end. */
  at(position: number): TableEntry | undefined {
    return position < this.length ? this.slots[this.slots.length - 1 - position] : undefined;
  }

  /**
   * §4.4: evicts from the oldest end until the new entry fits, then adds it. An entry larger than
   * the maximum size leaves the table empty and is not added (which is not an error).
   */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    this.evictDownTo(this.max - size);
    if (size > this.max) return;
    this.slots.push(Object.freeze({ name, value }));
    this.octets += size;
  }

  /** §4.3: a new maximum size; evicts from the oldest end until the entries fit. */
  setMaxSize(maxSize: number): void {
    this.max = maxSize;
    this.evictDownTo(maxSize);
  }

  private evictDownTo(limit: number): void {
    while (this.octets > Math.max(limit, 0) && this.oldest < this.slots.length) {
      const entry = this.slots[this.oldest++];
      this.octets -= entrySize(entry.name, entry.value);
    }
    if (this.oldest > 0 && this.oldest * 2 >= this.slots.length) {
      this.slots.splice(0, this.oldest);
      this.oldest = 0;
    }
  }
}
