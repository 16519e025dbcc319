// Compression as the server sees it (doc/compression.md), with a raw HTTP/2 client for the broken
// cases and grpc-js for the working ones.

import zlib from 'node:zlib';
import t from 'tap';
import { Status } from '../../src/protocol/status.js';
import { closeRaw, connectRaw, frame, grpcStatus, rawRequest, unframe } from '../helpers/raw-h2.js';
import { collect, grpc, grpcJsRouteGuideClient, unary } from '../helpers/grpc-js.js';
import { startTestServer } from '../helpers/test-server.js';
import type { MethodDefinition } from '../../src/protocol/schema.js';
import { routeGuideDefinition, type Feature, type Point } from '../../src/services/routeguide/index.js';

const GET_FEATURE = '/routeguide.RouteGuide/GetFeature';
const POINT = { latitude: 409146138, longitude: -746188906 };
const NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';
const getFeature = routeGuideDefinition().methods.find((m) => m.name === 'GetFeature') as MethodDefinition<
  Point,
  Feature
>;
const pointBytes = Buffer.from(getFeature.request.serialize(POINT));

const server = await startTestServer();
t.teardown(server.close);
const session = await connectRaw(server.port);
t.teardown(() => closeRaw(session));

t.test(
  'a request in an unsupported encoding → UNIMPLEMENTED, grpc-accept-encoding lists what the server decodes',
  async (t) => {
    const r = await rawRequest(session, {
      path: GET_FEATURE,
      headers: { 'grpc-encoding': 'snappy' },
      body: frame(pointBytes, 1),
    });
    t.equal(grpcStatus(r).code, Status.UNIMPLEMENTED);
    t.match(grpcStatus(r).message, /unknown compression "snappy"/);
    const accept = String(r.headers['grpc-accept-encoding']);
    t.same(accept.split(',').sort(), ['deflate', 'gzip', 'identity']);
    t.notMatch(accept, /snappy/, 'the rejected algorithm is not listed');
  },
);

t.test('Compressed-Flag 1 without grpc-encoding → INTERNAL', async (t) => {
  const r = await rawRequest(session, { path: GET_FEATURE, body: frame(zlib.gzipSync(pointBytes), 1) });
  t.equal(grpcStatus(r).code, Status.INTERNAL);
  t.match(grpcStatus(r).message, /compressed flag set with identity or empty grpc-encoding/);
  const r2 = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'grpc-encoding': 'identity' },
    body: frame(pointBytes, 1),
  });
  t.equal(grpcStatus(r2).code, Status.INTERNAL, 'grpc-encoding: identity is the same');
});

t.test('a gzip bomb → RESOURCE_EXHAUSTED; a body that does not inflate → INTERNAL', async (t) => {
  const bomb = zlib.gzipSync(Buffer.alloc(32 * 1024 * 1024));
  const r = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'grpc-encoding': 'gzip' },
    body: frame(bomb, 1),
  });
  t.equal(grpcStatus(r).code, Status.RESOURCE_EXHAUSTED);
  t.match(grpcStatus(r).message, /larger than max/);
  const bad = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'grpc-encoding': 'deflate' },
    body: frame(Buffer.from('not deflate'), 1),
  });
  t.equal(grpcStatus(bad).code, Status.INTERNAL);
});

t.test('compressed requests (gzip, deflate) and an uncompressed message in a gzip call all decode', async (t) => {
  for (const [encoding, pack] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
  ] as const) {
    const r = await rawRequest(session, {
      path: GET_FEATURE,
      headers: { 'grpc-encoding': encoding },
      body: frame(pack(pointBytes), 1),
    });
    t.equal(grpcStatus(r).code, Status.OK, encoding);
    t.equal(getFeature.response.deserialize(unframe(r.data)[0]).name, NAME);
    t.match(String(r.headers['grpc-accept-encoding']), /gzip/, 'the response says what the server decodes');
  }
  const plain = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'grpc-encoding': 'gzip' },
    body: frame(pointBytes, 0),
  });
  t.equal(grpcStatus(plain).code, Status.OK, 'Compressed-Flag 0 means uncompressed whatever grpc-encoding says');
});

t.test(
  'responses are not compressed by default; with the compression option they are, when the client accepts',
  async (t) => {
    const r = await rawRequest(session, {
      path: GET_FEATURE,
      headers: { 'grpc-accept-encoding': 'gzip' },
      body: frame(pointBytes),
    });
    t.equal(r.data[0], 0, 'default: Compressed-Flag 0');

    const compressing = await startTestServer({ compression: 'gzip' });
    t.teardown(compressing.close);
    const s = await connectRaw(compressing.port);
    t.teardown(() => closeRaw(s));
    const gz = await rawRequest(s, {
      path: GET_FEATURE,
      headers: { 'grpc-accept-encoding': 'identity,gzip' },
      body: frame(pointBytes),
    });
    t.equal(gz.headers['grpc-encoding'], 'gzip');
    t.equal(gz.data[0], 1, 'Compressed-Flag 1');
    t.equal(getFeature.response.deserialize(zlib.gunzipSync(gz.data.subarray(5))).name, NAME);
    const none = await rawRequest(s, {
      path: GET_FEATURE,
      headers: { 'grpc-accept-encoding': 'deflate' },
      body: frame(pointBytes),
    });
    t.equal(none.headers['grpc-encoding'], undefined, 'a client that does not accept gzip gets identity');
    t.equal(none.data[0], 0);

    // grpc-js decodes what the compressing server sends, and its own gzip requests are accepted.
    const client = grpcJsRouteGuideClient(compressing.port, { 'grpc.default_compression_algorithm': 2 });
    t.teardown(() => client.close());
    t.equal((await unary<{ name: string }>(client, 'GetFeature', POINT)).name, NAME);
    const rect = {
      lo: { latitude: 400000000, longitude: -750000000 },
      hi: { latitude: 420000000, longitude: -730000000 },
    };
    t.equal((await collect(client.ListFeatures(rect, new grpc.Metadata()))).length, 100);
  },
);
