// The HPACK decoder, RFC 7541: one per direction per HTTP/2 connection, fed whole header blocks
// (a HEADERS or PUSH_PROMISE fragment joined with its CONTINUATIONs), in the order they were sent.
//
// It reports how each field was encoded as well as what it says, and never throws: a malformed
// block is returned as an HpackError naming the byte offset and the rule. After one, the dynamic
// table can no longer be trusted (the peer would have ended the connection with COMPRESSION_ERROR,
// RFC 9113 §4.3), so every later block is refused too, rather than decoded against a guess.
//
// The first byte of each representation (§6):
//   1xxxxxxx  indexed header field, 7-bit index                       §6.1
//   01xxxxxx  literal with incremental indexing, 6-bit name index     §6.2.1
//   001xxxxx  dynamic table size update, 5-bit new maximum size       §6.3
//   0001xxxx  literal never indexed, 4-bit name index                 §6.2.3
//   0000xxxx  literal without indexing, 4-bit name index              §6.2.2
// A name index of 0 means the name follows as a string literal.

import { DynamicTable } from './dynamic-table.js';
import { HpackError } from './errors.js';
import { decodeHuffman } from './huffman.js';
import { decodeInteger, MAX_INTEGER, type DecodedInteger } from './integer.js';
import type {
  HeaderBlock,
  HeaderField,
  Representation,
  RepresentationBytes,
  StringBytes,
  TableRef,
} from './representation.js';
import { STATIC_TABLE, type TableEntry } from './static-table.js';

/** SETTINGS_HEADER_TABLE_SIZE's initial value (RFC 9113 §6.5.2), the table size RFC 7541 starts from. */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;

interface DecodedString {
  value: string;
  huffman: boolean;
  /** Where the string's octets start (after its length), and where they end. */
  octetsAt: number;
  end: number;
}

export class HpackDecoder {
  private readonly table: DynamicTable;
  /** SETTINGS_HEADER_TABLE_SIZE as in force for this direction: the bound on size updates (§6.3). */
  private settingsLimit: number;
  /**
   * §4.2: once the limit drops below the table's maximum size, the encoder must signal the smallest
   * limit reached by a size update at the beginning of its next block. Set until it does.
   */
  private pendingReduction: number | undefined;
  private failure: HpackError | undefined;

  constructor(maxTableSize = DEFAULT_HEADER_TABLE_SIZE) {
    checkSize(maxTableSize);
    this.table = new DynamicTable(maxTableSize);
    this.settingsLimit = maxTableSize;
  }

  /**
   * The decoding side advertised SETTINGS_HEADER_TABLE_SIZE = size: the bound for size updates
   * (§4.2). Call it when the setting takes effect, i.e. when the encoding side acknowledges the
   * SETTINGS frame (RFC 9113 §6.5.3): header blocks sent before the acknowledgement may still use
   * the previous limit.
   */
  setSettingsMaxTableSize(size: number): void {
    checkSize(size);
    this.settingsLimit = size;
    if (size < this.table.maxSize) this.pendingReduction = Math.min(this.pendingReduction ?? size, size);
  }

  /** The SETTINGS_HEADER_TABLE_SIZE limit in force. */
  get settingsMaxTableSize(): number {
    return this.settingsLimit;
  }

  /** The dynamic table, newest first (a copy). */
  get dynamicTable(): readonly { name: string; value: string }[] {
    return this.table.entries;
  }

  /** Size of the dynamic table in octets (§4.1). */
  get tableSize(): number {
    return this.table.size;
  }

  /** The dynamic table's maximum size, as last set by a size update (§4.2). */
  get maxTableSize(): number {
    return this.table.maxSize;
  }

  /** The error that stopped this decoder, if one did. */
  get error(): HpackError | undefined {
    return this.failure;
  }

  /**
   * Decodes one complete header block (HEADERS + CONTINUATION already joined). Never throws.
   * `layout`, when given, receives where each representation's parts lie (for the hex view).
   */
  decode(block: Uint8Array, layout?: RepresentationBytes[]): HeaderBlock | HpackError {
    if (this.failure) {
      return new HpackError(
        0,
        'RFC 9113 §4.3: the dynamic table is unknown after an earlier decoding error (COMPRESSION_ERROR)',
        this.failure.message,
      );
    }
    const result = this.decodeBlock(block, layout);
    if (result instanceof HpackError) this.failure = result;
    return result;
  }

  private decodeBlock(block: Uint8Array, layout: RepresentationBytes[] | undefined): HeaderBlock | HpackError {
    const fields: HeaderField[] = [];
    const tableSizeUpdates: number[] = [];
    let pos = 0;
    while (pos < block.length) {
      const first = block[pos];
      if ((first & 0xe0) === 0x20) {
        const update = this.sizeUpdate(block, pos, fields.length > 0);
        if (update instanceof HpackError) return update;
        tableSizeUpdates.push(update.value);
        layout?.push({ at: pos, prefixBits: 5, integerEnd: update.end, end: update.end });
        pos = update.end;
        continue;
      }
      if (this.pendingReduction !== undefined) return this.missingSizeUpdate(pos);
      const field =
        (first & 0x80) !== 0 ? this.indexedField(block, pos, layout) : this.literalField(block, pos, layout);
      if (field instanceof HpackError) return field;
      fields.push(field);
      pos += field.length;
    }
    if (this.pendingReduction !== undefined) return this.missingSizeUpdate(pos);
    return { fields, tableSizeUpdates };
  }

