// SPEED ONLY, part of the typed-array note store (typed-array-note-store.ts): its messages' bytes,
// UTF-8 in fixed-size blocks, held in arrays of doubles on the JavaScript heap, six bytes to a double.
//
// Why not keep each message as a string: a string the store keeps survives young-generation
// collections and is promoted to the old generation, and a dropped one stays there as garbage until
// the next full collection — which V8 lets the heap grow to several times its live size before
// running. Measured on a store bounded at 200,000 notes of 1 KiB and flooded with 1.6 million: RSS
// swung between 315 and 950 MB. In blocks, a dropped note's bytes are reused by the next one at
// once, and RSS stays where the bound put it (docs/benchmarks.md, row (m)).
//
// Why doubles and not Buffers: an array of doubles is one object on the heap that the collector
// never looks inside (it holds no pointers) and that a write never replaces, so it adds no garbage
// and no marking work. Buffers hold their bytes outside the heap, and V8 weighs those bytes when
// it decides to collect: with the same blocks in 1 MiB Buffers, a server that had stored the
// RouteChat workloads' 200,000 notes then spent 1.4 s instead of 1.0 s in the collector over
// 200,000 unary calls (under the profiler), and its unary ratio to grpc-js fell from 1.62× to
// 1.35× (8 alternating rounds; docs/benchmarks.md, (a)).
//
// A message takes ceil(size / 24) blocks (one at least), each linked to the next; free blocks form a
// list through the same links, most recently freed first, so reuse keeps touching the same memory.
// Blocks live in slabs of 16384 blocks, each with an Int32Array of their links, allocated as needed
// and never released: past the store's bounds the number of blocks in use no longer grows.
//
// Why 24 bytes: a block is four doubles (32 bytes of memory) and a 4-byte link, so a short message
// — most RouteChat notes, and every note of bench rows (c) and (d) — takes 36 bytes, where blocks of
// 48 bytes took 68; a long one takes a link more per 24 bytes (a 1 KiB message, 1,548 bytes instead
// of 1,496). Memory written for the first time costs a page fault per 4 KiB (typed-array-note-store.ts),
// so a store that grows pays for every byte a note takes. Against 48-byte blocks on bench row (d)
// (server pinned as in bench/run.mjs, medians of 8 alternating rounds on a loaded machine): the
// server's page faults during the row 3,709 → 2,816, its CPU per note 3.72 → 3.57 µs. Flooded with
// the default bounds (docs/deployment.md), against the store of 48-byte blocks whose rows and links
// grew by doubling: peak RSS 282 → 249 MB with 60-byte notes, 424 → 373 MB with 145-byte ones (the
// most blocks the bounds allow), 308 → 315 MB with 1 KiB ones (docs/benchmarks.md, "memory written
// for the first time").

const NONE = -1;
/** Bytes a block holds. */
export const BLOCK_SIZE = 24;
/** Bytes in one double: integers below 2^48 are exact. */
const BYTES_PER_SLOT = 6;
const SLOTS_PER_BLOCK = BLOCK_SIZE / BYTES_PER_SLOT;
const SLAB_BITS = 14; // 16384 blocks of 4 doubles: 512 KiB
const SLAB_BLOCKS = 1 << SLAB_BITS;
const SLAB_MASK = SLAB_BLOCKS - 1;
/** Messages at most this long (in UTF-16 units) are measured in JavaScript rather than by Buffer.byteLength. */
const SHORT = 64;

export class BlockArena {
  private readonly slabs: number[][] = [];
  private readonly links: Int32Array[] = []; // per slab: each block's next block, or NONE
  private freeBlock = NONE;
  private blocksMade = 0;
  private scratch = Buffer.alloc(0);

  /** Blocks made so far (in use or free). */
  get blocks(): number {
    return this.blocksMade;
  }

  /** Stores the `size` UTF-8 bytes of `message` (`size` from utf8Length); returns its first block. */
  store(message: string, size: number): number {
    const first = this.takeBlock();
    // Speed: most notes are short ASCII, packed straight from their characters; others go through
    // their UTF-8 bytes.
    if (size <= BLOCK_SIZE && size === message.length) {
      this.packAscii(message, first);
      this.link(first, NONE);
      return first;
    }
    const bytes = this.scratchOf(size);
    bytes.write(message, 0, size, 'utf8');
    let block = first;
    for (let from = 0; ;) {
      this.packBytes(bytes, from, Math.min(from + BLOCK_SIZE, size), block);
      from += BLOCK_SIZE;
      if (from >= size) break;
      const following = this.takeBlock();
      this.link(block, following);
      block = following;
    }
    this.link(block, NONE);
    return first;
  }

