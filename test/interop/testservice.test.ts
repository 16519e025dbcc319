// grpc.testing.TestService server features (doc/interop-test-descriptions.md "Server") beyond what
// the interop cases exercise: unsupported response_type, HalfDuplexCall ordering, interval_us,
// CacheableUnaryCall headers, Echo Metadata on an error status, and expect_compressed when two
// request messages arrive in one DATA frame.

import http2 from 'node:http2';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { encodeEnvelope } from '../../framing/index.js';
import { Channel } from '../../src/client/channel.js';
import { createClient } from '../../src/client/client.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import {
  ECHO_INITIAL_KEY,
  ECHO_TRAILING_KEY,
  testServiceDefinition,
  testServiceHandlers,
  type TestServiceClient,
} from '../../src/services/testing/index.js';
import type { BidiStreamCall, UnaryCall } from '../../src/client/call.js';
import type {
  SimpleRequest,
  SimpleResponse,
  StreamingOutputCallRequest,
  StreamingOutputCallResponse,
} from '../../src/services/testing/types.js';

type Client = TestServiceClient & {
  cacheableUnaryCall(request: SimpleRequest): UnaryCall<SimpleResponse>;
  halfDuplexCall(): BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse>;
};

const server = new Server({ onHandlerError: () => {} });
server.addService(testServiceDefinition(), testServiceHandlers());
const { port } = await server.listen(0, '127.0.0.1');
const channel = new Channel(`127.0.0.1:${port}`);
const client = createClient<Client>(testServiceDefinition(), channel);
t.teardown(() => {
  channel.close();
  return server.close(0);
});

async function statusOf(call: Promise<unknown>): Promise<GrpcError | undefined> {
  return call.then(
    () => undefined,
    (e: unknown) => e as GrpcError,
  );
}

t.test('UnaryCall: an unsupported response_type is INVALID_ARGUMENT', async (t) => {
  const error = await statusOf(client.unaryCall({ response_type: 7, response_size: 1 }));
  t.equal(error?.code, Status.INVALID_ARGUMENT);
  t.match(error?.details, /response_type 7/);
});

t.test('Echo Metadata also rides on an error status (Trailers-Only)', async (t) => {
  const metadata = new Metadata().set(ECHO_INITIAL_KEY, 'hello').set(ECHO_TRAILING_KEY, Buffer.from([1, 2, 3]));
  const call = client.unaryCall({ response_status: { code: Status.NOT_FOUND, message: 'gone' } }, { metadata });
  const error = await statusOf(call);
  t.equal(error?.code, Status.NOT_FOUND);
  t.equal(error?.details, 'gone');
  const trailers = await call.trailers;
  t.equal(trailers.first(ECHO_INITIAL_KEY), 'hello', 'initial key echoed (Trailers-Only has one header block)');
  t.same(trailers.first(ECHO_TRAILING_KEY), Buffer.from([1, 2, 3]), 'binary trailing key echoed');
});

t.test('HalfDuplexCall reads every request before answering, then answers in order', async (t) => {
  const call = client.halfDuplexCall();
  const first: Promise<IteratorResult<StreamingOutputCallResponse>> = call[Symbol.asyncIterator]().next();
  let answered = false;
  void first.then(() => (answered = true));
  await call.send({ response_parameters: [{ size: 1 }, { size: 2 }] });
  await call.send({ response_parameters: [{ size: 3 }] });
  await new Promise((r) => setTimeout(r, 100));
  t.equal(answered, false, 'no response before the client half-closes');
  call.closeSend();
  const sizes = [(await first).value?.payload?.body?.length];
  for await (const response of { [Symbol.asyncIterator]: () => call[Symbol.asyncIterator]() })
    sizes.push(response.payload?.body?.length);
  t.same(sizes, [1, 2, 3]);
});

t.test('interval_us: each response waits its interval after the previous one', async (t) => {
  const started = Date.now();
  const sizes: number[] = [];
  const request = {
    response_parameters: [
      { size: 5, interval_us: 60_000 },
      { size: 6, interval_us: 60_000 },
    ],
  };
  for await (const response of client.streamingOutputCall(request)) sizes.push(response.payload?.body?.length ?? -1);
  t.same(sizes, [5, 6]);
  t.ok(Date.now() - started >= 115, 'the two intervals accumulate (at least 120 ms in all, less timer slack)');
});

t.test('CacheableUnaryCall: a fresh timestamp payload and cache-control', async (t) => {
  const call = client.cacheableUnaryCall({});
  const response = await call;
  t.match(Buffer.from(response.payload!.body!).toString(), /^\d{19,}$/, 'nanosecond timestamp, ASCII decimal');
  t.equal((await call.headers).first('cache-control'), 'max-age=60, public');
});

t.test('UnimplementedCall has no handler: UNIMPLEMENTED', async (t) => {
  t.equal((await statusOf(client.unimplementedCall({})))?.code, Status.UNIMPLEMENTED);
});

// CompressedRequest: the check applies to the message being handled, even when the next one
// (uncompressed) has already been decoded from the same DATA frame.
t.test('expect_compressed: a compressed and an uncompressed message in one DATA frame', async (t) => {
  const method = testServiceDefinition().methods.find((m) => m.name === 'StreamingInputCall')!;
  const compressed = gzipSync(
    method.request.serialize({ payload: { body: Buffer.alloc(100) }, expect_compressed: { value: true } }),
  );
  const plain = method.request.serialize({ payload: { body: Buffer.alloc(50) }, expect_compressed: { value: false } });
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => session.close());
  const stream = session.request({
    ':method': 'POST',
    ':path': method.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-encoding': 'gzip',
  });
  stream.end(Buffer.concat([encodeEnvelope(compressed, true), encodeEnvelope(plain, false)]));
  const status = await new Promise<{ code: string; message: string }>((resolve) => {
    let code = '';
    let message = '';
    const read = (headers: http2.IncomingHttpHeaders) => {
      if (headers['grpc-status'] !== undefined) {
        code = String(headers['grpc-status']);
        message = String(headers['grpc-message'] ?? '');
      }
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('data', () => {});
    stream.on('close', () => resolve({ code, message }));
  });
  t.same(status, { code: '0', message: '' }, 'OK: each message is checked against its own Compressed-Flag');
});
