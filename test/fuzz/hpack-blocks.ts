// Header blocks for the fuzzer (RFC 7541): an encoder that makes valid blocks in every
// representation (§6), keeping its own copy of the dynamic table so that it can refer to entries it
// added, and the hostile pieces a block can hold — indices past the tables, integers too long or too
// large, broken Huffman strings, size updates where none may stand, strings that run off the block.

import { encodeHuffman, encodeInteger, STATIC_TABLE } from '../../src/wire/hpack/index.js';
import type { Rng } from '../helpers/rng.js';

export type Field = readonly [name: string, value: string];

/** §4.1: an entry's size is its name and value octets plus 32. */
const entrySize = (name: string, value: string) =>
  Buffer.byteLength(name, 'latin1') + Buffer.byteLength(value, 'latin1') + 32;

/** §5.2: H bit, 7-bit prefixed length, the octets (Huffman-coded when H is set). */
export function stringLiteral(text: string, huffman: boolean): number[] {
  const raw = Buffer.from(text, 'latin1');
  const bytes = huffman ? encodeHuffman(raw) : raw;
  return [...encodeInteger(bytes.length, 7, huffman ? 0x80 : 0), ...bytes];
}

/** The encoder side of one direction's dynamic table (§2.3.2, §4.4): what the decoder must hold too. */
export class EncoderTable {
  entries: Field[] = [];
  size = 0;
  constructor(public maxSize = 4096) {}

  add(name: string, value: string): void {
    this.entries.unshift([name, value]);
    this.size += entrySize(name, value);
    this.evict();
  }

  setMaxSize(size: number): void {
    this.maxSize = size;
    this.evict();
  }

  private evict(): void {
    while (this.size > this.maxSize && this.entries.length > 0) {
      const [name, value] = this.entries.pop()!;
      this.size -= entrySize(name, value);
    }
  }

  /** The index of an entry with this name (and value, when `value` is given): static first, then dynamic. */
  find(name: string, value?: string): number | undefined {
    const match = (n: string, v: string) => n === name && (value === undefined || v === value);
    const s = STATIC_TABLE.findIndex((e) => match(e.name, e.value));
    if (s >= 0) return s + 1;
    const d = this.entries.findIndex(([n, v]) => match(n, v));
    return d >= 0 ? STATIC_TABLE.length + 1 + d : undefined;
  }
}

/** Encodes `fields` as one block, choosing each field's representation at random (all valid). */
export function encodeBlock(rng: Rng, table: EncoderTable, fields: readonly Field[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const full = table.find(name, value);
    if (full !== undefined && rng.chance(0.7)) {
      out.push(...encodeInteger(full, 7, 0x80)); // §6.1
      continue;
    }
    const indexing = rng.weighted([
      [2, 'incremental'],
      [2, 'without'],
      [1, 'never'],
    ] as const);
    const nameIndex = rng.chance(0.7) ? table.find(name) : undefined;
    // §6.2.1: 01 + 6-bit name index; §6.2.2: 0000 + 4 bits; §6.2.3: 0001 + 4 bits.
    const [prefix, flags] = indexing === 'incremental' ? [6, 0x40] : indexing === 'never' ? [4, 0x10] : [4, 0];
    out.push(...encodeInteger(nameIndex ?? 0, prefix, flags));
    if (nameIndex === undefined) out.push(...stringLiteral(name, rng.chance(0.5)));
    out.push(...stringLiteral(value, rng.chance(0.5)));
    if (indexing === 'incremental') table.add(name, value);
  }
  return Buffer.from(out);
}

/** §6.3: a dynamic table size update (applied to `table` when given). */
export function sizeUpdate(size: number, table?: EncoderTable): Buffer {
  table?.setMaxSize(size);
  return Buffer.from(encodeInteger(size, 5, 0x20));
}

/** Every literal representation of one field, names and values plain: the shape of a re-encoded block. */
export function literalBlock(fields: readonly Field[]): Buffer {
  return Buffer.from(
    fields.flatMap(([name, value]) => [
      ...encodeInteger(0, 4),
      ...stringLiteral(name, false),
      ...stringLiteral(value, false),
    ]),
  );
}

/** An integer whose encoding is `extra` bytes longer than it needs (§5.1 allows no padding limit; decoders set one). */
function paddedInteger(value: number, prefixBits: number, flags: number, extra: number): number[] {
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) return encodeInteger(value, prefixBits, flags);
  const bytes = encodeInteger(value, prefixBits, flags);
  bytes[bytes.length - 1] |= 0x80;
  for (let i = 1; i < extra; i++) bytes.push(0x80);
  bytes.push(0);
  return bytes;
}

