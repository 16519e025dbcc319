// Protobuf in the tap: the schema-less wire-format dump (field numbers, wire types, values; never
// throws on bytes that are not protobuf) and decoded messages as proto3 JSON, well-known types too.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import protobuf from 'protobufjs';
import { loadProtoFiles } from '../../src/protocol/schema.js';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { decodeWireFormat } from '../../src/wire/protobuf/wire-format.js';
import { toProto3Json } from '../../src/wire/protobuf/proto-json.js';
import { prng } from '../helpers/rng.js';
import { scratchDir } from '../helpers/scratch.js';

const root = routeGuideDefinition().service.root;
const RouteNote = root.lookupType('routeguide.RouteNote');

t.test('wire format: a RouteNote without its schema', async (t) => {
  const bytes = RouteNote.encode({ location: { latitude: 0, longitude: 1 }, message: 'First message' }).finish();
  t.same(decodeWireFormat(bytes), {
    fields: [
      {
        field: 1,
        wire: 'len',
        message: [
          { field: 1, wire: 'varint', value: 0 },
          { field: 2, wire: 'varint', value: 1 },
        ],
      },
      { field: 2, wire: 'len', string: 'First message' },
    ],
  });
});

t.test('wire format: every wire type', async (t) => {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(-1); // a negative int32 is a 10-byte varint
  w.uint32((2 << 3) | 1).double(1.5);
  w.uint32((3 << 3) | 5).float(-2);
  w.uint32((4 << 3) | 2).bytes(Buffer.from([0xff, 0x00, 0x01]));
  w.uint32((5 << 3) | 3)
    .uint32((6 << 3) | 0)
    .uint32(7)
    .uint32((5 << 3) | 4); // group 5 { 6: 7 }
  w.uint32((7 << 3) | 2).string('');
  w.uint32((8 << 3) | 0).uint64(2 ** 53 + 2);
  t.same(decodeWireFormat(w.finish()), {
    fields: [
      { field: 1, wire: 'varint', value: '18446744073709551615' },
      { field: 2, wire: 'i64', hex: '0x3ff8000000000000', double: 1.5 },
      { field: 3, wire: 'i32', hex: '0xc0000000', float: -2 },
      { field: 4, wire: 'len', bytes: '/wAB' },
      { field: 5, wire: 'group', fields: [{ field: 6, wire: 'varint', value: 7 }] },
      { field: 7, wire: 'len', string: '' },
      { field: 8, wire: 'varint', value: '9007199254740994' },
    ],
  });
});

t.test('wire format: malformed input is an error naming the offset, with the fields read so far', async (t) => {
  const cases: [string, Buffer, number, RegExp][] = [
    ['cut varint', Buffer.from([0x08, 0x96]), 1, /varint cut short/],
    ['wire type 6', Buffer.from([0x08, 0x01, 0x0e]), 2, /wire type 6 does not exist/],
    ['field 0', Buffer.from([0x02, 0x00]), 0, /field number 0/],
    ['LEN too long', Buffer.from([0x0a, 0x05, 0x41]), 0, /LEN of 5 bytes, only 1 left/],
    ['short I64', Buffer.from([0x09, 1, 2, 3]), 0, /I64 needs 8 bytes/],
    ['stray EGROUP', Buffer.from([0x0c]), 0, /EGROUP without its SGROUP/],
    ['open group', Buffer.from([0x0b, 0x08, 0x01]), 3, /group 1 has no EGROUP/],
    ['11-byte varint', Buffer.from([0x08, ...Array<number>(10).fill(0xff), 0x01]), 1, /longer than 10 bytes/],
  ];
  for (const [name, bytes, offset, message] of cases) {
    const dump = decodeWireFormat(bytes);
    t.match(dump.error, { offset, message }, name);
  }
  t.same(decodeWireFormat(Buffer.from([0x08, 0x01, 0x0e])).fields, [{ field: 1, wire: 'varint', value: 1 }]);
});

t.test('wire format: random bytes never throw', async (t) => {
  const random = prng(7);
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)));
    decodeWireFormat(bytes);
  }
  t.pass('2000 random inputs');
});

t.test('proto3 JSON: RouteGuide messages', async (t) => {
  const note = RouteNote.decode(
    RouteNote.encode({ location: { latitude: 0, longitude: 1 }, message: 'First message' }).finish(),
  );
  t.same(
    toProto3Json(RouteNote, note),
    { location: { latitude: 0, longitude: 1 }, message: 'First message' },
    'a zero sent explicitly is on the wire, and shown',
  );
  const bare = RouteNote.decode(Buffer.from('0a0210011205486f776479', 'hex')); // as grpc-go writes it: no zeros
  t.same(
    toProto3Json(RouteNote, bare),
    { location: { longitude: 1 }, message: 'Howdy' },
    'absent fields are not shown',
  );
  const Summary = root.lookupType('routeguide.RouteSummary');
  const summary = Summary.decode(Summary.encode({ point_count: 3, distance: 10, elapsed_time: 2 }).finish());
  t.same(toProto3Json(Summary, summary), { pointCount: 3, distance: 10, elapsedTime: 2 }, 'lowerCamelCase names');
});

