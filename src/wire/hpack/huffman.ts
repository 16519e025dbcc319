// Huffman-coded string literals, RFC 7541 §5.2, with the code of Appendix B (huffman-table.ts).
//
// Decoding walks a binary tree, one bit at a time: the tap decodes what it shows a human, so it
// favours the plainest reading of the code over a table-driven one that goes a nibble at a time.
// §5.2's three decoding errors are checked here: padding longer than 7 bits, padding that is not
// the most significant bits of EOS (all ones), and an EOS symbol in the string.

import { HpackError } from './errors.js';
import { EOS, HUFFMAN_CODES } from './huffman-table.js';

// The decode tree, built once. Node n's children are TREE[2n] (bit 0) and TREE[2n + 1] (bit 1): a
// value v ≥ 0 is another node, v < 0 the leaf for symbol −v − 1. Node 0 is the root. The code is
// complete (every bit string is a prefix of some code), so every node has both children.
const TREE = buildTree();

function buildTree(): Int32Array {
  const tree = new Int32Array(2 * HUFFMAN_CODES.length); // a complete code of 257 leaves has 256 nodes
  let nodes = 1;
  HUFFMAN_CODES.forEach(([code, bits], symbol) => {
    let node = 0;
    for (let i = bits - 1; i > 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (tree[slot] === 0) tree[slot] = nodes++;
      node = tree[slot];
    }
    tree[2 * node + (code & 1)] = -symbol - 1;
  });
  return tree;
}

/**
 * Decodes the Huffman-coded octets block[start..end) into a latin1 string (one character per
 * octet). Errors name the offset in `block` of the byte where the faulty code or padding starts.
 */
export function decodeHuffman(block: Uint8Array, start: number, end: number): string | HpackError {
  // The shortest code is 5 bits, so n octets decode to at most ⌊8n / 5⌋ octets.
  const out = Buffer.allocUnsafe(Math.floor(((end - start) * 8) / 5));
  let length = 0;
  let node = 0;
  let depth = 0; // bits read since the last complete symbol
  let allOnes = true; // …and whether they were all ones (the leading bits of EOS)
  let codeStart = start; // the byte where those bits began
  for (let pos = start; pos < end; pos++) {
    const byte = block[pos];
    for (let shift = 7; shift >= 0; shift--) {
      if (depth === 0) codeStart = pos;
      const bit = (byte >>> shift) & 1;
      node = TREE[2 * node + bit];
      depth++;
      if (bit === 0) allOnes = false;
      if (node >= 0) continue;
      const symbol = -node - 1;
      if (symbol === EOS) {
        return new HpackError(codeStart, 'RFC 7541 §5.2: EOS symbol inside a string');
      }
      out[length++] = symbol;
      node = 0;
      depth = 0;
      allOnes = true;
    }
  }
  if (depth > 7) {
    return new HpackError(codeStart, 'RFC 7541 §5.2: padding longer than 7 bits', `${depth} bits`);
  }
  if (!allOnes) {
    return new HpackError(codeStart, 'RFC 7541 §5.2: padding is not the most significant bits of EOS');
  }
  return out.toString('latin1', 0, length);
}

/** Huffman-codes `bytes` (RFC 7541 §5.2), padding the last octet with the leading bits of EOS. */
export function encodeHuffman(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  // Pending bits, most significant first. At most 7 + 30 of them: exact in a double, whereas a
  // 32-bit shift would lose the top ones, hence the arithmetic.
  let pending = 0;
  let pendingBits = 0;
  for (const byte of bytes) {
    const [code, bits] = HUFFMAN_CODES[byte];
    pending = pending * 2 ** bits + code;
    pendingBits += bits;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      const scale = 2 ** pendingBits;
      out.push(Math.floor(pending / scale));
      pending %= scale;
    }
  }
  if (pendingBits > 0) {
    const padBits = 8 - pendingBits;
    out.push((pending << padBits) | ((1 << padBits) - 1));
  }
  return Uint8Array.from(out);
}
