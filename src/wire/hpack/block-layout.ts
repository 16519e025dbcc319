// A decoded header block's bytes, for the hex view: each representation (RFC 7541 §6) and its parts
// — the first byte with its pattern bits and its integer's prefix, the integer's continuation bytes
// (§5.1), and each string literal's length (with the H bit) and octets, next to the text they decode
// to (§5.2). Made from the layout the decoder reports (decoder.ts `decode(block, layout)`); offsets
// count from the block's first byte.

import type { ByteRange } from '../events.js';
import { range } from '../raw-bytes.js';
import { decodeInteger } from './integer.js';
import type { HeaderBlock, HeaderField, Representation, RepresentationBytes, StringBytes } from './representation.js';

const INDEXING = {
  incremental: 'literal with incremental indexing (RFC 7541 §6.2.1)',
  without: 'literal without indexing (RFC 7541 §6.2.2)',
  never: 'literal never indexed (RFC 7541 §6.2.3)',
} as const;

export function headerBlockRanges(
  block: Uint8Array,
  decoded: HeaderBlock,
  layout: readonly RepresentationBytes[],
): ByteRange[] {
  const updates = decoded.tableSizeUpdates.length;
  return layout.map((bytes, i) => {
    if (i < updates) {
      const size = decoded.tableSizeUpdates[i];
      const parts = integerRanges(block, bytes, 'dynamic table size update (RFC 7541 §6.3): maximum size');
      return range(bytes.at, bytes.end - bytes.at, `dynamic table size update to ${size}`, parts);
    }
    const field = decoded.fields[i - updates];
    return range(bytes.at, bytes.end - bytes.at, `${field.name}: ${field.value}`, fieldParts(block, field, bytes));
  });
}

/** The words for a string literal's octets: the text, and how it was sent. */
export function stringOctetsLabel(text: string, huffman: boolean): string {
  return `${JSON.stringify(text)} (${huffman ? 'Huffman-coded' : 'plain octets'})`;
}

function fieldParts(block: Uint8Array, field: HeaderField, bytes: RepresentationBytes): ByteRange[] {
  const r: Representation = field.representation;
  if (r.kind === 'indexed') {
    return integerRanges(block, bytes, 'indexed field (RFC 7541 §6.1): index', ` in the ${r.ref.table} table`);
  }
  const name = 'table' in r.name ? ` in the ${r.name.table} table` : ': the name follows as a string literal';
  const parts = integerRanges(block, bytes, `${INDEXING[r.indexing]}: name index`, name);
  if (bytes.name) parts.push(...stringRanges(block, bytes.name, 'name', field.name));
  if (bytes.value) parts.push(...stringRanges(block, bytes.value, 'value', field.value));
  return parts;
}

/**
 * An integer (§5.1) that starts in the low `prefixBits` of the representation's first byte: that
 * byte, then its continuation bytes when the prefix is full (all ones).
 */
function integerRanges(
  block: Uint8Array,
  bytes: { at: number; prefixBits: number; integerEnd: number },
  what: string,
  after = '',
): ByteRange[] {
  const max = (1 << bytes.prefixBits) - 1;
  const decoded = decodeInteger(block, bytes.at, bytes.prefixBits);
  const value = 'value' in decoded ? decoded.value : NaN; // the decoder read it before: it decodes
  const bits = pattern(block[bytes.at], bytes.prefixBits);
  if (bytes.integerEnd === bytes.at + 1) return [range(bytes.at, 1, `${bits} ${what} ${value}${after}`)];
  return [
    range(bytes.at, 1, `${bits} ${what} ${max} and more: the prefix is full, the integer continues (RFC 7541 §5.1)`),
    range(bytes.at + 1, bytes.integerEnd - bytes.at - 1, `continuation: ${max} + ${value - max} = ${value}${after}`),
  ];
}

/** §5.2: H (1) | String Length (7+), then the octets. */
function stringRanges(block: Uint8Array, s: StringBytes, which: string, text: string): ByteRange[] {
  const huffman = (block[s.at] & 0x80) !== 0;
  const how = huffman ? 'H = 1, Huffman-coded' : 'H = 0, plain';
  const length = integerRanges(block, { at: s.at, prefixBits: 7, integerEnd: s.octetsAt }, `${which}: ${how}, length`);
  if (s.end === s.octetsAt) return length;
  return [...length, range(s.octetsAt, s.end - s.octetsAt, `${which} ${stringOctetsLabel(text, huffman)}`)];
}

/** The first byte in binary, the representation's pattern apart from the integer's prefix: `01|000001`. */
function pattern(byte: number, prefixBits: number): string {
  const bits = byte.toString(2).padStart(8, '0');
  return `${bits.slice(0, 8 - prefixBits)}|${bits.slice(8 - prefixBits)}`;
}
