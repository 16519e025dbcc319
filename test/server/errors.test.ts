// Our server's error paths over loopback: grpc-js where it can express the case, a raw node:http2
// client for malformed input. One server for the file; every case must leave it serving.

import type { ClientHttp2Session } from 'node:http2';
import t, { type Test } from 'tap';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { Status } from '../../src/protocol/status.js';
import type { ServerCall } from '../../src/server/call.js';
import type { MethodDefinition } from '../../src/protocol/schema.js';
import { routeGuideDefinition, type RouteNote } from '../../src/services/routeguide/index.js';
import { collect, grpc, grpcJsRouteGuideClient, loadGrpcJsPackage, unary } from '../helpers/grpc-js.js';
import {
  closeRaw,
  connectRaw,
  frame,
  grpcStatus,
  openRaw,
  rawRequest,
  unframe,
  type RawResult,
} from '../helpers/raw-h2.js';
import { startTestServer, TESTSVC_PROTO, type TestServer } from '../helpers/test-server.js';

interface Msg {
  text?: string;
  payload?: Buffer;
  count?: number;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with the signal's reason once it aborts. */
function whenAborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    else signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

/** What a test's handlers observed: each test starts its own server with its own. */
interface Observed {
  sendAfterEnd: ReturnType<typeof deferred<unknown>>;
  hang: ReturnType<typeof deferred<unknown>>;
  bidiLoop: ReturnType<typeof deferred<string>>;
  bidiAborted: ReturnType<typeof deferred<unknown>>;
}

function probeHandlers(seen: Observed) {
  return {
    Unary(req: Msg, call: ServerCall<Msg, Msg>): Msg | Promise<Msg> {
      switch (req.text) {
        case 'throw':
          throw new Error('secret stack detail');
        case 'reject':
          return Promise.reject(new Error('secret async detail'));
        case 'nothing':
          return undefined as unknown as Msg;
        case 'not-found':
          throw new GrpcError(Status.NOT_FOUND, 'x', {
            metadata: new Metadata({ 'x-why': 'missing', 'x-why-bin': Buffer.from([0xde, 0xad]) }),
          });
        case 'metadata':
          call.responseHeaders.set('x-header', 'h1').set('x-header-bin', Buffer.from([1, 2, 3]));
          call.trailers.set('x-trailer', 't1').set('x-trailer-bin', Buffer.from([0xff, 0, 0xfe]));
          return {
            text: String(call.metadata.first('x-ascii')),
            payload: call.metadata.first('x-data-bin') as Buffer,
          };
        case 'hang':
          return whenAborted(call.signal).then((reason) => {
            seen.hang.resolve(reason);
            throw reason;
          });
        default:
          return { text: req.text };
      }
    },
    // Sends one message, ends the call, then sends again: once without awaiting (that rejection must
    // not go unhandled), once awaited (it rejects, saying the call has ended).
    async ServerStream(req: Msg, call: ServerCall<Msg, Msg>): Promise<void> {
      await call.send({ text: req.text });
      call.end();
      void call.send({ text: 'ignored' });
      seen.sendAfterEnd.resolve(
        await call.send({ text: 'too late' }).then(
          () => 'resolved',
          (e: GrpcError) => e,
        ),
      );
    },
    // Reads until 'stop' (then answers early, without reading the rest) or end of stream.
    async ClientStream(call: ServerCall<Msg, Msg>): Promise<Msg> {
      let count = 0;
      for await (const m of call) {
        count++;
        if (m.text === 'stop') return { text: 'early', count };
        if (m.text === 'fail') throw new GrpcError(Status.NOT_FOUND, 'early failure');
      }
      return { text: 'end', count };
    },
    // Echoes; on 'stop' sends one reply and returns without reading further. Otherwise, once the
    // loop ends or throws, it keeps the call open until the signal aborts.
    async Bidi(call: ServerCall<Msg, Msg>): Promise<void> {
      const aborted = whenAborted(call.signal);
      try {
        for await (const m of call) {
          if (m.text === 'stop') return call.send({ text: 'bye' });
          await call.send(m);
        }
        seen.bidiLoop.resolve('ended');
      } catch (e) {
        seen.bidiLoop.resolve(`threw ${(e as GrpcError).code}`);
      }
      seen.bidiAborted.resolve(await aborted);
    },
  };
}

const testsvc = (loadGrpcJsPackage(TESTSVC_PROTO) as any).testsvc;

/** A test's own server (RouteGuide and the Probe), and grpc-js clients sharing one connection to it. */
interface Fixture {
  server: TestServer;
  seen: Observed;
  rg: any; // grpc-js RouteGuide client
  pb: any; // grpc-js Probe client on the same channel (same HTTP/2 connection)
  generic: grpc.Client; // for arbitrary paths, same channel
  /** A raw node:http2 connection to the server. */
  raw: () => Promise<ClientHttp2Session>;
}

async function setup(t: Test): Promise<Fixture> {
  const seen: Observed = { sendAfterEnd: deferred(), hang: deferred(), bidiLoop: deferred(), bidiAborted: deferred() };
  const server = await startTestServer({ probe: probeHandlers(seen) });
  const rg = grpcJsRouteGuideClient(server.port);
  const channelOverride = rg.getChannel();
  const address = `127.0.0.1:${server.port}`;
  const pb = new testsvc.Probe(address, grpc.credentials.createInsecure(), { channelOverride });
  const generic = new grpc.Client(address, grpc.credentials.createInsecure(), { channelOverride });
  t.teardown(async () => {
    rg.close();
    await server.close();
  });
  const raw = async () => {
    const session = await connectRaw(server.port);
    t.teardown(() => closeRaw(session));
    return session;
  };
  return { server, seen, rg, pb, generic, raw };
}

function grpcJsError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  return promise.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (e: grpc.ServiceError) => e,
  );
}

