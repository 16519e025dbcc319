// Compression as our client sees it: requests in gzip/deflate to grpc-js and our own server, and the
// broken responses a raw HTTP/2 server can send (doc/compression.md test cases 5 and 6).

import http2 from 'node:http2';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/index.js';
import { Status } from '../../src/protocol/status.js';
import { routeGuideClient, routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { frame } from '../helpers/raw-h2.js';
import { startGrpcJsRouteGuideServer } from '../helpers/grpc-js.js';
import { startTestServer } from '../helpers/test-server.js';

const POINT = { latitude: 409146138, longitude: -746188906 };
const NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';
const getFeature = routeGuideDefinition().methods.find((m) => m.name === 'GetFeature')!;
const featureBytes = Buffer.from(getFeature.response.serialize({ name: NAME, location: POINT }));

t.test('gzip and deflate requests, per-message opt-out, against our server and grpc-js', async (t) => {
  const ours = await startTestServer();
  t.teardown(ours.close);
  const theirs = await startGrpcJsRouteGuideServer();
  t.teardown(theirs.close);
  for (const [name, port] of [
    ['ours', ours.port],
    ['grpc-js', theirs.port],
  ] as const) {
    for (const compression of ['gzip', 'deflate'] as const) {
      const channel = new Channel(`127.0.0.1:${port}`, { compression });
      const client = routeGuideClient(channel);
      t.equal((await client.getFeature(POINT)).name, NAME, `${name} ${compression} unary`);
      const route = client.recordRoute();
      await route.send(POINT);
      await route.send(POINT, { compress: false });
      t.equal(
        (await route.closeAndRecv()).point_count,
        2,
        `${name} ${compression} client stream, one message uncompressed`,
      );
      channel.close();
    }
  }
});

/** A raw server answering GetFeature with the given response headers and body. */
async function rawServer(t: Test, headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<number> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', ...headers }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

t.test('responses: decoded per grpc-encoding; unsupported encoding or flag without encoding → INTERNAL', async (t) => {
  const cases: [string, http2.OutgoingHttpHeaders, Buffer, number][] = [
    ['gzip response', { 'grpc-encoding': 'gzip' }, frame(zlib.gzipSync(featureBytes), 1), Status.OK],
    ['deflate response', { 'grpc-encoding': 'deflate' }, frame(zlib.deflateSync(featureBytes), 1), Status.OK],
    ['unsupported encoding', { 'grpc-encoding': 'snappy' }, frame(featureBytes, 1), Status.INTERNAL],
    ['flag 1 without grpc-encoding', {}, frame(zlib.gzipSync(featureBytes), 1), Status.INTERNAL],
    [
      'gzip bomb',
      { 'grpc-encoding': 'gzip' },
      frame(zlib.gzipSync(Buffer.alloc(16 * 1024 * 1024)), 1),
      Status.RESOURCE_EXHAUSTED,
    ],
  ];
  for (const [what, headers, body, code] of cases) {
    const port = await rawServer(t, headers, body);
    const channel = new Channel(`127.0.0.1:${port}`);
    const call = routeGuideClient(channel).getFeature(POINT);
    if (code === Status.OK) t.equal((await call).name, NAME, what);
    else await t.rejects(call, { code }, what);
    channel.close();
  }
});
