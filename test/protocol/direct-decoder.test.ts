// The direct decoder (speed only) must build exactly the objects protobufjs builds through
// protobuf-reader.ts for every message it takes — same constructor, same own fields in the same
// order, same values — and give up (undefined) on everything else, so that protobufjs accepts or
// refuses those bytes as it always does. Checked field by field, then on seeded random messages
// and on seeded mangled bytes, where the codec's deserializeIn must also fail exactly as protobufjs.

import protobuf from 'protobufjs';
import t, { type Test } from 'tap';
import { fileURLToPath } from 'node:url';
import { directDecoder } from '../../src/protocol/direct-decoder.js';
import { encodeMessage } from '../../src/protocol/protobuf-encoding.js';
import { messageReader } from '../../src/protocol/protobuf-reader.js';
import { loadProtoFiles, serviceDefinition } from '../../src/protocol/schema.js';
import { ROUTE_GUIDE_PROTO } from '../../src/services/routeguide/index.js';
import { Rng } from '../helpers/rng.js';

const root = loadProtoFiles(fileURLToPath(new URL('../fixtures/direct-decoder.proto', import.meta.url)));
const Node = root.lookupType('demo.Node');
const routeGuide = loadProtoFiles(ROUTE_GUIDE_PROTO);

/** protobufjs through protobuf-reader.ts: the message, or the message of the error it throws. */
function reference(type: protobuf.Type, bytes: Uint8Array, start = 0, end = bytes.length) {
  try {
    return { message: type.decode(messageReader(bytes, start, end)) as object };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Why `a` is not exactly `b` (constructor, own keys and their order, values), or undefined. */
function difference(a: unknown, b: unknown, path = 'message'): string | undefined {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} against ${String(b)}`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: another constructor`;
  const keys = Object.keys(a).join();
  if (keys !== Object.keys(b).join()) return `${path}: fields ${keys} against ${Object.keys(b).join()}`;
  for (const key of Object.keys(a)) {
    const why = difference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (why) return why;
  }
  return undefined;
}

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

t.test('covers proto3 types of single int32, uint32, sint32, bool, enum, string and message fields', async (t) => {
  t.type(directDecoder(Node), 'function');
  for (const name of ['Point', 'Rectangle', 'Feature', 'RouteNote', 'RouteSummary']) {
    t.type(directDecoder(routeGuide.lookupType(`routeguide.${name}`)), 'function', `routeguide.${name}`);
  }
  for (const name of ['WithRepeated', 'WithOneof', 'WithOptional', 'WithDouble', 'HoldsDouble']) {
    t.equal(directDecoder(root.lookupType(`demo.${name}`)), undefined, `demo.${name}: left to protobufjs`);
  }
});

t.test('decodes to the objects protobufjs builds, or gives up where protobufjs must decide', async (t) => {
  const decode = directDecoder(Node)!;
  // [what, bytes, whether the direct decoder takes them]
  const cases: Array<[string, Buffer, boolean]> = [
    ['empty', hex(''), true],
    ['int32 positive', hex('08 ac02'), true],
    ['int32 negative: ten bytes', hex('08 ffffffffffffffffff01'), true],
    ['int32 minimum', hex('08 80808080f8ffffffff01'), true],
    ['int32: the five bytes after a long varint are skipped unread', hex('08 ffffffff8f 0000000000'), true],
    ['uint32 maximum', hex('10 ffffffff0f'), true],
    ['sint32 -64', hex('18 7f'), true],
    ['bool', hex('20 01'), true],
    ['bool from a varint other than 1', hex('20 02'), true],
    ['string', hex('2a 03 616263'), true],
    ['string, not UTF-8', hex('2a 03 61ff63'), true],
    ['enum, a number it does not name', hex('30 05'), true],
    ['nested message', hex('3a 04 08011002'), true],
    ['the last of a field twice wins, a message replaced not merged', hex('3a 02 0801 3a 02 1002 08 01 08 02'), true],
    ['the largest field number', hex('f8ffffff0f 07'), true],
    ['a key written in more bytes than needed', hex('8800 05'), true],
    ['an unknown field', hex('40 01'), false],
    ['a known field with another wire type', hex('0a 01 00'), false],
    ['a string longer than the message', hex('2a 05 6162'), false],
    ['a nested message longer than its parent', hex('3a 05 0801'), false],
    ['a varint cut short', hex('08 ff'), false],
    ['a long varint without the five bytes after it', hex('08 ffffffff8f 0000'), false],
    ['a nested field running past its message', hex('3a 01 08 01'), false],
    ['an invalid wire type', hex('0f'), false],
  ];
  for (const [what, bytes, taken] of cases) {
    const want = reference(Node, bytes);
    const got = decode(bytes, 0, bytes.length);
    if (!taken) {
      t.equal(got, undefined, `${what}: given up`);
      continue;
    }
    t.ok(want.message, `${what}: protobufjs takes it too`);
    t.equal(difference(got, want.message), undefined, `${what}: the same object`);
  }
});

t.test('decodes in place, within [start, end) of a larger buffer', async (t) => {
  const decode = directDecoder(Node)!;
  const body = hex('08 05 2a 02 6869');
  const chunk = Buffer.concat([hex('2a 7f ff'), body, hex('2a ff')]);
  const got = decode(chunk, 3, 3 + body.length);
  t.equal(difference(got, reference(Node, chunk, 3, 3 + body.length).message), undefined);
  t.same({ ...(got as object) }, { i32: 5, s: 'hi' });
});

t.test('gives protobufjs what only it decodes the same way: a plain Uint8Array, nesting past its limit', async (t) => {
  const decode = directDecoder(Node)!;
  t.equal(decode(new Uint8Array([8, 1]), 0, 2), undefined, 'strings of a Uint8Array are decoded by protobufjs');
  let deep = hex('08 01');
  for (let i = 0; i < 101; i++) deep = Buffer.concat([hex('3a'), Buffer.from(varint(deep.length)), deep]);
  t.equal(decode(deep, 0, deep.length), undefined, '102 levels');
  t.match(reference(Node, deep), { error: /maximum nesting depth exceeded/ });
});

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** A random Node as protobuf-encoding.ts encodes it, `depth` levels of children at most. */
function randomNode(rng: Rng, depth: number): object {
  const node: Record<string, unknown> = {};
  const int32 = () => rng.pick([0, 1, -1, 127, 128, 300, -300, 2 ** 31 - 1, -(2 ** 31), rng.between(-1e9, 1e9)]);
  if (rng.chance(0.6)) node.i32 = int32();
  if (rng.chance(0.4)) node.u32 = rng.pick([0, 1, 2 ** 32 - 1, rng.int(2 ** 32)]);
  if (rng.chance(0.4)) node.s32 = int32();
  if (rng.chance(0.4)) node.b = rng.chance(0.5);
  if (rng.chance(0.6)) node.s = rng.pick(['', 'note 1000000', 'é', 'ünïcödé ✓', 'x'.repeat(rng.int(200)), '\u{1f600}']);
  if (rng.chance(0.3)) node.mood = rng.pick([0, 1, 7]);
  if (rng.chance(0.2)) node.far_field = int32();
  if (depth > 0 && rng.chance(0.5)) node.child = randomNode(rng, depth - 1);
  return node;
}

function mangle(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  switch (rng.int(5)) {
    case 0: // flip some bytes
      for (let n = rng.between(1, 3); n > 0 && out.length > 0; n--) out[rng.int(out.length)] = rng.int(256);
      return out;
    case 1: // cut short
      return out.subarray(0, rng.int(out.length + 1));
    case 2: // insert random bytes
      return Buffer.concat([out.subarray(0, rng.int(out.length + 1)), rng.bytes(rng.between(1, 4)), out]);
    case 3: // an unknown or mistyped field at the end
      return Buffer.concat([out, Buffer.from([rng.int(256)]), rng.bytes(rng.int(4))]);
    default: // a long varint somewhere
      return Buffer.concat([out, hex(rng.pick(['08', '10', '18', '20', '30'])), hex('ffffffff'), rng.bytes(6)]);
  }
}

/** A random Holder: Leaf and Twig are decoded inside Holder's function, Node through its own. */
function randomHolder(rng: Rng): object {
  const leaf = () => ({
    ...(rng.chance(0.6) ? { a: rng.pick([0, 1, -1, 300, -(2 ** 31), rng.between(-1e9, 1e9)]) } : {}),
    ...(rng.chance(0.6) ? { s: rng.pick(['', 'leaf', 'ünïcödé ✓', 'x'.repeat(rng.int(200))]) } : {}),
    ...(rng.chance(0.5)
      ? { twig: { z: rng.pick([0, -1, 64, -(2 ** 31)]), b: rng.chance(0.5), u: rng.pick([0, 2 ** 32 - 1, 129]) } }
      : {}),
  });
  const holder: Record<string, unknown> = {};
  if (rng.chance(0.7)) holder.leaf = leaf();
  if (rng.chance(0.4)) holder.node = randomNode(rng, 2);
  if (rng.chance(0.5)) holder.other = leaf();
  if (rng.chance(0.5)) holder.name = rng.pick(['', 'holder', 'é'.repeat(rng.int(80))]);
  return holder;
}

t.test('random messages and mangled bytes: the same objects, the same failures (seeded)', async (t) => {
  sameAsProtobufjs(t, Node, (rng) => randomNode(rng, 3), 22);
});

t.test('the same with messages nested in types of their own (seeded)', async (t) => {
  const Holder = root.lookupType('demo.Holder');
  sameAsProtobufjs(t, Holder, randomHolder, 23);
});

/** 5,000 random messages of `type`, every other one mangled: decoded as protobufjs decodes them, or given up. */
function sameAsProtobufjs(t: Test, type: protobuf.Type, random: (rng: Rng) => object, seed: number): void {
  const decode = directDecoder(type)!;
  const codec = { deserializeIn: serviceDefinitionFor(type).deserializeIn };
  const rng = new Rng(seed);
  let taken = 0;
  let givenUp = 0;
  let refused = 0;
  for (let i = 0; i < 5000; i++) {
    const valid = Buffer.from(encodeMessage(type, random(rng)).finish());
    const bytes = i % 2 === 0 ? valid : mangle(rng, valid);
    // In place, as the client's reader decodes: within a chunk with bytes on both sides.
    const chunk = Buffer.concat([rng.bytes(3), bytes, rng.bytes(2)]);
    const end = 3 + bytes.length;
    const want = reference(type, chunk, 3, end);
    const got = decode(chunk, 3, end);
    if (got === undefined) givenUp++;
    else {
      taken++;
      const why = want.message ? difference(got, want.message) : `protobufjs refuses it: ${want.error}`;
      if (why) {
        t.fail(`input ${i} (${bytes.toString('hex')}): ${why}`);
        break;
      }
    }
    // The codec, as reader.ts calls it: protobufjs's object or protobufjs's error.
    let through: { message?: object; error?: string };
    try {
      through = { message: codec.deserializeIn(chunk, 3, end) as object };
    } catch (e) {
      through = { error: (e as Error).message };
    }
    if (want.error) refused++;
    const same = want.error ? through.error === want.error : difference(through.message, want.message) === undefined;
    if (!same) {
      t.fail(`input ${i} (${bytes.toString('hex')}): deserializeIn gave ${JSON.stringify(through)}`);
      break;
    }
  }
  t.ok(taken > 2500, `taken by the direct decoder: ${taken}`);
  t.ok(givenUp > 500, `given up to protobufjs: ${givenUp}`);
  t.ok(refused > 100, `refused by protobufjs, with its error: ${refused}`);
}

/** The codec schema.ts makes for `type` (as a method's response). */
function serviceDefinitionFor(type: protobuf.Type) {
  const service = new protobuf.Service(`Probe${type.name}`).add(
    new protobuf.Method('Get', 'rpc', type.fullName, type.fullName),
  );
  type.parent!.add(service);
  return serviceDefinition(root, service.fullName.replace(/^\./, '')).methods[0].response;
}
