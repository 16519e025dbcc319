// The HPACK decoder (RFC 7541): every example of Appendix C — header lists, representations and the
// dynamic table after each block — then the table size rules (§4, §6.3) and malformed blocks, each
// an HpackError naming the offset and the rule, never a throw.

import t, { type Test } from 'tap';
import {
  HpackDecoder,
  HpackError,
  STATIC_TABLE,
  decodeInteger,
  describeRepresentation,
  encodeInteger,
  type HeaderBlock,
} from '../../src/wire/hpack/index.js';
import { C2, C3, C4, C5, C6, INCREMENTAL, type Step } from '../helpers/rfc7541-examples.js';
import { prng } from '../helpers/rng.js';

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

/** A block built from byte arrays and latin1 strings (string literals without Huffman coding). */
function bytes(...parts: Array<number[] | string>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === 'string') out.push(...encodeInteger(part.length, 7), ...Buffer.from(part, 'latin1'));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

function decodeOk(t: Test, decoder: HpackDecoder, block: Uint8Array, what: string): HeaderBlock {
  const result = decoder.decode(block);
  if (result instanceof HpackError) {
    t.fail(`${what}: ${result.message}`);
    return { fields: [], tableSizeUpdates: [] };
  }
  return result;
}

t.test('the static table: the 61 entries of Appendix A', async (t) => {
  t.equal(STATIC_TABLE.length, 61);
  const spots: Array<[index: number, name: string, value: string]> = [
    [1, ':authority', ''],
    [2, ':method', 'GET'],
    [7, ':scheme', 'https'],
    [14, ':status', '500'],
    [16, 'accept-encoding', 'gzip, deflate'],
    [32, 'cookie', ''],
    [61, 'www-authenticate', ''],
  ];
  for (const [index, name, value] of spots) t.same(STATIC_TABLE[index - 1], { name, value }, `entry ${index}`);
  t.equal(new Set(STATIC_TABLE.map((e) => `${e.name}: ${e.value}`)).size, 61, 'no entry twice');
  t.ok(
    STATIC_TABLE.every((e) => e.name === e.name.toLowerCase()),
    'names in lowercase',
  );
});

t.test('C.1: integers with a prefix', async (t) => {
  const cases: Array<[what: string, bytes: string, prefix: number, value: number]> = [
    ['C.1.1: 10, 5-bit prefix', '0a', 5, 10],
    ['C.1.2: 1337, 5-bit prefix', '1f 9a 0a', 5, 1337],
    ['C.1.3: 42 starting at an octet boundary', '2a', 8, 42],
  ];
  for (const [what, encoded, prefix, value] of cases) {
    t.same(decodeInteger(hex(encoded), 0, prefix), { value, end: hex(encoded).length }, what);
    t.equal(Buffer.from(encodeInteger(value, prefix)).toString('hex'), encoded.replace(/ /g, ''), `${what}: encode`);
  }
  t.same(decodeInteger(hex('ea'), 0, 5), { value: 10, end: 1 }, 'the bits above the prefix are not the integer');
  t.same(decodeInteger(hex('ff 0a ff'), 1, 5), { value: 10, end: 2 }, 'from an offset');
});

t.test('integers: round trips at every prefix, up to the 2^32 − 1 limit', async (t) => {
  const values = [0, 1, 14, 15, 16, 30, 31, 32, 126, 127, 128, 254, 255, 256, 1337, 16_383, 16_384, 2 ** 21, 2 ** 28];
  values.push(2 ** 32 - 2, 2 ** 32 - 1);
  for (let prefix = 1; prefix <= 8; prefix++) {
    for (const value of values) {
      const encoded = Uint8Array.from(encodeInteger(value, prefix, 0));
      t.same(decodeInteger(encoded, 0, prefix), { value, end: encoded.length }, `${value} with a ${prefix}-bit prefix`);
    }
  }
  t.equal(encodeInteger(2 ** 32 - 1, 4).length, 6, '2^32 − 1 takes 5 continuation bytes');
});