const point = (latitude: number, longitude: number) =>
  routeGuideDefinition()
    .methods.find((m) => m.name === 'GetFeature')!
    .request.serialize({ latitude, longitude });
const GET_FEATURE = '/routeguide.RouteGuide/GetFeature';

/** PROTOCOL-HTTP2 Trailers-Only: one HEADERS frame, :status 200, content-type, grpc-status, END_STREAM. */
function assertTrailersOnly(t: Test, r: RawResult, code: number, message?: string | RegExp): void {
  t.equal(r.status, 200, ':status 200');
  t.ok(r.headersEndStream, 'the HEADERS frame ends the stream');
  t.match(String(r.headers['content-type']), /^application\/grpc/);
  t.equal(r.trailers, undefined, 'no separate trailers');
  t.equal(r.data.length, 0, 'no DATA');
  t.equal(grpcStatus(r).code, code, `grpc-status ${code}`);
  if (message !== undefined) t.match(grpcStatus(r).message, message);
}

t.test('unknown service and unknown method → UNIMPLEMENTED', async (t) => {
  const { server, rg, generic, raw } = await setup(t);
  const unregistered = new testsvc.Unregistered(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), {
    channelOverride: rg.getChannel(),
  });
  const e1 = await grpcJsError(unary(unregistered, 'Nothing', {}));
  t.equal(e1.code, grpc.status.UNIMPLEMENTED);
  t.match(e1.details, 'testsvc.Unregistered');
  const e2 = await grpcJsError(
    new Promise((resolve, reject) =>
      generic.makeUnaryRequest(
        '/routeguide.RouteGuide/NoSuchMethod',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    ),
  );
  t.equal(e2.code, grpc.status.UNIMPLEMENTED);
  t.match(e2.details, 'NoSuchMethod');

  const session = await raw();
  assertTrailersOnly(
    t,
    await rawRequest(session, { path: '/nosuch.Service/Method', body: frame(Buffer.alloc(0)) }),
    Status.UNIMPLEMENTED,
    'nosuch.Service',
  );
  assertTrailersOnly(
    t,
    await rawRequest(session, { path: '/routeguide.RouteGuide/Nope', body: frame(Buffer.alloc(0)) }),
    Status.UNIMPLEMENTED,
    'Nope',
  );
});

t.test('non-POST → HTTP 405, non-gRPC content-type → HTTP 415', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const get = await rawRequest(session, { path: GET_FEATURE, method: 'GET' });
  t.equal(get.status, 405);
  t.ok(get.headersEndStream);
  const json = await rawRequest(session, {
    path: GET_FEATURE,
    contentType: 'application/json',
    body: Buffer.from('{}'),
  });
  t.equal(json.status, 415);
  t.ok(json.headersEndStream);
});

