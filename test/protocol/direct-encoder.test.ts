// The direct encoder must write exactly the bytes protobuf-encoding.ts writes for every message it
// takes, and hand every other message back (NOT_HANDLED) so that protobuf-encoding.ts encodes it.
// test/canonical-bytes-*.test.ts hold protobuf-encoding.ts's bytes equal to protobuf-go's.

import t from 'tap';
import { fileURLToPath } from 'node:url';
import { NOT_HANDLED, directEncoder, type DirectEncoder } from '../../src/protocol/direct-encoder.js';
import { encodeMessage } from '../../src/protocol/protobuf-encoding.js';
import { loadProtoFiles } from '../../src/protocol/schema.js';
import { prng } from '../helpers/rng.js';

const root = loadProtoFiles(fileURLToPath(new URL('../fixtures/direct-encoder.proto', import.meta.url)));
const All = root.lookupType('demo.All');
const Inner = root.lookupType('demo.Inner');
const Wrapper = root.lookupType('demo.Wrapper');

function direct(message: object, encoder: DirectEncoder = directEncoder(All)!): Buffer | undefined {
  const size = encoder.measure(message);
  if (size === NOT_HANDLED) return undefined;
  const out = Buffer.alloc(size + 3, 0xee); // a margin that must stay untouched
  const end = encoder.write(message, out, 2);
  if (end !== size + 2 || out[0] !== 0xee || out[1] !== 0xee || out[end] !== 0xee)
    throw new Error(`wrote ${end - 2} of ${size} bytes, or outside them`);
  return out.subarray(2, end);
}

const reference = (message: object) => Buffer.from(encodeMessage(All, message).finish());

t.test('writes the bytes protobuf-encoding.ts writes, field by field', async (t) => {
  const cases: Array<[string, object]> = [
    ['empty', {}],
    ['double', { d: -1.5e300 }],
    ['float', { f: 3.25 }],
    ['int32 positive', { i32: 300 }],
    ['int32 negative: ten bytes', { i32: -1 }],
    ['int32 minimum', { i32: -2147483648 }],
    ['uint32 maximum', { u32: 4294967295 }],
    ['sint32 negative', { s32: -64 }],
    ['sint32 minimum', { s32: -2147483648 }],
    ['fixed32', { fx32: 4000000000 }],
    ['sfixed32', { sfx32: -5 }],
    ['bool', { b: true }],
    ['proto3 defaults are not written', { d: 0, f: 0, i32: 0, u32: 0, s32: 0, fx32: 0, sfx32: 0, b: false, s: '' }],
    ['nor empty bytes or the zero enum', { raw: new Uint8Array(0), mood: 0 }],
    ['-0 is not the default', { d: -0, f: -0 }],
    ['an empty nested message is written (explicit presence)', { inner: { a: 0, s: '' } }],
    ['a oneof member at its default is written', { name: '' }],
    ['oneof members go after the other fields', { detail: {}, far_field: 1, i32: 2 }],
    ['short ASCII string', { s: 'hello' }],
    ['long ASCII string', { s: 'x'.repeat(200) }],
    ['multi-byte string', { s: 'héllo ☺ 🚀' }],
    ['bytes', { raw: Buffer.from([0, 1, 2, 255]) }],
    ['enum as number', { mood: 7 }],
    ['nested message', { inner: { a: 1, s: 'in', child: { a: -2 } } }],
    ['empty nested message', { inner: {} }],
    ['packed int32 with negatives', { ints: [1, -1, 300, 0] }],
    ['packed sint32', { sints: [-1, 1, -100000] }],
    ['packed double', { doubles: [0.5, -2] }],
    ['repeated strings', { strings: ['a', '', 'ü'.repeat(100)] }],
    ['repeated bytes', { blobs: [Buffer.from('ab'), new Uint8Array(0)] }],
    ['repeated messages', { inners: [{ a: 1 }, {}, { child: { s: 'deep' } }] }],
    ['packed enums', { moods: [0, 1, 7] }],
    ['unpacked bools', { flags: [true, false, true] }],
    ['empty repeated fields are skipped', { ints: [], inners: [] }],
    ['oneof member', { detail: { a: 9 } }],
    ['field number 2^29-1', { far_field: 1 }],
    ['null and undefined are skipped', { i32: null, s: undefined, inner: null }],
    ['a string long enough to need a 2-byte length', { s: 'é'.repeat(100) }],
  ];
  for (const [name, message] of cases) t.same(direct(message), reference(message), name);

  // The same messages nested: `all` is measured and written in Wrapper's own functions, and so is
  // its `inner` two levels down; `alls` goes through the helpers for repeated messages.
  const wrapper = directEncoder(Wrapper)!;
  for (const [name, message] of cases) {
    const wrapped = { all: message, alls: [message, {}], inner: { a: -3, child: { s: name } } };
    t.same(direct(wrapped, wrapper), Buffer.from(encodeMessage(Wrapper, wrapped).finish()), `nested: ${name}`);
  }
});

t.test('instances of the generated class: unset fields (prototype defaults) are not written', async (t) => {
  const instance = All.create({ i32: 5, inner: Inner.create({ s: 'x' }) });
  t.same(direct(instance), reference(instance));
  const bytes = reference({ s: 'round', ints: [1, 2], inner: { a: 3 } });
  t.same(direct(All.decode(bytes)), bytes, 'a decoded message re-encodes to its bytes');
  const sloppy = Buffer.from('18006200', 'hex'); // i32 = 0 and inner = {}, as a peer may send them
  t.same(direct(All.decode(sloppy)), Buffer.from('6200', 'hex'), 'defaults a peer sent are not sent back');
});

