// The HPACK Huffman code (RFC 7541 §5.2, Appendix B): the table's shape, every octet through the
// encoder and back, the RFC's own Huffman-coded strings (Appendix C.4 and C.6), and §5.2's three
// decoding errors.

import t from 'tap';
import { HpackError } from '../../src/wire/hpack/errors.js';
import { decodeHuffman, encodeHuffman } from '../../src/wire/hpack/huffman.js';
import { EOS, HUFFMAN_CODES } from '../../src/wire/hpack/huffman-table.js';
import { prng } from '../helpers/rng.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}

function decodeAll(bytes: Uint8Array): string | HpackError {
  return decodeHuffman(bytes, 0, bytes.length);
}

t.test('the table: 257 symbols, EOS last, a complete canonical prefix code', async (t) => {
  t.equal(HUFFMAN_CODES.length, 257);
  t.equal(EOS, 256);
  t.same(HUFFMAN_CODES[EOS], [0x3fffffff, 30], 'EOS is 30 ones');
  for (const [symbol, [code, bits]] of HUFFMAN_CODES.entries()) {
    t.ok(bits >= 5 && bits <= 30 && code >= 0 && code < 2 ** bits, `symbol ${symbol}: code fits its ${bits} bits`);
  }
  // Complete (Kraft sum exactly 1): every bit string is the start of some code, so a decoder never
  // finds a bit sequence that is no code at all, only padding and EOS to refuse.
  const kraft = HUFFMAN_CODES.reduce((sum, [, bits]) => sum + 2 ** (30 - bits), 0);
  t.equal(kraft, 2 ** 30, 'sum of 2^-bits is 1');
  // Canonical: in (length, symbol) order each code is the previous one plus one, shifted left by
  // the growth in length. With completeness this also makes the code prefix-free.
  const order = [...HUFFMAN_CODES.keys()].sort((a, b) => HUFFMAN_CODES[a][1] - HUFFMAN_CODES[b][1] || a - b);
  let next = 0;
  let previousBits = HUFFMAN_CODES[order[0]][1];
  let mismatches = 0;
  for (const symbol of order) {
    const [code, bits] = HUFFMAN_CODES[symbol];
    next *= 2 ** (bits - previousBits);
    previousBits = bits;
    if (code !== next) mismatches++;
    next++;
  }
  t.equal(mismatches, 0, 'canonical');
  t.equal(next, 2 ** 30, 'the last code is the all-ones EOS');
});

t.test('every octet alone round-trips, in ⌈bits / 8⌉ octets padded with ones', async (t) => {
  let failures = 0;
  for (let octet = 0; octet < 256; octet++) {
    const encoded = encodeHuffman(Uint8Array.of(octet));
    const bits = HUFFMAN_CODES[octet][1];
    const padBits = encoded.length * 8 - bits;
    const ok =
      encoded.length === Math.ceil(bits / 8) &&
      (encoded[encoded.length - 1] & ((1 << padBits) - 1)) === (1 << padBits) - 1 &&
      decodeAll(encoded) === String.fromCharCode(octet);
    if (!ok) {
      failures++;
      t.fail(`octet ${octet}: ${Buffer.from(encoded).toString('hex')} → ${String(decodeAll(encoded))}`);
    }
  }
  t.equal(failures, 0, 'all 256 octets');
});

t.test('strings of all 256 octets, and random strings, round-trip', async (t) => {
  const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
  const descending = ascending.slice().reverse();
  const random = prng(7541);
  const strings = [new Uint8Array(0), ascending, descending];
  for (let i = 0; i < 200; i++) {
    strings.push(Uint8Array.from({ length: Math.floor(random() * 300) }, () => Math.floor(random() * 256)));
  }
  for (const [i, bytes] of strings.entries()) {
    const encoded = encodeHuffman(bytes);
    const bits = bytes.reduce((sum, octet) => sum + HUFFMAN_CODES[octet][1], 0);
    t.equal(encoded.length, Math.ceil(bits / 8), `string ${i}: length`);
    t.equal(decodeAll(encoded), Buffer.from(bytes).toString('latin1'), `string ${i}: round trip`);
  }
});

