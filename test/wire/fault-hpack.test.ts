// The HPACK encoder the tap's faults write with (src/wire/hpack/encoder.ts): RFC 7541 Appendix C
// decoded and encoded again byte for byte (a full encoder makes the choices the examples make),
// and the blocks the tap sends on a peer's behalf (static table only, literals without indexing)
// decoded into the same header lists with the receiver's dynamic table left as it was.
// Real captures are in test/faults/hpack-peers.test.ts.

import t from 'tap';
import { HpackDecoder, HpackEncoder, HpackError, type HeaderBlock } from '../../src/wire/hpack/index.js';
import { C3, C4, C5, C6 } from '../helpers/rfc7541-examples.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function decode(decoder: HpackDecoder, block: Uint8Array): HeaderBlock {
  const result = decoder.decode(block);
  if (result instanceof HpackError) throw result;
  return result;
}

const list = (block: HeaderBlock) => block.fields.map((f) => [f.name, f.value]);

// RFC 7541 Appendix C (helpers/rfc7541-examples.ts): C.3/C.4 (three requests, plain and Huffman)
// and C.5/C.6 (three responses with a 256-octet table that evicts).
const SEQUENCES = [
  { id: 'C.3', blocks: C3.map((step) => step.block), tableSize: 4096, huffman: 'never' as const },
  { id: 'C.4', blocks: C4.map((step) => step.block), tableSize: 4096, huffman: 'always' as const },
  { id: 'C.5', blocks: C5.map((step) => step.block), tableSize: 256, huffman: 'never' as const },
  { id: 'C.6', blocks: C6.map((step) => step.block), tableSize: 256, huffman: 'always' as const },
];

t.test('Appendix C.3–C.6: decoded, then encoded again by a full encoder, byte for byte', async (t) => {
  for (const { id, blocks, tableSize, huffman } of SEQUENCES) {
    const decoder = new HpackDecoder(tableSize);
    const encoder = new HpackEncoder({ maxTableSize: tableSize, huffman });
    blocks.forEach((block, i) => {
      const decoded = decode(decoder, hex(block));
      const again = encoder.encode(decoded.fields.map((f) => ({ name: f.name, value: f.value })));
      t.equal(again.toString('hex'), hex(block).toString('hex'), `${id}.${i + 1}`);
      t.same(encoder.dynamicTable, decoder.dynamicTable, `${id}.${i + 1}: the same dynamic table`);
      t.equal(encoder.tableSize, decoder.tableSize, `${id}.${i + 1}: the same table size`);
    });
  }
});

t.test('Appendix C.2: each representation on its own', async (t) => {
  const plain = (options = {}) => new HpackEncoder({ huffman: 'never', ...options });
  t.equal(
    plain()
      .encode([{ name: 'custom-key', value: 'custom-header' }])
      .toString('hex'),
    '400a637573746f6d2d6b65790d637573746f6d2d686561646572',
    'C.2.1 literal with incremental indexing, new name',
  );
  t.equal(
    plain({ indexing: false })
      .encode([{ name: ':path', value: '/sample/path' }])
      .toString('hex'),
    '040c2f73616d706c652f70617468',
    'C.2.2 literal without indexing, indexed name',
  );
  t.equal(
    plain()
      .encode([{ name: 'password', value: 'secret', sensitive: true }])
      .toString('hex'),
    '100870617373776f726406736563726574',
    'C.2.3 literal never indexed, new name',
  );
  t.equal(
    plain()
      .encode([{ name: ':method', value: 'GET' }])
      .toString('hex'),
    '82',
    'C.2.4 indexed',
  );
});

t.test("the tap's blocks (static table only) leave the receiver's dynamic table as it was", async (t) => {
  for (const { id, blocks, tableSize } of SEQUENCES) {
    const source = new HpackDecoder(tableSize);
    const receiver = new HpackDecoder(tableSize);
    const encoder = new HpackEncoder({ maxTableSize: tableSize, indexing: false });
    // The receiver had the first block as the peer sent it; from then on, the tap re-encodes.
    const first = decode(source, hex(blocks[0]));
    t.same(list(decode(receiver, hex(blocks[0]))), list(first));
    const tableBefore = receiver.dynamicTable;
    for (const [i, block] of blocks.slice(1).entries()) {
      const decoded = decode(source, hex(block));
      const again = encoder.encode(decoded.fields.map((f) => ({ name: f.name, value: f.value })));
      const received = decode(receiver, again);
      t.same(list(received), list(decoded), `${id}.${i + 2}: the same header list`);
      t.ok(
        received.fields.every((f) => f.representation.kind === 'indexed' || f.representation.indexing === 'without'),
        `${id}.${i + 2}: indexed from the static table or literals without indexing`,
      );
      t.ok(
        received.fields.every((f) => f.representation.kind !== 'indexed' || f.representation.ref.table === 'static'),
        `${id}.${i + 2}: no reference to the dynamic table`,
      );
      t.same(receiver.dynamicTable, tableBefore, `${id}.${i + 2}: the receiver's table unchanged`);
    }
  }
});

t.test('sensitive fields stay never indexed; Huffman only when shorter', async (t) => {
  const encoder = new HpackEncoder();
  const block = encoder.encode([
    { name: 'authorization', value: 'Bearer abc', sensitive: true },
    { name: 'x-rare', value: '\x01\x02\x03' }, // rare octets: their codes are longer than 8 bits
    { name: 'x-common', value: 'eeeeeeeeee' }, // 'e' is 5 bits
  ]);
  const decoded = decode(new HpackDecoder(), block);
  t.same(list(decoded), [
    ['authorization', 'Bearer abc'],
    ['x-rare', '\x01\x02\x03'],
    ['x-common', 'eeeeeeeeee'],
  ]);
  t.same(
    decoded.fields.map((f) => f.representation),
    [
      { kind: 'literal', indexing: 'never', name: { table: 'static', index: 23 }, valueHuffman: true },
      { kind: 'literal', indexing: 'incremental', name: { huffman: true }, valueHuffman: false },
      { kind: 'literal', indexing: 'incremental', name: { huffman: true }, valueHuffman: true },
    ],
  );
  t.same(
    encoder.dynamicTable.map((e) => e.name),
    ['x-common', 'x-rare'],
    'the sensitive field is not indexed',
  );
});

t.test('dynamic table size updates: owed at the start of the next block, the smallest then the last', async (t) => {
  const encoder = new HpackEncoder({ huffman: 'never' });
  const decoder = new HpackDecoder();
  decode(decoder, encoder.encode([{ name: 'x-a', value: 'a' }]));
  t.same(decoder.dynamicTable, [{ name: 'x-a', value: 'a' }]);
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(100);
  const decoded = decode(decoder, encoder.encode([{ name: ':method', value: 'GET' }]));
  t.same(decoded.tableSizeUpdates, [0, 100], 'two updates (§4.2)');
  t.same(decoder.dynamicTable, [], 'the update to 0 emptied the table');
  t.equal(encoder.tableSize, 0);
  t.same(list(decoded), [[':method', 'GET']]);
  t.equal(new HpackEncoder().encode([]).length, 0, 'nothing owed, nothing sent');
  t.throws(() => encoder.setMaxTableSize(-1), RangeError);
});