t.test('malformed framing and bodies → INTERNAL', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const badFlag = await rawRequest(session, { path: GET_FEATURE, body: frame(point(1, 2), 2) });
  assertTrailersOnly(t, badFlag, Status.INTERNAL, /Compressed-Flag/);
  // compressed flag 1 without grpc-encoding is also a protocol error
  assertTrailersOnly(t, await rawRequest(session, { path: GET_FEATURE, body: frame(point(1, 2), 1) }), Status.INTERNAL);
  const cut = frame(Buffer.alloc(10)).subarray(0, 8); // prefix promises 10 bytes, 3 arrive, then END_STREAM
  assertTrailersOnly(
    t,
    await rawRequest(session, { path: GET_FEATURE, body: cut }),
    Status.INTERNAL,
    /ended inside a message/,
  );
  const cutPrefix = Buffer.from([0, 0, 0]); // not even a whole prefix
  assertTrailersOnly(t, await rawRequest(session, { path: GET_FEATURE, body: cutPrefix }), Status.INTERNAL);
  // field 1 varint with its continuation bit set and nothing after: not a Point
  const undecodable = await rawRequest(session, { path: GET_FEATURE, body: frame(Buffer.from([0x08, 0xff])) });
  assertTrailersOnly(t, undecodable, Status.INTERNAL);
  // A RouteNote whose message (field 2) promises 5 bytes where 2 follow: refused, not cut short.
  const shortNote = await rawRequest(session, {
    path: '/routeguide.RouteGuide/RouteChat',
    body: frame(Buffer.from([0x12, 0x05, 0x61, 0x62])),
  });
  t.equal(grpcStatus(shortNote).code, Status.INTERNAL);
  t.match(grpcStatus(shortNote).message, /failed to parse message: index out of range/);
});

t.test('oversize prefix → RESOURCE_EXHAUSTED from the prefix alone', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(4 * 1024 * 1024 + 1, 1);
  // Only the 5-byte prefix, no body and no END_STREAM: the status must still come back.
  const r = await openRaw(session, { path: GET_FEATURE, body: prefix, end: false }).result;
  assertTrailersOnly(t, r, Status.RESOURCE_EXHAUSTED);
  t.equal(grpcStatus(r).message, 'Received message larger than max (4194305 vs. 4194304)');
  t.equal(r.rstCode, 0, 'then RST_STREAM NO_ERROR, as the client had not half-closed');
});

t.test('unary request with zero or two messages → UNIMPLEMENTED', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const none = await rawRequest(session, { path: GET_FEATURE });
  assertTrailersOnly(t, none, Status.UNIMPLEMENTED, /exactly one request message, received none/);
  const two = await rawRequest(session, { path: GET_FEATURE, body: [frame(point(1, 2)), frame(point(3, 4))] });
  assertTrailersOnly(t, two, Status.UNIMPLEMENTED, /exactly one request message, received more/);
});

t.test('malformed -bin metadata and malformed grpc-timeout → INTERNAL', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const badBin = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'x-data-bin': '!!not base64!!' },
    body: frame(point(1, 2)),
  });
  assertTrailersOnly(t, badBin, Status.INTERNAL, /x-data-bin/);
  const badTimeout = await rawRequest(session, {
    path: GET_FEATURE,
    headers: { 'grpc-timeout': '123456789m' },
    body: frame(point(1, 2)),
  });
  assertTrailersOnly(t, badTimeout, Status.INTERNAL);
});

t.test('a handler throwing a plain Error → UNKNOWN without its message or stack', async (t) => {
  const { pb } = await setup(t);
  const e = await grpcJsError(unary(pb, 'Unary', { text: 'throw' }));
  t.equal(e.code, grpc.status.UNKNOWN);
  t.notMatch(e.details, 'secret');
  t.notMatch(e.details, /\bat .*:\d+/, 'no stack frame');
});

t.test('a handler whose promise rejects with a plain Error → UNKNOWN without its message', async (t) => {
  const { pb } = await setup(t);
  const e = await grpcJsError(unary(pb, 'Unary', { text: 'reject' }));
  t.equal(e.code, grpc.status.UNKNOWN);
  t.notMatch(e.details, 'secret');
});

t.test('a unary handler returning no message → INTERNAL naming the method', async (t) => {
  const { pb } = await setup(t);
  const e = await grpcJsError(unary(pb, 'Unary', { text: 'nothing' }));
  t.equal(e.code, grpc.status.INTERNAL);
  t.match(e.details, /Unary: the handler returned no response message/);
});