function runSteps(t: Test, decoder: HpackDecoder, steps: Step[]): void {
  for (const step of steps) {
    const block = decodeOk(t, decoder, hex(step.block), step.id);
    t.same(
      block.fields.map((f) => [`${f.name}: ${f.value}`, describeRepresentation(f.representation)]),
      step.fields,
      `${step.id}: header list and representations`,
    );
    t.same(block.tableSizeUpdates, [], `${step.id}: no size update`);
    t.same(
      decoder.dynamicTable.map((e) => `${e.name}: ${e.value}`),
      step.table,
      `${step.id}: dynamic table`,
    );
    t.equal(decoder.tableSize, step.size, `${step.id}: table size ${step.size}`);
    // Fields tile the block: each starts where the previous one ended.
    let offset = 0;
    for (const field of block.fields) {
      t.equal(field.offset, offset, `${step.id}: ${field.name} at ${offset}`);
      offset += field.length;
    }
    t.equal(offset, hex(step.block).length, `${step.id}: fields cover the block`);
  }
}

t.test('C.2: one representation of each kind, each on a fresh decoder', async (t) => {
  for (const step of C2) runSteps(t, new HpackDecoder(), [step]);
  // The representations themselves, beyond their descriptions.
  const fields = C2.map((step) => decodeOk(t, new HpackDecoder(), hex(step.block), step.id).fields[0]);
  t.same(
    fields.map((f) => f.representation),
    [
      { kind: 'literal', indexing: 'incremental', name: { huffman: false }, valueHuffman: false },
      { kind: 'literal', indexing: 'without', name: { table: 'static', index: 4 }, valueHuffman: false },
      { kind: 'literal', indexing: 'never', name: { huffman: false }, valueHuffman: false },
      { kind: 'indexed', ref: { table: 'static', index: 2 } },
    ],
  );
});

t.test('C.3: three requests without Huffman coding, on one decoder', async (t) => {
  runSteps(t, new HpackDecoder(), C3);
});

t.test('C.4: three requests with Huffman coding', async (t) => {
  runSteps(t, new HpackDecoder(), C4);
});

t.test('C.5: three responses without Huffman coding, a 256-octet table, evictions', async (t) => {
  const decoder = new HpackDecoder(256);
  t.equal(decoder.maxTableSize, 256);
  runSteps(t, decoder, C5);
});

t.test('C.6: three responses with Huffman coding, a 256-octet table, evictions', async (t) => {
  runSteps(t, new HpackDecoder(256), C6);
});

t.test('two decoders fed the same blocks give the same results', async (t) => {
  const blocks = [...C3, ...C4].map((s) => hex(s.block));
  const run = () => {
    const decoder = new HpackDecoder();
    const results = blocks.map((b) => decoder.decode(b));
    return { results, table: decoder.dynamicTable, size: decoder.tableSize };
  };
  const first = run();
  t.same(run(), first);
  t.notOk(
    first.results.some((r) => r instanceof HpackError),
    'all decoded',
  );
});

t.test('describeRepresentation', async (t) => {
  t.equal(describeRepresentation({ kind: 'indexed', ref: { table: 'static', index: 2 } }), 'indexed (static 2)');
  t.equal(describeRepresentation({ kind: 'indexed', ref: { table: 'dynamic', index: 62 } }), 'indexed (dynamic 62)');
  t.equal(
    describeRepresentation({
      kind: 'literal',
      indexing: 'incremental',
      name: { table: 'static', index: 4 },
      valueHuffman: true,
    }),
    'literal, incremental indexing, name static 4, value Huffman',
  );
  t.equal(
    describeRepresentation({ kind: 'literal', indexing: 'never', name: { huffman: true }, valueHuffman: false }),
    'literal never indexed, name literal (Huffman), value plain',
  );
  t.equal(
    describeRepresentation({
      kind: 'literal',
      indexing: 'without',
      name: { table: 'dynamic', index: 70 },
      valueHuffman: false,
    }),
    'literal without indexing, name dynamic 70, value plain',
  );
});

