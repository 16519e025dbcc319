// Both encoders against protobuf-go's bytes for a table of values (test/fixtures/canonical-bytes.ts):
// defaults, negatives, empty messages and repeated fields, oneofs, proto3 `optional`, maps, proto2.
// test/interop/canonical-bytes-go.test.ts checks the table against protobuf-go itself, and our bytes on the
// wire against grpc-go's.

import t from 'tap';
import protobuf from 'protobufjs';
import { NOT_HANDLED, directEncoder } from '../../src/protocol/direct-encoder.js';
import { encodeMessage, fieldsInWireOrder } from '../../src/protocol/protobuf-encoding.js';
import { ENCODING_CASES } from '../fixtures/canonical-bytes.js';
import { lookupType } from '../helpers/canonical-peer.js';

function direct(type: protobuf.Type, value: object): Buffer | undefined {
  const encoder = directEncoder(type);
  const size = encoder?.measure(value) ?? NOT_HANDLED;
  if (!encoder || size === NOT_HANDLED) return undefined;
  const out = Buffer.alloc(size);
  encoder.write(value, out, 0);
  return out;
}

t.test('protobuf-encoding.ts writes protobuf-go bytes', async (t) => {
  for (const c of ENCODING_CASES) {
    const bytes = Buffer.from(encodeMessage(lookupType(c.type), c.value).finish());
    t.equal(bytes.toString('hex'), c.hex, `${c.type}: ${c.name}`);
  }
});

t.test('the direct encoder too, for every value it takes', async (t) => {
  let taken = 0;
  for (const c of ENCODING_CASES) {
    const bytes = direct(lookupType(c.type), c.value);
    if (!bytes) continue;
    taken++;
    t.equal(bytes.toString('hex'), c.hex, `${c.type}: ${c.name}`);
  }
  // Not taken: enums by name, 64-bit integers, maps, proto2 messages with explicit defaults are all
  // protobuf-encoding.ts's; the rest is the direct encoder's.
  t.ok(taken >= 25, `${taken} values took the direct path`);
});

t.test('a decoded message is written canonically, whatever the peer sent', async (t) => {
  // A RouteNote with latitude 0 and an empty message written out, as a non-canonical peer may send it:
  // location (0a 04) { latitude (08) 0, longitude (10) 1 }, message (12) "".
  const RouteNote = lookupType('routeguide.RouteNote');
  const decoded = RouteNote.decode(Buffer.from('0a04080010011200', 'hex'));
  t.equal(Buffer.from(encodeMessage(RouteNote, decoded).finish()).toString('hex'), '0a021001');
  t.equal(direct(RouteNote, decoded)?.toString('hex'), '0a021001');
});

t.test('fields in wire order: outside oneofs by number, then oneof by oneof in declaration order', async (t) => {
  const names = fieldsInWireOrder(lookupType('presence.Proto3')).map((f) => f.name);
  t.same(names.slice(-4), ['last', 'id', 'leaf', 'tag']);
  t.same(names.slice(0, 2), ['maybe', 'maybe_text'], 'proto3 optional fields are not oneof members here');
});

t.test('a decoded map with 64-bit keys (protobufjs names them by a hash) is written back as it came', async (t) => {
  const root = protobuf.parse('syntax = "proto3"; message M { map<sint64, string> m = 1; }', { keepCase: true }).root;
  root.resolveAll();
  const M = root.lookupType('M');
  const bytes = Buffer.from(encodeMessage(M, { m: { '5': 'b', '-3': 'a' } }).finish());
  // Entries by key: -3 (zigzag 05), then 5 (0a).
  t.equal(bytes.toString('hex'), '0a0508051201610a05080a120162');
  t.equal(Buffer.from(encodeMessage(M, M.decode(bytes)).finish()).toString('hex'), bytes.toString('hex'));
});

t.test('groups (proto2, delimited) are written with start and end tags, as protobufjs writes them', async (t) => {
  const root = protobuf.parse(
    'syntax = "proto2"; message G { optional group Part = 1 { optional int32 x = 2; } optional int32 y = 3; }',
    { keepCase: true },
  ).root;
  root.resolveAll();
  const G = root.lookupType('G');
  const value = { y: 0, part: { x: 0 } };
  const bytes = Buffer.from(encodeMessage(G, value).finish());
  // part: start group 1 (0b), x (10) 0, end group 1 (0c); y (18) 0 — proto2 writes set defaults.
  t.equal(bytes.toString('hex'), '0b10000c1800');
  t.same(bytes, Buffer.from(G.encode(G.fromObject(value)).finish()));
  t.equal(directEncoder(G), undefined, 'the direct encoder leaves groups alone');
});

t.test('a value it cannot encode throws (the call then ends with INTERNAL)', async (t) => {
  const Proto3 = lookupType('presence.Proto3');
  t.throws(() => encodeMessage(Proto3, { leaves: { 'not a number': {} } }));
  t.throws(() => encodeMessage(lookupType('demo.Inner'), nest(150)), /depth exceeded/);
});

function nest(depth: number): Record<string, unknown> {
  let message: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < depth; i++) message = { child: message };
  return message;
}
