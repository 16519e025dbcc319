// Prefixed integers, RFC 7541 §5.1.
//
// An integer starts in the low N bits of a byte (the prefix, 1 ≤ N ≤ 8; the high bits belong to the
// representation). A value below 2^N − 1 fits in the prefix; otherwise the prefix is all ones and
// the rest, I − (2^N − 1), follows in continuation bytes, 7 bits each, least significant first, the
// high bit set on every byte but the last.
//
// §5.1 lets a decoder refuse integers that "exceed implementation limits -- in value or octet
// length". Ours: a value above 2^32 − 1 (no HPACK quantity — an index, a string length, a table
// size — needs more; SETTINGS values are 32-bit), or more than 5 continuation bytes (5 × 7 = 35 bits
// already cover every value up to that limit, so a sixth byte is only zero padding or an overflow).

import { HpackError } from './errors.js';

export const MAX_INTEGER = 0xffff_ffff;
export const MAX_CONTINUATION_BYTES = 5;

export interface DecodedInteger {
  value: number;
  /** Offset of the first byte after the integer. */
  end: number;
}

/** Decodes the integer whose prefix is the low `prefixBits` bits of block[offset]. */
export function decodeInteger(block: Uint8Array, offset: number, prefixBits: number): DecodedInteger | HpackError {
  if (offset >= block.length) {
    return new HpackError(offset, 'RFC 7541 §5.1: integer runs off the end of the block');
  }
  const prefixMax = (1 << prefixBits) - 1;
  let value = block[offset] & prefixMax;
  if (value < prefixMax) return { value, end: offset + 1 };
  let pos = offset + 1;
  let scale = 1; // 2^(7 × continuation bytes read); a multiplication, since 2^35 overflows a bit shift
  for (let count = 1; ; count++) {
    if (count > MAX_CONTINUATION_BYTES) {
      return new HpackError(
        offset,
        `RFC 7541 §5.1: integer longer than ${MAX_CONTINUATION_BYTES} continuation bytes (this decoder's limit)`,
      );
    }
    if (pos >= block.length) {
      return new HpackError(offset, 'RFC 7541 §5.1: integer runs off the end of the block');
    }
    const byte = block[pos++];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (value > MAX_INTEGER) {
      return new HpackError(offset, "RFC 7541 §5.1: integer larger than 2^32 − 1 (this decoder's limit)");
    }
    if ((byte & 0x80) === 0) return { value, end: pos };
  }
}

/**
 * Encodes `value` with an N-bit prefix; `flags` are the representation's bits above the prefix in
 * the first byte (e.g. 0x80 for an indexed field).
 */
export function encodeInteger(value: number, prefixBits: number, flags = 0): number[] {
  if (!Number.isInteger(value) || value < 0 || value > MAX_INTEGER) {
    throw new RangeError(`cannot encode ${value} as an HPACK integer`);
  }
  const prefixMax = (1 << prefixBits) - 1;
  if (value < prefixMax) return [flags | value];
  const out = [flags | prefixMax];
  let rest = value - prefixMax;
  while (rest >= 128) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}