/** A Huffman string literal whose code is broken in one of §5.2's three ways. */
function brokenHuffman(rng: Rng): number[] {
  const body = Array.from(encodeHuffman(Buffer.from(rng.pick(['grpc', 'application/grpc', 'x', '']), 'latin1')));
  switch (rng.int(3)) {
    case 0: // the EOS symbol (30 ones) inside the string
      body.push(0xff, 0xff, 0xff, 0xff);
      break;
    case 1: // padding longer than 7 bits: a whole byte of ones after a complete code
      body.push(0xff);
      break;
    default: // padding that is not the most significant bits of EOS (a zero bit at the end)
      body.push(0xfe);
  }
  return [...encodeInteger(body.length, 7, 0x80), ...body];
}

export interface HostilePiece {
  bytes: Buffer;
  /** What it is, for the failure file. */
  what: string;
}

/**
 * One hostile representation. `table` is the encoder's table before it (for indices just past its
 * end); the piece is not applied to it, since a decoder that refuses it stops there.
 */
export function hostileRepresentation(rng: Rng, table: EncoderTable): HostilePiece {
  const end = STATIC_TABLE.length + table.entries.length;
  const piece = (what: string, bytes: number[]) => ({ what, bytes: Buffer.from(bytes) });
  switch (rng.int(12)) {
    case 0:
      return piece('indexed field with index 0 (§6.1)', [0x80]);
    case 1: {
      const index = rng.pick([end + 1, end + rng.between(2, 100), 2 ** 31, 0xffff_ffff]);
      return piece(`indexed field past the tables: ${index} (§2.3.3)`, encodeInteger(index, 7, 0x80));
    }
    case 2: {
      const index = end + rng.between(1, 10);
      return piece(`literal whose name index ${index} is past the tables`, [
        ...rng.pick([
          () => encodeInteger(index, 6, 0x40),
          () => encodeInteger(index, 4, 0),
          () => encodeInteger(index, 4, 0x10),
        ])(),
        ...stringLiteral('v', false),
      ]);
    }
    case 3: {
      const extra = rng.between(4, 12);
      return piece(
        `index 2 in an integer padded to ${extra} continuation bytes (§5.1)`,
        paddedInteger(127 + 2, 7, 0x80, extra),
      );
    }
    case 4: {
      // 2^32, 2^35, 2^53 + 1 and 2^70: above every limit a decoder may have.
      const bytes = [
        0xff,
        ...rng.pick([
          [0x81, 0xff, 0xff, 0xff, 0x0f],
          [0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
          [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10],
          Array<number>(10).fill(0xff).concat(1),
        ]),
      ];
      return piece('an integer above 2^32 − 1 as an index (§5.1)', bytes);
    }
    case 5:
      return piece('a value with a broken Huffman code (§5.2)', [
        0x00,
        ...stringLiteral('x-fuzz', false),
        ...brokenHuffman(rng),
      ]);
    case 6:
      return piece('a name with a broken Huffman code (§5.2)', [
        0x00,
        ...brokenHuffman(rng),
        ...stringLiteral('v', false),
      ]);
    case 7: {
      const size = rng.pick([4097, 65_536, 0xffff_ffff, rng.between(0, 4096)]);
      return piece(
        `a dynamic table size update to ${size} (only at the start of a block, at most the SETTINGS limit: §4.2, §6.3)`,
        encodeInteger(size, 5, 0x20),
      );
    }
    case 8: {
      const declared = rng.pick([1, 100, 16_384, 0x7fff_ffff]);
      return piece(`a value declaring ${declared} octets, more than the block has (§5.2)`, [
        0x00,
        ...stringLiteral('x-fuzz', false),
        ...encodeInteger(declared, 7),
      ]);
    }
    case 9: {
      const length = rng.pick([4096, 16_384, 65_535, 65_536, 65_537, 100_000]);
      return piece(`a ${length}-octet value`, [
        0x00,
        ...stringLiteral('x-big', false),
        ...stringLiteral('v'.repeat(length), false),
      ]);
    }
    case 10:
      return piece('a representation cut short after its first byte', [rng.pick([0x40, 0x10, 0x00, 0xff, 0x7f, 0x3f])]);
    default: {
      const length = rng.between(1, 16);
      return piece(`${length} random octets`, [...rng.bytes(length)]);
    }
  }
}
