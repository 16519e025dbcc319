// Compressed messages that inflate far past the receive limit ("zip bombs", CVE-2024-37168): the
// interop server and the interop client's raw calls both stop inflating at the limit and answer
// RESOURCE_EXHAUSTED, as our server and client do.

import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { encodeEnvelope } from '../../framing/index.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import { testServiceDefinition, testServiceHandlers } from '../../src/services/testing/index.js';
import { rawCall } from '../../src/services/testing/raw-call.js';
import { closeRaw, connectRaw, grpcStatus, rawRequest } from '../helpers/raw-h2.js';

const LIMIT = 4 * 1024 * 1024;
// 64 MiB of zeros gzip to about 64 KiB: sixteen times the limit once inflated.
const BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024));

t.test('the interop server refuses a gzip bomb request with RESOURCE_EXHAUSTED', async (t) => {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(testServiceDefinition(), testServiceHandlers());
  const { port } = await server.listen(0, '127.0.0.1');
  const session = await connectRaw(port);
  t.teardown(async () => {
    await closeRaw(session);
    await server.close();
  });
  t.ok(BOMB.length < LIMIT / 16, `the bomb is small on the wire (${BOMB.length} bytes)`);
  const result = await rawRequest(session, {
    path: '/grpc.testing.TestService/UnaryCall',
    headers: { 'grpc-encoding': 'gzip' },
    body: encodeEnvelope(BOMB, true),
  });
  t.equal(grpcStatus(result).code, Status.RESOURCE_EXHAUSTED);
  t.match(grpcStatus(result).message, /^Received message larger than max \(more than 4194304 bytes once decompressed/);
});

t.test("the interop client's raw call stops inflating a bomb response at the limit", async (t) => {
  // A server whose every answer is one compressed message that inflates to 64 MiB.
  const bomber = http2.createServer();
  bomber.on('stream', (stream) => {
    stream.on('error', () => {});
    stream.resume();
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-encoding': 'gzip' },
      { waitForTrailers: true },
    );
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(encodeEnvelope(BOMB, true));
  });
  await new Promise<void>((resolve) => bomber.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => bomber.close(() => resolve())));
  const { port } = bomber.address() as { port: number };
  const error = await rawCall({
    origin: `http://127.0.0.1:${port}`,
    path: '/grpc.testing.TestService/StreamingOutputCall',
    requests: [Buffer.alloc(0)],
    acceptEncoding: 'gzip',
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(error, GrpcError);
  // zlib's maxOutputLength stops inflation one byte past the limit: the 64 MiB are never made.
  t.match(error, { code: Status.RESOURCE_EXHAUSTED, details: /^Received message larger than max/ });
});
