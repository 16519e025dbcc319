// Service definitions from .proto files. PROTOCOL-HTTP2 Appendix A: `:path` is
// `/{package}.{Service}/{Method}`; fields keep their .proto spelling (keepCase).

import type protobuf from 'protobufjs';
import t from 'tap';
import { join } from 'node:path';
import { loadProtoFiles, serviceDefinition, type MethodDefinition } from '../../src/protocol/schema.js';
import { PROTO_DIR } from '../../src/paths.js';

/** Tests read decoded messages' fields freely. */
type AnyMethod = MethodDefinition<any, any>;

/** The protobufjs request and response types behind a method of `service` (`def.service`). */
function types(service: protobuf.Service, name: string): { request: protobuf.Type; response: protobuf.Type } {
  const method = service.methods[name];
  method.resolve();
  return { request: method.resolvedRequestType!, response: method.resolvedResponseType! };
}

const ROUTE_GUIDE = join(PROTO_DIR, 'route_guide.proto');

t.test('route_guide.proto: four methods with paths and streaming flags', async (t) => {
  const def = serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.RouteGuide');
  t.equal(def.name, 'routeguide.RouteGuide');
  t.equal(def.service.name, 'RouteGuide');
  const rows = (def.methods as readonly AnyMethod[]).map((m) => [
    m.path,
    m.name,
    m.localName,
    m.requestStream,
    m.responseStream,
    types(def.service, m.name).request.name,
    types(def.service, m.name).response.name,
  ]);
  t.same(rows, [
    ['/routeguide.RouteGuide/GetFeature', 'GetFeature', 'getFeature', false, false, 'Point', 'Feature'], // unary
    ['/routeguide.RouteGuide/ListFeatures', 'ListFeatures', 'listFeatures', false, true, 'Rectangle', 'Feature'], // server streaming
    ['/routeguide.RouteGuide/RecordRoute', 'RecordRoute', 'recordRoute', true, false, 'Point', 'RouteSummary'], // client streaming
    ['/routeguide.RouteGuide/RouteChat', 'RouteChat', 'routeChat', true, true, 'RouteNote', 'RouteNote'], // bidi
  ]);
});

t.test('serialize / deserialize round-trip with snake_case fields', async (t) => {
  const def = serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.RouteGuide');
  const method = (name: string) => (def.methods as readonly AnyMethod[]).find((m) => m.name === name)!;

  const summary = { point_count: 10, feature_count: 3, distance: 123456, elapsed_time: 7 };
  const back = method('RecordRoute').response.deserialize(method('RecordRoute').response.serialize(summary));
  const summaryType = types(def.service, 'RecordRoute').response;
  t.same(summaryType.toObject(back), summary);
  t.equal(back.point_count, 10, 'snake_case field on the decoded message');
  t.equal(back.elapsed_time, 7);
  t.same(Object.keys(summaryType.fields), ['point_count', 'feature_count', 'distance', 'elapsed_time']);

  const cases: Array<[method: string, side: 'request' | 'response', message: object]> = [
    ['GetFeature', 'request', { latitude: 409146138, longitude: -746188906 }],
    [
      'GetFeature',
      'response',
      {
        name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
        location: { latitude: 409146138, longitude: -746188906 },
      },
    ],
    [
      'ListFeatures',
      'request',
      { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } },
    ],
    ['RouteChat', 'request', { location: { latitude: 1, longitude: 2 }, message: 'First message ☺' }],
  ];
  for (const [name, side, message] of cases) {
    const m = method(name);
    const codec = m[side];
    const type = types(def.service, name)[side];
    t.same(type.toObject(codec.deserialize(codec.serialize(message))), message, `${name} ${side}`);
  }
});

t.test('wire bytes and defaults', async (t) => {
  const def = serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.RouteGuide');
  const getFeature = (def.methods as readonly AnyMethod[])[0];
  // field 1 varint (tag 0x08) = 1, field 2 varint (tag 0x10) = 2
  t.same([...getFeature.request.serialize({ latitude: 1, longitude: 2 })], [0x08, 1, 0x10, 2]);
  // proto3 zeros are not written (as protobuf-go writes them: src/protocol/protobuf-encoding.ts).
  t.equal(getFeature.request.serialize({ latitude: 0, longitude: 0 }).length, 0);
  // An empty message is zero bytes (and legal on the wire).
  t.equal(getFeature.request.serialize({}).length, 0);
  t.equal(getFeature.request.serialize(undefined).length, 0);
  const empty = getFeature.request.deserialize(new Uint8Array(0));
  t.equal(empty.latitude, 0);
  t.equal(empty.longitude, 0);
  // An instance of the generated class is encoded directly.
  const instance = types(def.service, 'GetFeature').request.create({ latitude: 5, longitude: 6 });
  t.same([...getFeature.request.serialize(instance)], [0x08, 5, 0x10, 6]);
  // camelCase names are not the fields: they are dropped, the snake_case ones kept.
  const recordRoute = (def.methods as readonly AnyMethod[])[2];
  const decoded = recordRoute.response.deserialize(recordRoute.response.serialize({ pointCount: 4, feature_count: 2 }));
  t.equal(decoded.point_count, 0);
  t.equal(decoded.feature_count, 2);
});

