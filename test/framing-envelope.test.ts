// PROTOCOL-HTTP2 "Length-Prefixed-Message": Compressed-Flag (1 byte), Message-Length (4 bytes,
// big-endian), Message.

import t from 'tap';
import { encodeEnvelope, writePrefix, PREFIX_SIZE, FLAG_COMPRESSED, FLAG_UNCOMPRESSED } from '../framing/index.js';

t.test('prefix constants', async (t) => {
  t.equal(PREFIX_SIZE, 5);
  t.equal(FLAG_UNCOMPRESSED, 0);
  t.equal(FLAG_COMPRESSED, 1);
});

t.test('encodeEnvelope layout: flag, big-endian length, body', async (t) => {
  const cases: Array<[name: string, body: Buffer, compressed: boolean, prefix: number[]]> = [
    ['empty message', Buffer.alloc(0), false, [0, 0, 0, 0, 0]],
    ['three bytes', Buffer.from('abc'), false, [0, 0, 0, 0, 3]],
    ['compressed flag', Buffer.from('abc'), true, [1, 0, 0, 0, 3]],
    ['256 bytes (second length byte)', Buffer.alloc(256, 7), false, [0, 0, 0, 1, 0]],
    ['0x010203 bytes (three length bytes)', Buffer.alloc(0x010203, 9), false, [0, 0, 1, 2, 3]],
  ];
  for (const [name, body, compressed, prefix] of cases) {
    const out = encodeEnvelope(body, compressed);
    t.equal(out.length, PREFIX_SIZE + body.length, `${name}: total length`);
    t.same([...out.subarray(0, PREFIX_SIZE)], prefix, `${name}: prefix bytes`);
    t.ok(out.subarray(PREFIX_SIZE).equals(body), `${name}: body follows the prefix`);
  }
});

t.test('encodeEnvelope defaults to uncompressed and accepts a Uint8Array view', async (t) => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
  const view = backing.subarray(2, 5);
  const out = encodeEnvelope(view);
  t.same([...out], [0, 0, 0, 0, 3, 1, 2, 3]);
});

t.test('writePrefix writes 5 bytes at an offset and nothing else', async (t) => {
  const cases: Array<[length: number, compressed: boolean, expected: number[]]> = [
    [0, false, [0, 0, 0, 0, 0]],
    [1, true, [1, 0, 0, 0, 1]],
    [0xdeadbeef, false, [0, 0xde, 0xad, 0xbe, 0xef]],
    [0xffffffff, true, [1, 0xff, 0xff, 0xff, 0xff]],
    [4 * 1024 * 1024, false, [0, 0, 0x40, 0, 0]],
  ];
  for (const [length, compressed, expected] of cases) {
    const target = Buffer.alloc(9, 0xaa);
    writePrefix(target, 2, length, compressed);
    t.same([...target], [0xaa, 0xaa, ...expected, 0xaa, 0xaa], `length ${length}, compressed ${compressed}`);
  }
});

t.test('writePrefix agrees with encodeEnvelope', async (t) => {
  const body = Buffer.from('hello, world');
  const target = Buffer.alloc(PREFIX_SIZE);
  writePrefix(target, 0, body.length, true);
  t.ok(target.equals(encodeEnvelope(body, true).subarray(0, PREFIX_SIZE)));
});
