// The HPACK encoder, RFC 7541: the other half of decoder.ts. The tap writes header blocks of its
// own only when a fault asks it to (src/wire/fault/): a status it injects, or a peer's block that
// it must send again in another form because the receiver's dynamic table no longer matches the
// sender's (DESIGN.md "Faults in the tap").
//
// For each field it takes the shortest of the representations its mode allows (§6):
//   the whole field in a table                  → indexed header field                 §6.1
//   the name in a table, or no match at all     → a literal, the name by index or spelt §6.2
// With `indexing` (a full encoder, as a peer is), every literal is added to the dynamic table
// (§6.2.1) and later blocks refer to it; without (what the tap sends on a peer's behalf), literals
// go "without indexing" (§6.2.2) and only the static table is referred to, so that the receiver's
// dynamic table never changes and never needs to be known. A field marked sensitive is always a
// literal "never indexed" (§6.2.3), which an intermediary must keep as it is (§7.1.3).
//
// A static-table match is preferred to a dynamic one, name or whole field alike, and the lowest
// index among equals: the choices RFC 7541 Appendix C makes, so its examples come out byte for byte.

import { DynamicTable } from './dynamic-table.js';
import { DEFAULT_HEADER_TABLE_SIZE } from './decoder.js';
import { encodeHuffman } from './huffman.js';
import { encodeInteger, MAX_INTEGER } from './integer.js';
import { STATIC_TABLE } from './static-table.js';

export interface EncoderField {
  /** Octets of the name and value, one latin1 character per octet (as the decoder gives them). */
  name: string;
  value: string;
  /** Sensitive: sent as a literal never indexed (§6.2.3, §7.1.3). */
  sensitive?: boolean;
}

export interface HpackEncoderOptions {
  /** The dynamic table's maximum size to start from (default 4096, RFC 9113 §6.5.2). */
  maxTableSize?: number;
  /** Add literals to the dynamic table and refer to its entries (default true); false: static table only. */
  indexing?: boolean;
  /** Huffman-code string literals always, never, or only when that is shorter (default). */
  huffman?: 'always' | 'never' | 'shorter';
}

/** The static table by "name\0value" and by name, lowest index first (§2.3.3: indices from 1). */
const STATIC_FIELDS = new Map<string, number>();
const STATIC_NAMES = new Map<string, number>();
STATIC_TABLE.forEach(({ name, value }, i) => {
  if (!STATIC_FIELDS.has(`${name}\0${value}`)) STATIC_FIELDS.set(`${name}\0${value}`, i + 1);
  if (!STATIC_NAMES.has(name)) STATIC_NAMES.set(name, i + 1);
});

export class HpackEncoder {
  private readonly table: DynamicTable;
  private readonly indexing: boolean;
  private readonly huffman: 'always' | 'never' | 'shorter';
  /** Size updates owed at the start of the next block (§4.2): the smallest, then the last. */
  private pendingSizes: number[] = [];

  constructor(options: HpackEncoderOptions = {}) {
    const size = options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    checkSize(size);
    this.table = new DynamicTable(size);
    this.indexing = options.indexing ?? true;
    this.huffman = options.huffman ?? 'shorter';
  }

  /** The dynamic table, newest first (a copy). */
  get dynamicTable(): readonly { name: string; value: string }[] {
    return this.table.entries;
  }

  /** Size of the dynamic table in octets (§4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  /**
   * A new maximum size for the dynamic table, signalled by a dynamic table size update at the start
   * of the next block (§6.3). When it drops and rises again before that block, §4.2 asks for the
   * smallest value first, then the final one.
   */
  setMaxTableSize(size: number): void {
    checkSize(size);
    const smallest = Math.min(size, ...this.pendingSizes);
    this.pendingSizes = smallest < size ? [smallest, size] : [size];
  }

  /** One header block: the size updates owed, then each field in order. */
  encode(fields: readonly EncoderField[]): Buffer {
    const out: number[] = [];
    for (const size of this.pendingSizes) {
      this.table.setMaxSize(size);
      out.push(...encodeInteger(size, 5, 0x20)); // 001xxxxx
    }
    this.pendingSizes = [];
    for (const field of fields) this.field(field, out);
    return Buffer.from(out);
  }

  private field({ name, value, sensitive }: EncoderField, out: number[]): void {
    if (!sensitive) {
      const index = this.fieldIndex(name, value);
      if (index !== undefined) {
        out.push(...encodeInteger(index, 7, 0x80)); // 1xxxxxxx
        return;
      }
    }
    const nameIndex = this.nameIndex(name) ?? 0;
    if (sensitive)
      out.push(...encodeInteger(nameIndex, 4, 0x10)); // 0001xxxx
    else if (this.indexing)
      out.push(...encodeInteger(nameIndex, 6, 0x40)); // 01xxxxxx
    else out.push(...encodeInteger(nameIndex, 4, 0x00)); // 0000xxxx
    if (nameIndex === 0) this.string(name, out);
    this.string(value, out);
    if (this.indexing && !sensitive) this.table.add(name, value);
  }

  private fieldIndex(name: string, value: string): number | undefined {
    const inStatic = STATIC_FIELDS.get(`${name}\0${value}`);
    if (inStatic !== undefined || !this.indexing) return inStatic;
    for (let i = 0; i < this.table.length; i++) {
      const entry = this.table.at(i)!;
      if (entry.name === name && entry.value === value) return STATIC_TABLE.length + 1 + i;
    }
    return undefined;
  }

  private nameIndex(name: string): number | undefined {
    const inStatic = STATIC_NAMES.get(name);
    if (inStatic !== undefined || !this.indexing) return inStatic;
    for (let i = 0; i < this.table.length; i++) {
      if (this.table.at(i)!.name === name) return STATIC_TABLE.length + 1 + i;
    }
    return undefined;
  }

  /** §5.2: H bit and a 7-bit prefixed length, then the octets, Huffman-coded or not. */
  private string(text: string, out: number[]): void {
    const raw = Buffer.from(text, 'latin1');
    const coded = this.huffman === 'never' ? undefined : encodeHuffman(raw);
    if (coded && (this.huffman === 'always' || coded.length < raw.length)) {
      out.push(...encodeInteger(coded.length, 7, 0x80));
      for (const byte of coded) out.push(byte);
    } else {
      out.push(...encodeInteger(raw.length, 7, 0x00));
      for (const byte of raw) out.push(byte);
    }
  }
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 0 || size > MAX_INTEGER) {
    throw new RangeError(`header table size must be an integer from 0 to ${MAX_INTEGER}, got ${size}`);
  }
}