t.test('a handler throwing GrpcError(NOT_FOUND) → NOT_FOUND with its trailers', async (t) => {
  const { pb } = await setup(t);
  const e = await grpcJsError(unary(pb, 'Unary', { text: 'not-found' }));
  t.equal(e.code, grpc.status.NOT_FOUND);
  t.equal(e.details, 'x');
  t.same(e.metadata.get('x-why'), ['missing']);
  t.same(e.metadata.get('x-why-bin'), [Buffer.from([0xde, 0xad])]);
});

t.test('request metadata in, response header and trailer metadata out (ASCII and -bin)', async (t) => {
  const { pb } = await setup(t);
  const md = new grpc.Metadata();
  md.set('x-ascii', 'hello');
  md.set('x-data-bin', Buffer.from([0, 1, 2, 0xff]));
  let headers: grpc.Metadata | undefined;
  let status: grpc.StatusObject | undefined;
  const res = await new Promise<Msg>((resolve, reject) => {
    const call = pb.Unary({ text: 'metadata' }, md, (e: Error | null, r: Msg) => (e ? reject(e) : resolve(r)));
    call.on('metadata', (m: grpc.Metadata) => (headers = m));
    call.on('status', (s: grpc.StatusObject) => (status = s));
  });
  await new Promise((r) => setImmediate(r));
  t.equal(res.text, 'hello', 'call.metadata has the ASCII value');
  t.same(res.payload, Buffer.from([0, 1, 2, 0xff]), 'call.metadata has the decoded -bin value');
  t.same(headers?.get('x-header'), ['h1']);
  t.same(headers?.get('x-header-bin'), [Buffer.from([1, 2, 3])]);
  t.equal(status?.code, grpc.status.OK);
  t.same(status?.metadata.get('x-trailer'), ['t1']);
  t.same(status?.metadata.get('x-trailer-bin'), [Buffer.from([0xff, 0, 0xfe])]);
});

t.test(
  'a send after the call ended rejects, awaited or not, saying the call has ended; the client sees OK',
  async (t) => {
    const { seen, pb } = await setup(t);
    const replies = await collect<Msg>(pb.ServerStream({ text: 'one' }));
    t.same(
      replies.map((m) => m.text),
      ['one'],
    );
    t.match(
      await seen.sendAfterEnd.promise,
      { code: Status.FAILED_PRECONDITION, details: 'the call has already ended' },
      'the awaited send rejected: the call has already ended',
    );
  },
);

t.test('deadline: grpc-js 200 ms against a handler that never answers', async (t) => {
  const { seen, pb } = await setup(t);
  const e = await grpcJsError(
    unary(pb, 'Unary', { text: 'hang' }, new grpc.Metadata(), { deadline: Date.now() + 200 }),
  );
  t.equal(e.code, grpc.status.DEADLINE_EXCEEDED);
  const reason = (await seen.hang.promise) as GrpcError;
  t.ok(reason instanceof GrpcError, "the handler's signal aborted");
  t.ok(
    ([Status.DEADLINE_EXCEEDED, Status.CANCELLED] as number[]).includes(reason.code),
    `abort reason ${reason.message}`,
  );
});

t.test("client cancel on a streaming call aborts the handler's signal and its loop", async (t) => {
  const { seen, pb } = await setup(t);
  const call = pb.Bidi();
  const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  const echoed = new Promise((resolve) => call.once('data', resolve));
  call.write({ text: 'one' });
  t.same(((await echoed) as Msg).text, 'one');
  call.cancel();
  t.equal((await failed).code, grpc.status.CANCELLED);
  // Node's http2 close() flushes an END_STREAM before the RST_STREAM CANCEL, so the loop may end
  // normally (END_STREAM seen first) or throw CANCELLED (RST_STREAM seen first).
  t.match(await seen.bidiLoop.promise, new RegExp(`^(ended|threw ${Status.CANCELLED})$`), 'the for-await loop ended');
  t.equal(((await seen.bidiAborted.promise) as GrpcError).code, Status.CANCELLED, "the handler's signal aborted");
});