t.test('§4.4: adding evicts the oldest entries; an entry larger than the table empties it', async (t) => {
  const decoder = new HpackDecoder(100);
  // "aaaa: x" (4 + 1 + 32 = 37) and "bbbb: y" (37): 74 octets.
  decodeOk(t, decoder, bytes([0x40], 'aaaa', 'x', [0x40], 'bbbb', 'y'), 'two entries');
  t.same(decoder.dynamicTable, [
    { name: 'bbbb', value: 'y' },
    { name: 'aaaa', value: 'x' },
  ]);
  t.equal(decoder.tableSize, 74);
  // "cccc: zz" (38) does not fit beside both: the oldest goes.
  decodeOk(t, decoder, bytes([0x40], 'cccc', 'zz'), 'third entry');
  t.same(
    decoder.dynamicTable.map((e) => e.name),
    ['cccc', 'bbbb'],
  );
  t.equal(decoder.tableSize, 75);
  // 69 octets of value + 4 + 32 > 100: the table ends up empty, the field is still decoded.
  const big = decodeOk(t, decoder, bytes([0x40], 'dddd', 'v'.repeat(69)), 'too large');
  t.equal(big.fields[0].value, 'v'.repeat(69));
  t.same(decoder.dynamicTable, []);
  t.equal(decoder.tableSize, 0);
  // Exactly the maximum size fits.
  decodeOk(t, decoder, bytes([0x40], 'eeee', 'w'.repeat(64)), 'exactly 100');
  t.equal(decoder.tableSize, 100);
  t.equal(decoder.dynamicTable.length, 1);
});

t.test('§4.4: a new entry may take its name from the entry its addition evicts', async (t) => {
  const decoder = new HpackDecoder(80);
  decodeOk(t, decoder, bytes([0x40], 'abcd', 'x'), 'first'); // 37 octets
  // Name index 62 (that entry), value "yyyyyyyyyy": 4 + 10 + 32 = 46; 37 + 46 > 80 evicts it.
  const block = decodeOk(t, decoder, bytes(encodeInteger(62, 6, 0x40), 'yyyyyyyyyy'), 'second');
  t.same(
    block.fields.map((f) => [f.name, f.value, describeRepresentation(f.representation)]),
    [['abcd', 'yyyyyyyyyy', `${INCREMENTAL}, name dynamic 62, value plain`]],
  );
  t.same(decoder.dynamicTable, [{ name: 'abcd', value: 'yyyyyyyyyy' }]);
  t.equal(decoder.tableSize, 46);
});

t.test('§6.3 size updates: at the start of a block, evicting, bounded by SETTINGS', async (t) => {
  const decoder = new HpackDecoder();
  runSteps(t, decoder, C3); // three entries, 164 octets
  // Down to 110: the oldest entry goes; two updates in a row are both reported.
  let block = decodeOk(t, decoder, bytes(encodeInteger(200, 5, 0x20), encodeInteger(110, 5, 0x20), [0x82]), '110');
  t.same(block.tableSizeUpdates, [200, 110]);
  t.same(
    block.fields.map((f) => f.name),
    [':method'],
  );
  t.equal(decoder.maxTableSize, 110);
  t.equal(decoder.tableSize, 107, '164 − 57 (":authority: www.example.com")');
  t.same(
    decoder.dynamicTable.map((e) => e.name),
    ['custom-key', 'cache-control'],
  );
  // 0 empties the table; back up to the SETTINGS limit is allowed.
  block = decodeOk(t, decoder, bytes([0x20], encodeInteger(4096, 5, 0x20)), '0 then 4096');
  t.same(block, { fields: [], tableSizeUpdates: [0, 4096] });
  t.same(decoder.dynamicTable, []);
  t.equal(decoder.maxTableSize, 4096);
  // An empty block is a valid (empty) header list.
  t.same(decoder.decode(new Uint8Array(0)), { fields: [], tableSizeUpdates: [] });
});