  /** §6.3: the new maximum size, applied to the table. */
  private sizeUpdate(block: Uint8Array, start: number, afterField: boolean): DecodedInteger | HpackError {
    if (afterField) {
      return new HpackError(start, 'RFC 7541 §4.2: dynamic table size update after a header field');
    }
    const size = decodeInteger(block, start, 5);
    if (size instanceof HpackError) return size;
    if (size.value > this.settingsLimit) {
      return new HpackError(
        start,
        'RFC 7541 §6.3: dynamic table size update above the SETTINGS_HEADER_TABLE_SIZE limit',
        `${size.value} > ${this.settingsLimit}`,
      );
    }
    this.table.setMaxSize(size.value);
    if (this.pendingReduction !== undefined && size.value <= this.pendingReduction) this.pendingReduction = undefined;
    return size;
  }

  private missingSizeUpdate(offset: number): HpackError {
    return new HpackError(
      offset,
      'RFC 7541 §4.2: a reduced SETTINGS_HEADER_TABLE_SIZE must be signalled by a dynamic table size update at the beginning of the next header block',
      `expected a size update to at most ${this.pendingReduction}`,
    );
  }

  /** §6.1 */
  private indexedField(
    block: Uint8Array,
    start: number,
    layout: RepresentationBytes[] | undefined,
  ): HeaderField | HpackError {
    const index = decodeInteger(block, start, 7);
    if (index instanceof HpackError) return index;
    if (index.value === 0) return new HpackError(start, 'RFC 7541 §6.1: index 0 in an indexed header field');
    const entry = this.lookup(index.value, start);
    if (entry instanceof HpackError) return entry;
    layout?.push({ at: start, prefixBits: 7, integerEnd: index.end, end: index.end });
    return {
      name: entry.name,
      value: entry.value,
      representation: { kind: 'indexed', ref: tableRef(index.value) },
      offset: start,
      length: index.end - start,
    };
  }

  /** §6.2.1, §6.2.2, §6.2.3 */
  private literalField(
    block: Uint8Array,
    start: number,
    layout: RepresentationBytes[] | undefined,
  ): HeaderField | HpackError {
    const first = block[start];
    const indexing = (first & 0x40) !== 0 ? 'incremental' : (first & 0x10) !== 0 ? 'never' : 'without';
    const prefixBits = indexing === 'incremental' ? 6 : 4;
    const nameIndex = decodeInteger(block, start, prefixBits);
    if (nameIndex instanceof HpackError) return nameIndex;
    let name: string;
    let nameRepresentation: TableRef | { huffman: boolean };
    let nameBytes: StringBytes | undefined;
    let pos = nameIndex.end;
    if (nameIndex.value === 0) {
      const literal = readString(block, pos);
      if (literal instanceof HpackError) return literal;
      name = literal.value;
      nameRepresentation = { huffman: literal.huffman };
      nameBytes = { at: pos, octetsAt: literal.octetsAt, end: literal.end };
      pos = literal.end;
    } else {
      const entry = this.lookup(nameIndex.value, start);
      if (entry instanceof HpackError) return entry;
      name = entry.name;
      nameRepresentation = tableRef(nameIndex.value);
    }
    const value = readString(block, pos);
    if (value instanceof HpackError) return value;
    // §4.4: the name is already copied out, so the entry it came from may be evicted by this add.
    if (indexing === 'incremental') this.table.add(name, value.value);
    layout?.push({
      at: start,
      prefixBits,
      integerEnd: nameIndex.end,
      name: nameBytes,
      value: { at: pos, octetsAt: value.octetsAt, end: value.end },
      end: value.end,
    });
    const representation: Representation = {
      kind: 'literal',
      indexing,
      name: nameRepresentation,
      valueHuffman: value.huffman,
    };
    return { name, value: value.value, representation, offset: start, length: value.end - start };
  }

  /** §2.3.3: indices 1–61 are the static table, 62 on the dynamic table, newest first. */
  private lookup(index: number, offset: number): TableEntry | HpackError {
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const entry = this.table.at(index - STATIC_TABLE.length - 1);
    if (entry !== undefined) return entry;
    return new HpackError(
      offset,
      'RFC 7541 §2.3.3: index past the end of the static and dynamic tables',
      `index ${index}; the tables end at ${STATIC_TABLE.length + this.table.length}`,
    );
  }
}

function tableRef(index: number): TableRef {
  return { table: index <= STATIC_TABLE.length ? 'static' : 'dynamic', index };
}

/** §5.2: H bit, 7-bit prefixed length, then that many octets, Huffman-coded when H is set. */
function readString(block: Uint8Array, start: number): DecodedString | HpackError {
  if (start >= block.length) {
    return new HpackError(start, 'RFC 7541 §5.2: string literal runs off the end of the block');
  }
  const huffman = (block[start] & 0x80) !== 0;
  const length = decodeInteger(block, start, 7);
  if (length instanceof HpackError) return length;
  const end = length.end + length.value;
  if (end > block.length) {
    return new HpackError(
      start,
      'RFC 7541 §5.2: string literal runs off the end of the block',
      `${length.value} octets declared, ${block.length - length.end} left`,
    );
  }
  const value = huffman
    ? decodeHuffman(block, length.end, end)
    : Buffer.from(block.buffer, block.byteOffset + length.end, length.value).toString('latin1');
  if (value instanceof HpackError) return value;
  return { value, huffman, octetsAt: length.end, end };
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 0 || size > MAX_INTEGER) {
    throw new RangeError(`header table size must be an integer from 0 to ${MAX_INTEGER}, got ${size}`);
  }
}