// PROTOCOL-HTTP2 "Early server closure": trailers, then RST_STREAM NO_ERROR when the client has not half-closed.
t.test('early server closure: trailers arrive before RST_STREAM NO_ERROR', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const { result } = openRaw(session, {
    path: '/testsvc.Probe/Bidi',
    body: frame(Buffer.from([0x0a, 4, ...Buffer.from('stop')])),
    end: false,
  });
  const r = await result;
  t.same(r.events, ['response', 'data', 'trailers', 'close']);
  t.equal(grpcStatus(r).code, Status.OK);
  t.equal(unframe(r.data).length, 1);
  // The client never half-closed: only the server's reset can have closed the stream.
  t.equal(r.rstCode, 0, 'RST_STREAM NO_ERROR');
});

t.test('early server closure: grpc-js takes the status from the trailers', async (t) => {
  const { pb } = await setup(t);
  const early = await new Promise<Msg>((resolve, reject) => {
    const call = pb.ClientStream((e: Error | null, r: Msg) => (e ? reject(e) : resolve(r)));
    call.write({ text: 'a' });
    call.write({ text: 'stop' }); // no end(): the server answers before the client half-closes
  });
  t.same(early, { text: 'early', count: 2, payload: Buffer.alloc(0) });
  const failure = await grpcJsError(
    new Promise((resolve, reject) => {
      const call = pb.ClientStream((e: Error | null, r: Msg) => (e ? reject(e) : resolve(r)));
      call.write({ text: 'fail' });
    }),
  );
  t.equal(failure.code, grpc.status.NOT_FOUND);
  t.equal(failure.details, 'early failure');
});

t.test('error cases do not disturb a concurrent RouteChat on the same connection (grpc-js)', async (t) => {
  const { rg, pb } = await setup(t);
  const chat = rg.RouteChat();
  const notes = collect<any>(chat);
  const note = (i: number) => ({ location: { latitude: 7, longitude: (i % 3) + 1 }, message: `n${i}` });
  for (let i = 0; i < 3; i++) chat.write(note(i));
  const errors = await Promise.all([
    grpcJsError(unary(pb, 'Unary', { text: 'throw' })),
    grpcJsError(unary(pb, 'Unary', { text: 'not-found' })),
    grpcJsError(unary(pb, 'Unary', { text: 'hang' }, new grpc.Metadata(), { deadline: Date.now() + 100 })),
    grpcJsError(
      new Promise((_, reject) =>
        pb.ClientStream((e: Error | null) => reject(e ?? new Error('no error'))).write({ text: 'fail' }),
      ),
    ),
  ]);
  t.same(
    errors.map((e) => e.code),
    [grpc.status.UNKNOWN, grpc.status.NOT_FOUND, grpc.status.DEADLINE_EXCEEDED, grpc.status.NOT_FOUND],
  );
  for (let i = 3; i < 6; i++) chat.write(note(i));
  chat.end();
  t.same(
    (await notes).map((n) => n.message),
    ['n0', 'n1', 'n2', 'n0', 'n3', 'n1', 'n4', 'n2', 'n5'],
  );
});

t.test('malformed streams do not disturb a concurrent stream on the same connection (raw)', async (t) => {
  const { raw } = await setup(t);
  const session = await raw();
  const chatDef = routeGuideDefinition().methods.find((m) => m.name === 'RouteChat') as MethodDefinition<
    RouteNote,
    RouteNote
  >;
  const note = (message: string) =>
    frame(chatDef.request.serialize({ location: { latitude: 9, longitude: 9 }, message }));
  const healthy = openRaw(session, { path: '/routeguide.RouteGuide/RouteChat', body: note('before'), end: false });
  const oversize = Buffer.from([0, 0xff, 0xff, 0xff, 0xff]);
  const broken = await Promise.all([
    rawRequest(session, { path: GET_FEATURE, body: frame(point(1, 2), 2) }),
    rawRequest(session, { path: GET_FEATURE, body: oversize, end: false }),
    rawRequest(session, { path: GET_FEATURE, headers: { 'x-bin': '***' }, body: frame(point(1, 2)) }),
    rawRequest(session, { path: '/nosuch.Service/M', body: frame(point(1, 2)) }),
  ]);
  t.same(
    broken.map((r) => grpcStatus(r).code),
    [Status.INTERNAL, Status.RESOURCE_EXHAUSTED, Status.INTERNAL, Status.UNIMPLEMENTED],
  );
  healthy.stream.end(note('after'));
  const r = await healthy.result;
  t.equal(grpcStatus(r).code, Status.OK);
  t.same(
    unframe(r.data).map((b) => chatDef.response.deserialize(b).message),
    ['before', 'before', 'after'],
  );
  t.notOk(session.destroyed, 'the connection survived');
});