t.test('deserialize rejects malformed bytes by throwing', async (t) => {
  const def = serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.RouteGuide');
  // Field 1 varint whose continuation bit never ends.
  t.throws(() => (def.methods as readonly AnyMethod[])[0].request.deserialize(new Uint8Array([0x08, 0xff])));
  // Field 1 (name, length-delimited) promising 10 bytes with only 1.
  t.throws(() => (def.methods as readonly AnyMethod[])[0].response.deserialize(new Uint8Array([0x0a, 10, 0x41])));
});

t.test(
  'a string that runs past the message end is refused, from a Buffer too (protobufjs alone cuts it short)',
  async (t) => {
    const def = serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.RouteGuide');
    const [getFeature, , , routeChat] = def.methods as readonly AnyMethod[];
    // Feature.name (field 1) and RouteNote.message (field 2) promise 5 bytes; 2 follow.
    for (const [codec, bytes] of [
      [getFeature.response, [0x0a, 0x05, 0x61, 0x62]],
      [routeChat.request, [0x12, 0x05, 0x61, 0x62]],
    ] as const) {
      t.throws(() => codec.deserialize(Buffer.from(bytes)), /index out of range: 2 \+ 5 > 4/);
      t.throws(() => codec.deserialize(new Uint8Array(bytes)), /index out of range/);
      // In place, the bytes after the message (the next one's) are not read into it.
      t.throws(() => codec.deserializeIn(Buffer.from([...bytes, 0x63, 0x64, 0x65]), 0, 4), /index out of range/);
    }
    // The same field whole decodes as before.
    t.same(getFeature.response.deserialize(Buffer.from([0x0a, 0x02, 0x61, 0x62])), { name: 'ab' });
    t.same(routeChat.request.deserializeIn(Buffer.from([0x09, 0x12, 0x02, 0x61, 0x62, 0x00]), 1, 5), { message: 'ab' });
  },
);

t.test('includeDirs resolve imports', async (t) => {
  const dir = t.testdir({
    include: {
      common: {
        'types.proto': 'syntax = "proto3";\npackage common;\nmessage Thing { string thing_name = 1; }\n',
      },
    },
    main: {
      'svc.proto':
        'syntax = "proto3";\npackage demo.v1;\nimport "common/types.proto";\n' +
        'service Things { rpc Get(common.Thing) returns (common.Thing); rpc Watch(common.Thing) returns (stream common.Thing); }\n',
    },
  });
  const root = loadProtoFiles(join(dir, 'main', 'svc.proto'), [join(dir, 'include')]);
  const def = serviceDefinition(root, 'demo.v1.Things');
  t.same(
    (def.methods as readonly AnyMethod[]).map((m) => [m.path, m.requestStream, m.responseStream]),
    [
      ['/demo.v1.Things/Get', false, false],
      ['/demo.v1.Things/Watch', false, true],
    ],
  );
  const bytes = (def.methods as readonly AnyMethod[])[0].request.serialize({ thing_name: 'x' });
  t.equal((def.methods as readonly AnyMethod[])[0].response.deserialize(bytes).thing_name, 'x');
});

t.test('the bundled grpc/health proto loads through an include dir', async (t) => {
  const root = loadProtoFiles('grpc/health/v1/health.proto', [PROTO_DIR]);
  const def = serviceDefinition(root, 'grpc.health.v1.Health');
  t.same((def.methods as readonly AnyMethod[]).map((m) => m.path).sort(), [
    '/grpc.health.v1.Health/Check',
    '/grpc.health.v1.Health/Watch',
  ]);
});

t.test('an unknown service name throws', async (t) => {
  t.throws(() => serviceDefinition(loadProtoFiles(ROUTE_GUIDE), 'routeguide.Nope'));
});