t.test('matches protobuf-encoding.ts on random messages', async (t) => {
  const random = prng(42);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const str = () =>
    String.fromCodePoint(
      ...Array.from({ length: int(0, 80) }, () => (random() < 0.8 ? int(32, 126) : int(0xa0, 0x1f600 - 1) % 0xd800)),
    );
  const inner = (depth: number): object => ({
    ...(random() < 0.5 ? { a: int(-(2 ** 31), 2 ** 31 - 1) } : {}),
    ...(random() < 0.5 ? { s: str() } : {}),
    ...(depth < 3 && random() < 0.3 ? { child: inner(depth + 1) } : {}),
  });
  let compared = 0;
  for (let n = 0; n < 300; n++) {
    const message: Record<string, unknown> = {};
    if (random() < 0.5) message.d = random() < 0.2 ? 0 : (random() - 0.5) * 1e6;
    if (random() < 0.5) message.f = Math.fround(random());
    if (random() < 0.5) message.i32 = random() < 0.2 ? 0 : int(-(2 ** 31), 2 ** 31 - 1);
    if (random() < 0.3) message.b = random() < 0.5;
    if (random() < 0.3) message.mood = int(0, 1);
    const oneof = random();
    if (oneof < 0.2) message.name = random() < 0.5 ? '' : str();
    else if (oneof < 0.4) message.detail = inner(0);
    if (random() < 0.5) message.u32 = int(0, 2 ** 32 - 1);
    if (random() < 0.5) message.s32 = int(-(2 ** 31), 2 ** 31 - 1);
    if (random() < 0.5) message.s = str();
    if (random() < 0.5) message.raw = Buffer.from(str());
    if (random() < 0.5) message.inner = inner(0);
    if (random() < 0.5) message.ints = Array.from({ length: int(0, 20) }, () => int(-1000, 100000));
    if (random() < 0.5) message.strings = Array.from({ length: int(0, 5) }, str);
    if (random() < 0.5) message.inners = Array.from({ length: int(0, 4) }, () => inner(1));
    const got = direct(message);
    if (!got) t.fail(`not handled: ${JSON.stringify(message)}`);
    else if (!got.equals(reference(message))) t.fail(`differs: ${JSON.stringify(message)}`);
    else compared++;
  }
  t.equal(compared, 300);
});

t.test('values of other JavaScript types are left to protobuf-encoding.ts', async (t) => {
  const encoder = directEncoder(All)!;
  const cases: Array<[string, object]> = [
    ['enum by name', { mood: 'BUSY' }],
    ['bytes as base64', { raw: 'AAE=' }],
    ['int32 out of range', { i32: 2 ** 31 }],
    ['int32 not an integer', { i32: 1.5 }],
    ['uint32 negative', { u32: -1 }],
    ['string as number', { s: 5 }],
    ['bool as number', { b: 1 }],
    ['repeated field not an array', { ints: 5 }],
    ['nested message not an object', { inner: 'x' }],
    ['nested message an array', { inner: [] }],
    ['bad value inside a nested message', { inner: { a: 'one' } }],
    ['bad value inside a packed run', { ints: [1, 'two'] }],
    ['bad value inside repeated messages', { inners: [{ a: 1 }, { s: 2 }] }],
  ];
  for (const [name, message] of cases) t.equal(encoder.measure(message), NOT_HANDLED, name);
  const wrapper = directEncoder(Wrapper)!;
  for (const [name, message] of cases) t.equal(wrapper.measure({ all: message }), NOT_HANDLED, `nested: ${name}`);
  t.equal(wrapper.measure({ all: { inner: { a: 1.5 } } }), NOT_HANDLED, 'bad value two levels down');
  t.equal(wrapper.measure({ all: 'x' }), NOT_HANDLED, 'nested message not an object');
  // A following message is encoded correctly: nothing of the refused one is left behind.
  t.same(direct({ inner: { a: 1 }, s: 'é'.repeat(70) }, encoder), reference({ inner: { a: 1 }, s: 'é'.repeat(70) }));
});

t.test('nesting deeper than protobufjs allows is left to protobuf-encoding.ts, which throws', async (t) => {
  let deep: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < 150; i++) deep = { child: deep };
  t.equal(directEncoder(Inner)!.measure(deep), NOT_HANDLED);
  t.throws(() => encodeMessage(Inner, deep), /depth exceeded/);
});

t.test('types with fields it does not cover have no direct encoder', async (t) => {
  t.equal(directEncoder(root.lookupType('demo.WithLong')), undefined, 'int64');
  t.equal(directEncoder(root.lookupType('demo.WithMap')), undefined, 'map');
  t.equal(directEncoder(root.lookupType('demo.HoldsLong')), undefined, 'int64 in a nested type');
  t.ok(directEncoder(Inner), 'a self-referencing type is covered');
});

t.test('a lone surrogate is written as U+FFFD, as Buffer writes it', async (t) => {
  const bytes = direct({ s: 'a\ud800b' })!;
  t.equal(All.decode(bytes).toJSON().s, 'a\ufffdb');
});