t.test('§4.2: SETTINGS_HEADER_TABLE_SIZE bounds the updates, and a reduction must be signalled', async (t) => {
  const decoder = new HpackDecoder();
  t.equal(decoder.settingsMaxTableSize, 4096);
  // Raising the limit asks nothing of the encoder; it may then use the room.
  decoder.setSettingsMaxTableSize(8192);
  decodeOk(t, decoder, bytes([0x82]), 'no update needed after a raise');
  decodeOk(t, decoder, bytes(encodeInteger(8192, 5, 0x20)), 'up to the new limit');
  t.equal(decoder.maxTableSize, 8192);
  // Lowering it below the table's maximum: the next block must begin with an update within it.
  decoder.setSettingsMaxTableSize(1000);
  decodeOk(t, decoder, bytes(encodeInteger(1000, 5, 0x20), [0x82]), 'signalled');
  t.equal(decoder.maxTableSize, 1000);
  // Lowered, then raised again before the next block: the smallest value must be signalled first.
  decoder.setSettingsMaxTableSize(0);
  decoder.setSettingsMaxTableSize(4096);
  const block = decodeOk(t, decoder, bytes([0x20], encodeInteger(4096, 5, 0x20), [0x82]), 'smallest, then final');
  t.same(block.tableSizeUpdates, [0, 4096]);
  // A reduction that leaves the table's maximum within the limit asks for nothing.
  decodeOk(t, decoder, bytes(encodeInteger(100, 5, 0x20)), 'table at 100');
  decoder.setSettingsMaxTableSize(200);
  decodeOk(t, decoder, bytes([0x82]), 'table already within the limit');

  const missing = new HpackDecoder();
  missing.setSettingsMaxTableSize(0);
  missing.setSettingsMaxTableSize(4096);
  const error = missing.decode(bytes(encodeInteger(4096, 5, 0x20), [0x82]));
  t.type(error, HpackError);
  if (error instanceof HpackError) {
    t.match(error.rule, /^RFC 7541 §4\.2: a reduced SETTINGS_HEADER_TABLE_SIZE must be signalled/);
    t.equal(error.offset, 3, 'at the first field');
  }
  const empty = new HpackDecoder();
  empty.setSettingsMaxTableSize(100);
  const emptyError = empty.decode(new Uint8Array(0));
  t.type(emptyError, HpackError, 'an empty block does not signal it either');

  t.throws(() => new HpackDecoder(-1), RangeError, 'a negative size is a programming error');
  t.throws(() => decoder.setSettingsMaxTableSize(2 ** 32), RangeError);
});