  /** The message of `size` bytes stored from block `first`. */
  read(first: number, size: number): string {
    const bytes = this.scratchOf(size);
    let block = first;
    for (let to = 0; to < size; to += BLOCK_SIZE, block = this.next(block)) {
      this.unpack(block, bytes, to, Math.min(to + BLOCK_SIZE, size));
    }
    return bytes.toString('utf8', 0, size);
  }

  /** Frees the blocks of the message stored from block `first`. */
  free(first: number): void {
    let block = first;
    for (;;) {
      const following = this.next(block);
      this.link(block, this.freeBlock);
      this.freeBlock = block;
      if (following === NONE) return;
      block = following;
    }
  }

  /** Packs an ASCII message of at most BLOCK_SIZE characters into `block`, six to a double. */
  private packAscii(message: string, block: number): void {
    const slab = this.slabs[block >>> SLAB_BITS];
    let slot = (block & SLAB_MASK) * SLOTS_PER_BLOCK;
    const length = message.length;
    let i = 0;
    for (; i + BYTES_PER_SLOT <= length; i += BYTES_PER_SLOT) {
      const high = (message.charCodeAt(i) << 16) | (message.charCodeAt(i + 1) << 8) | message.charCodeAt(i + 2);
      const low = (message.charCodeAt(i + 3) << 16) | (message.charCodeAt(i + 4) << 8) | message.charCodeAt(i + 5);
      slab[slot++] = high * 0x1000000 + low;
    }
    if (i < length) {
      let value = 0;
      for (; i < length; i++) value = value * 256 + message.charCodeAt(i);
      slab[slot] = value;
    }
  }

  /** Packs `bytes[from, to)` (at most BLOCK_SIZE) into `block`, six to a double. */
  private packBytes(bytes: Buffer, from: number, to: number, block: number): void {
    const slab = this.slabs[block >>> SLAB_BITS];
    let slot = (block & SLAB_MASK) * SLOTS_PER_BLOCK;
    for (let i = from; i < to; i += BYTES_PER_SLOT, slot++) {
      const end = Math.min(i + BYTES_PER_SLOT, to);
      let value = 0;
      for (let j = i; j < end; j++) value = value * 256 + bytes[j];
      slab[slot] = value;
    }
  }

  /** Writes the bytes `block` holds into `bytes[from, to)`. */
  private unpack(block: number, bytes: Buffer, from: number, to: number): void {
    const slab = this.slabs[block >>> SLAB_BITS];
    let slot = (block & SLAB_MASK) * SLOTS_PER_BLOCK;
    for (let i = from; i < to; i += BYTES_PER_SLOT, slot++) {
      const end = Math.min(i + BYTES_PER_SLOT, to);
      let value = slab[slot];
      for (let j = end - 1; j >= i; j--) {
        bytes[j] = value % 256;
        value = Math.floor(value / 256);
      }
    }
  }

  private takeBlock(): number {
    const free = this.freeBlock;
    if (free !== NONE) {
      this.freeBlock = this.next(free);
      return free;
    }
    const block = this.blocksMade++;
    if ((block & SLAB_MASK) === 0) {
      // Filled with a fraction so that V8 keeps the array as unboxed doubles from the start.
      this.slabs.push(new Array<number>(SLAB_BLOCKS * SLOTS_PER_BLOCK).fill(0.5));
      this.links.push(new Int32Array(SLAB_BLOCKS));
    }
    return block;
  }

  /** The block after `block`: in its message, or in the free list (NONE after the last). */
  private next(block: number): number {
    return this.links[block >>> SLAB_BITS][block & SLAB_MASK];
  }

  private link(block: number, following: number): void {
    this.links[block >>> SLAB_BITS][block & SLAB_MASK] = following;
  }

  /** A buffer of at least `size` bytes for a message's UTF-8 (kept for the next one). */
  private scratchOf(size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.scratch.length));
    return this.scratch;
  }
}

/** Bytes of `message` in UTF-8 (lone surrogates count 3, as Buffer#write replaces them with U+FFFD). */
export function utf8Length(message: string): number {
  const n = message.length;
  if (n > SHORT) return Buffer.byteLength(message, 'utf8');
  // Speed: for short messages this loop costs less than a call to Buffer.byteLength.
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) size += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (message.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      size += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else size += 2;
  }
  return size;
}