t.test('the Huffman-coded strings of RFC 7541 Appendix C.4 and C.6, both ways', async (t) => {
  const cases: Array<[text: string, encoded: string]> = [
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'], // C.4.1
    ['no-cache', 'a8eb 1064 9cbf'], // C.4.2
    ['custom-key', '25a8 49e9 5ba9 7d7f'], // C.4.3
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'], // C.4.3
    ['302', '6402'], // C.6.1
    ['private', 'aec3 771a 4b'], // C.6.1
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff'], // C.6.1
    ['https://www.example.com', '9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3'], // C.6.1
    ['307', '640e ff'], // C.6.2
    ['Mon, 21 Oct 2013 20:13:22 GMT', 'd07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff'], // C.6.3
    ['gzip', '9bd9 ab'], // C.6.3
    [
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
    ], // C.6.3
  ];
  for (const [text, encoded] of cases) {
    t.equal(Buffer.from(encodeHuffman(latin1(text))).toString('hex'), encoded.replace(/ /g, ''), `encode ${text}`);
    t.equal(decodeAll(hex(encoded)), text, `decode ${text}`);
  }
});

t.test('§5.2 decoding errors: an HpackError naming the offset and the rule, never a throw', async (t) => {
  // '0' = 00000, 'a' = 00011 (5 bits each); EOS = 30 ones.
  const cases: Array<[what: string, bytes: string, offset: number, rule: string]> = [
    ['a whole octet of padding', 'ff', 0, 'RFC 7541 §5.2: padding longer than 7 bits'],
    ["'a', then 11 bits of ones", '1f ff', 0, 'RFC 7541 §5.2: padding longer than 7 bits'],
    ["'0' '0' '0', then 9 ones", '00 01 ff', 1, 'RFC 7541 §5.2: padding longer than 7 bits'],
    ['a 28-bit code cut short', 'ff ff ff', 0, 'RFC 7541 §5.2: padding longer than 7 bits'],
    ["'0', then padding 000", '00', 0, 'RFC 7541 §5.2: padding is not the most significant bits of EOS'],
    ["'a', then padding 110", '1e', 0, 'RFC 7541 §5.2: padding is not the most significant bits of EOS'],
    ["'a' 'a', then padding 111110", '18 fe', 1, 'RFC 7541 §5.2: padding is not the most significant bits of EOS'],
    ['EOS alone', 'ff ff ff ff', 0, 'RFC 7541 §5.2: EOS symbol inside a string'],
    ["'a' 'a' EOS", '18 ff ff ff ff', 1, 'RFC 7541 §5.2: EOS symbol inside a string'],
    ["EOS, then 'a'", 'ff ff ff fc 7f', 0, 'RFC 7541 §5.2: EOS symbol inside a string'],
  ];
  for (const [what, bytes, offset, rule] of cases) {
    const result = decodeAll(hex(bytes));
    t.type(result, HpackError, `${what}: error`);
    if (result instanceof HpackError) {
      t.equal(result.rule, rule, `${what}: rule`);
      t.equal(result.offset, offset, `${what}: offset`);
    }
  }
  // Offsets are positions in the whole block, not in the string.
  const block = hex('00 00 1e');
  const result = decodeHuffman(block, 2, 3);
  t.equal(result instanceof HpackError && result.offset, 2, 'offset within the block');
  t.equal(decodeHuffman(hex('aa 1f bb'), 1, 2), 'a', 'decodes only its own range');
});

t.test('random bytes decode to a string or an HpackError, never a throw', async (t) => {
  const random = prng(5);
  let strings = 0;
  let errors = 0;
  for (let i = 0; i < 2000; i++) {
    const bytes = Uint8Array.from({ length: 1 + Math.floor(random() * 12) }, () => Math.floor(random() * 256));
    const result = decodeAll(bytes);
    if (typeof result === 'string') strings++;
    else if (result instanceof HpackError) errors++;
  }
  t.equal(strings + errors, 2000);
  t.ok(strings > 0 && errors > 0, `${strings} strings, ${errors} errors`);
});
