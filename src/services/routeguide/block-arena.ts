// The memory store's message bytes: UTF-8 in fixed-size blocks of large Buffers, outside the
// JavaScript heap.
//
// Why not keep each message as a string: a string the store keeps survives young-generation
// collections and is promoted to the old generation, and a dropped one stays there as garbage until
// the next full collection — which V8 lets the heap grow to several times its live size before
// running. Measured on a store bounded at 200,000 notes of 1 KiB and flooded with 1.6 million: RSS
// swung between 315 and 950 MB. In blocks, a dropped note's bytes are reused by the next one at
// once, and RSS stays where the bound put it (README, Benchmarks, row (m)).
//
// A message takes ceil(size / 64) blocks (one at least) chained by `next`; free blocks form a list
// through the same links, most recently freed first, so reuse keeps touching the same pages. Blocks
// live in slabs of 1 MiB allocated as needed and never released: past the store's bounds the number
// of blocks in use no longer grows.

const NONE = -1;
export const BLOCK_SIZE = 64;
const SLAB_BITS = 14; // 16384 blocks of 64 bytes: 1 MiB
const SLAB_BLOCKS = 1 << SLAB_BITS;
const SLAB_MASK = SLAB_BLOCKS - 1;
/** Messages at most this long (in UTF-16 units) are measured in JavaScript rather than by Buffer.byteLength. */
const SHORT = 64;

export class BlockArena {
  private readonly slabs: Buffer[] = [];
  private next = new Int32Array(SLAB_BLOCKS);
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
    const slab = this.slabs[first >>> SLAB_BITS];
    const offset = (first & SLAB_MASK) * BLOCK_SIZE;
    if (size <= BLOCK_SIZE) {
      // Speed: most notes are short ASCII, written by this loop rather than Buffer#write; with
      // utf8Length's loop, CPU time per note 3.39 instead of 3.51 µs on (c), 3.55 instead of 3.65 µs
      // on (d) (README, Benchmarks).
      if (size === message.length) for (let i = 0; i < size; i++) slab[offset + i] = message.charCodeAt(i);
      else slab.write(message, offset, size, 'utf8');
      this.next[first] = NONE;
      return first;
    }
    const bytes = this.scratchOf(size);
    bytes.write(message, 0, size, 'utf8');
    bytes.copy(slab, offset, 0, BLOCK_SIZE);
    let block = first;
    for (let from = BLOCK_SIZE; from < size; from += BLOCK_SIZE) {
      const following = this.takeBlock();
      this.next[block] = following;
      block = following;
      bytes.copy(
        this.slabs[block >>> SLAB_BITS],
        (block & SLAB_MASK) * BLOCK_SIZE,
        from,
        Math.min(from + BLOCK_SIZE, size),
      );
    }
    this.next[block] = NONE;
    return first;
  }

  /** The message of `size` bytes stored from block `first`. */
  read(first: number, size: number): string {
    const offset = (first & SLAB_MASK) * BLOCK_SIZE;
    if (size <= BLOCK_SIZE) return this.slabs[first >>> SLAB_BITS].toString('utf8', offset, offset + size);
    const bytes = this.scratchOf(size);
    let block = first;
    for (let to = 0; to < size; to += BLOCK_SIZE, block = this.next[block]) {
      const at = (block & SLAB_MASK) * BLOCK_SIZE;
      this.slabs[block >>> SLAB_BITS].copy(bytes, to, at, at + Math.min(BLOCK_SIZE, size - to));
    }
    return bytes.toString('utf8', 0, size);
  }

  /** Frees the blocks of the message stored from block `first`. */
  free(first: number): void {
    let block = first;
    for (;;) {
      const following = this.next[block];
      this.next[block] = this.freeBlock;
      this.freeBlock = block;
      if (following === NONE) return;
      block = following;
    }
  }

  private takeBlock(): number {
    const free = this.freeBlock;
    if (free !== NONE) {
      this.freeBlock = this.next[free];
      return free;
    }
    const block = this.blocksMade++;
    if ((block & SLAB_MASK) === 0) this.slabs.push(Buffer.allocUnsafeSlow(SLAB_BLOCKS * BLOCK_SIZE));
    if (block === this.next.length) {
      const grown = new Int32Array(2 * block);
      grown.set(this.next);
      this.next = grown;
    }
    return block;
  }

  /** A buffer of at least `size` bytes for assembling a long message (kept for the next one). */
  private scratchOf(size: number): Buffer {
    if (this.scratch.length < size) this.scratch = Buffer.allocUnsafeSlow(Math.max(size, 2 * this.scratch.length));
    return this.scratch;
  }
}

/** Bytes of `message` in UTF-8 (lone surrogates count 3, as Buffer#write replaces them with U+FFFD). */
export function utf8Length(message: string): number {
  const n = message.length;
  if (n > SHORT) return Buffer.byteLength(message, 'utf8');
  // Speed: for short messages this loop costs less than a call to Buffer.byteLength (see store()).
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