t.test('proto3 JSON: scalars, enums, maps, repeated, well-known types', async (t) => {
  const dir = scratchDir('routeguide-protojson-');
  writeFileSync(
    join(dir, 'all.proto'),
    `syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/any.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/empty.proto";
message Inner { string name = 1; }
message All {
  enum Color { COLOR_UNSPECIFIED = 0; RED = 1; }
  int64 big = 1;
  uint64 ubig = 2;
  bytes raw = 3;
  double nan = 4;
  Color color = 5;
  map<string, int32> counts = 6;
  repeated Inner inners = 7;
  google.protobuf.Timestamp at = 8;
  google.protobuf.Duration took = 9;
  google.protobuf.Int32Value maybe = 10;
  google.protobuf.Struct meta = 11;
  google.protobuf.Any any = 12;
  google.protobuf.FieldMask mask = 13;
  google.protobuf.Empty nothing = 14;
  int32 json_named = 15 [json_name = "custom"];
  repeated sint32 packed_list = 16;
  Color unknown_color = 17;
}
`,
  );
  const all = loadProtoFiles(join(dir, 'all.proto'));
  const All = all.lookupType('t.All');
  const Inner = all.lookupType('t.Inner');
  const message = All.fromObject({
    big: '-9007199254740993',
    ubig: '18446744073709551615',
    raw: Buffer.from('hi'),
    nan: NaN,
    color: 'RED',
    counts: { a: 1 },
    inners: [{ name: 'x' }, {}],
    at: { seconds: 1700000000, nanos: 5000000 },
    took: { seconds: 1, nanos: 500 },
    maybe: { value: 0 },
    meta: {
      fields: { k: { listValue: { values: [{ numberValue: 1 }, { nullValue: 0 }, { stringValue: 's' }] } } },
    },
    any: { type_url: 'type.googleapis.com/t.Inner', value: Inner.encode({ name: 'packed' }).finish() },
    mask: { paths: ['point_count', 'a.b_c'] },
    nothing: {},
    json_named: 4,
    packed_list: [-1, 2],
    unknown_color: 9,
  });
  const decoded = All.decode(All.encode(message).finish());
  t.same(toProto3Json(All, decoded), {
    big: '-9007199254740993',
    ubig: '18446744073709551615',
    raw: 'aGk=',
    nan: 'NaN',
    color: 'RED',
    counts: { a: 1 },
    inners: [{ name: 'x' }, {}],
    at: '2023-11-14T22:13:20.005Z',
    took: '1.000000500s',
    maybe: 0,
    meta: { k: [1, null, 's'] },
    any: { '@type': 'type.googleapis.com/t.Inner', name: 'packed' },
    mask: 'pointCount,a.bC',
    nothing: {},
    custom: 4,
    packedList: [-1, 2],
    unknownColor: 9,
  });
});

t.test('proto3 JSON: a map key or Struct field named __proto__ is a key like any other', async (t) => {
  const dir = scratchDir('routeguide-protojson-');
  writeFileSync(
    join(dir, 'm.proto'),
    'syntax = "proto3"; import "google/protobuf/struct.proto"; message M { map<string, string> m = 1; google.protobuf.Struct s = 2; }',
  );
  const root = loadProtoFiles(join(dir, 'm.proto'));
  const M = root.lookupType('M');
  // Built by hand: m = {"__proto__": "x", "a": "y"}; s = {"__proto__": "z"}.
  const entry = (w: protobuf.Writer, key: string, value: (w: protobuf.Writer) => void) => {
    w.fork().uint32(10).string(key);
    value(w);
    w.ldelim();
  };
  const w = protobuf.Writer.create();
  w.uint32(10);
  entry(w, '__proto__', (w) => w.uint32(18).string('x'));
  w.uint32(10);
  entry(w, 'a', (w) => w.uint32(18).string('y'));
  w.uint32(18).fork().uint32(10); // Struct.fields entry, its value a Value with string_value
  entry(w, '__proto__', (w) => w.uint32(18).fork().uint32(26).string('z').ldelim());
  w.ldelim();
  const json = toProto3Json(M, M.decode(w.finish()));
  const line = JSON.stringify(json);
  t.equal(line, '{"m":{"__proto__":"x","a":"y"},"s":{"__proto__":"z"}}');
  t.same(Object.keys((json as { m: object }).m), ['__proto__', 'a']);
});