t.test('malformed blocks: an HpackError with the offset and the rule, never a throw', async (t) => {
  const overflow = "RFC 7541 §5.1: integer larger than 2^32 − 1 (this decoder's limit)";
  const tooLong = "RFC 7541 §5.1: integer longer than 5 continuation bytes (this decoder's limit)";
  const intEnd = 'RFC 7541 §5.1: integer runs off the end of the block';
  const strEnd = 'RFC 7541 §5.2: string literal runs off the end of the block';
  const pastTables = 'RFC 7541 §2.3.3: index past the end of the static and dynamic tables';
  const cases: Array<[what: string, block: Uint8Array, offset: number, rule: string]> = [
    ['index 0', hex('80'), 0, 'RFC 7541 §6.1: index 0 in an indexed header field'],
    ['index 0 after a field', hex('82 80'), 1, 'RFC 7541 §6.1: index 0 in an indexed header field'],
    ['index 62, empty dynamic table', hex('be'), 0, pastTables],
    ['index 62 after a field', hex('82 86 be'), 2, pastTables],
    ['index 1000', bytes(encodeInteger(1000, 7, 0x80)), 0, pastTables],
    ['name index 62, incremental', bytes(encodeInteger(62, 6, 0x40), 'v'), 0, pastTables],
    ['name index 62, without indexing', bytes(encodeInteger(62, 4, 0x00), 'v'), 0, pastTables],
    ['name index 62, never indexed', bytes(encodeInteger(62, 4, 0x10), 'v'), 0, pastTables],
    ['index above 2^32 − 1', hex('ff 80 80 80 80 10'), 0, overflow],
    ['index 2^32 + 126', hex('ff ff ff ff ff 0f'), 0, overflow],
    ['six continuation bytes', hex('ff 80 80 80 80 80 00'), 0, tooLong],
    ['string length above 2^32 − 1', hex('04 ff 80 80 80 80 10'), 1, overflow],
    ['size update above 2^32 − 1', hex('3f 80 80 80 80 10'), 0, overflow],
    ['integer cut after its prefix', hex('ff'), 0, intEnd],
    ['integer cut in its continuation', hex('82 ff 80'), 1, intEnd],
    ['name index cut', hex('7f'), 0, intEnd],
    ['name string missing', hex('40'), 1, strEnd],
    ['value string missing', bytes([0x40], 'name'), 6, strEnd],
    ['value missing after an indexed name', hex('04'), 1, strEnd],
    ['string length cut', hex('04 7f'), 1, intEnd],
    ['string shorter than declared', bytes([0x40, 0x05, 0x61]), 1, strEnd],
    ['value shorter than declared', hex('04 03 61 62'), 1, strEnd],
    ['Huffman padding of 8 bits', hex('04 81 ff'), 2, 'RFC 7541 §5.2: padding longer than 7 bits'],
    [
      'Huffman name padded with zeros',
      hex('40 81 1e 00'),
      2,
      'RFC 7541 §5.2: padding is not the most significant bits of EOS',
    ],
    [
      'Huffman value padded with zeros',
      hex('04 82 1f 00'),
      3,
      'RFC 7541 §5.2: padding is not the most significant bits of EOS',
    ],
    ['EOS in a Huffman value', hex('04 85 18 ff ff ff ff'), 3, 'RFC 7541 §5.2: EOS symbol inside a string'],
    [
      'size update above the SETTINGS limit',
      hex('3f e2 1f'),
      0,
      'RFC 7541 §6.3: dynamic table size update above the SETTINGS_HEADER_TABLE_SIZE limit',
    ],
    ['size update after a field', hex('82 20'), 1, 'RFC 7541 §4.2: dynamic table size update after a header field'],
    [
      'size update after a literal',
      bytes([0x04], '/', [0x3f, 0xe1, 0x1f]),
      3,
      'RFC 7541 §4.2: dynamic table size update after a header field',
    ],
  ];
  for (const [what, block, offset, rule] of cases) {
    const decoder = new HpackDecoder();
    const result = decoder.decode(block);
    t.type(result, HpackError, `${what}: error`);
    if (!(result instanceof HpackError)) continue;
    t.equal(result.rule, rule, `${what}: rule`);
    t.equal(result.offset, offset, `${what}: offset ${offset}`);
    t.ok(result.message.startsWith(`offset ${offset}: ${rule}`), `${what}: message`);
    t.equal(decoder.error, result, `${what}: kept`);
  }
  t.equal(
    encodeInteger(4097, 5, 0x20)
      .map((b) => b.toString(16))
      .join(' '),
    '3f e2 1f',
    '4097 as a size update',
  );
});

t.test('after an error every later block is refused: the dynamic table is unknown', async (t) => {
  const decoder = new HpackDecoder();
  decodeOk(t, decoder, hex(C3[0].block), 'C.3.1');
  const first = decoder.decode(hex('be bf')); // 63 is past the one-entry table
  t.type(first, HpackError);
  for (const block of [hex('82'), hex(C3[1].block), new Uint8Array(0)]) {
    const later = decoder.decode(block);
    t.type(later, HpackError);
    if (later instanceof HpackError && first instanceof HpackError) {
      t.equal(later.offset, 0);
      t.match(later.rule, /^RFC 9113 §4\.3: the dynamic table is unknown after an earlier decoding error/);
      t.ok(later.message.includes(first.message), 'names the first error');
    }
  }
  t.equal(decoder.error, first, 'the first error is kept');
});

t.test('random blocks decode or fail with an HpackError, never a throw', async (t) => {
  // Seeded: the same blocks on every run.
  const random = prng(7541);
  let decoded = 0;
  let errors = 0;
  const decoder = new HpackDecoder();
  for (let i = 0; i < 3000; i++) {
    const block = Uint8Array.from({ length: Math.floor(random() * 24) }, () => Math.floor(random() * 256));
    // A fresh decoder most of the time, so that most blocks are decoded rather than refused.
    const result = (i % 10 === 0 ? decoder : new HpackDecoder()).decode(block);
    if (result instanceof HpackError) errors++;
    else if (Array.isArray(result.fields)) decoded++;
  }
  t.equal(decoded + errors, 3000);
  t.ok(decoded > 0 && errors > 0, `${decoded} decoded, ${errors} errors`);
});
