// Deadlines and cancellation of our client, seen from both ends: the grpc-timeout the server got,
// DEADLINE_EXCEEDED even from a server that never answers, and a cancelled stream as the server sees it.

import http2, { constants, type ServerHttp2Stream } from 'node:http2';
import t, { type Test } from 'tap';
import { Channel, createClient, GrpcError, Status } from '../../src/client/index.js';
import type { ServerCall } from '../../src/server/call.js';
import { routeGuideClient, type RouteGuideClient } from '../../src/services/routeguide/index.js';
import { grpc, startGrpcJsRouteGuideServer } from '../helpers/grpc-js.js';
import { probeDefinition, startTestServer } from '../helpers/test-server.js';

// Long enough that the request reaches the server before it expires, also on a connection still
// being set up in a busy test process; the checks below are on what happens at it.
const TIMEOUT_MS = 1000;
const LATE_MS = 5000; // generous bound: the machine is shared

function channelTo(t: Test, port: number): Channel {
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  return channel;
}

/** Awaits `promise`, expecting a GrpcError; returns it with the time it took. */
async function failure(t: Test, promise: Promise<unknown>): Promise<{ error: GrpcError; ms: number }> {
  const start = Date.now();
  try {
    await promise;
  } catch (error) {
    t.type(error, GrpcError);
    return { error: error as GrpcError, ms: Date.now() - start };
  }
  t.fail('the call succeeded');
  return { error: new GrpcError(Status.OK, ''), ms: 0 };
}

const never = () => new Promise<never>(() => {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every 10 ms for up to 5 s. */
async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 500 && !condition(); i++) await sleep(10);
  return condition();
}

t.test('deadline: our server with a handler that never answers', async (t) => {
  let serverDeadline: number | undefined;
  const server = await startTestServer({
    probe: {
      unary: (_req: unknown, call: ServerCall) => {
        serverDeadline = call.deadline;
        return never();
      },
    },
  });
  t.teardown(server.close);
  const probe = createClient<any>(probeDefinition(), channelTo(t, server.port));
  const sentAt = Date.now();
  const { error, ms } = await failure(t, probe.unary({ text: 'wait' }, { timeoutMs: TIMEOUT_MS }));
  t.equal(error.code, Status.DEADLINE_EXCEEDED);
  t.ok(ms >= TIMEOUT_MS - 20 && ms < LATE_MS, `failed after the deadline (${ms} ms)`);
  // PROTOCOL-HTTP2 "Timeout": the server learnt the deadline from grpc-timeout.
  t.ok(serverDeadline !== undefined, 'the server saw a deadline');
  t.ok(Math.abs(serverDeadline! - (sentAt + TIMEOUT_MS)) < 1000, 'the server deadline matches the client deadline');
});

t.test('deadline: a grpc-js handler that never answers', async (t) => {
  const deadlines: grpc.Deadline[] = [];
  const server = await startGrpcJsRouteGuideServer({
    GetFeature: (call: grpc.ServerUnaryCall<unknown, unknown>) => void deadlines.push(call.getDeadline()),
  });
  t.teardown(server.close);
  const client = routeGuideClient(channelTo(t, server.port));
  const sentAt = Date.now();
  const { error, ms } = await failure(
    t,
    client.getFeature({ latitude: 1, longitude: 1 }, { deadline: new Date(sentAt + TIMEOUT_MS) }),
  );
  t.equal(error.code, Status.DEADLINE_EXCEEDED);
  t.ok(ms >= TIMEOUT_MS - 20 && ms < LATE_MS, `failed after the deadline (${ms} ms)`);
  t.equal(deadlines.length, 1, 'the handler ran');
  const deadline = Number(deadlines[0]); // a Date or ms since the epoch; Infinity when there is none
  t.ok(Math.abs(deadline - (sentAt + TIMEOUT_MS)) < 1000, `grpc-js got the deadline from grpc-timeout (${deadline})`);
});

/** A raw h2c server that accepts every stream and never responds. Records each stream's end. */
async function silentServer(
  t: Test,
): Promise<{ port: number; streams: ServerHttp2Stream[]; closed: Promise<number | undefined>[] }> {
  const server = http2.createServer();
  const streams: ServerHttp2Stream[] = [];
  const closed: Promise<number | undefined>[] = [];
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    streams.push(stream);
    closed.push(new Promise((resolve) => stream.on('close', () => resolve(stream.rstCode))));
  });
  server.on('session', (s) => t.teardown(() => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as { port: number }).port, streams, closed };
}

t.test('deadline: enforced locally against a server that never answers at all', async (t) => {
  const server = await silentServer(t);
  const client = routeGuideClient(channelTo(t, server.port));
  const { error, ms } = await failure(t, client.getFeature({ latitude: 1, longitude: 1 }, { timeoutMs: TIMEOUT_MS }));
  t.equal(error.code, Status.DEADLINE_EXCEEDED);
  t.ok(ms >= TIMEOUT_MS - 20 && ms < LATE_MS, `failed after the deadline (${ms} ms)`);
  // PROTOCOL-HTTP2 "Client Cancellation": the client resets the stream with CANCEL.
  t.equal(await server.closed[0], constants.NGHTTP2_CANCEL, 'the server saw RST_STREAM CANCEL');
});

t.test('deadline: every call kind ends with DEADLINE_EXCEEDED against a silent server', async (t) => {
  const server = await silentServer(t);
  const client = routeGuideClient(channelTo(t, server.port));
  const options = { timeoutMs: TIMEOUT_MS };
  const drain = async (it: AsyncIterable<unknown>) => {
    for await (const _ of it);
  };
  const record = client.recordRoute(options);
  await record.send({ latitude: 1, longitude: 1 });
  const chat = client.routeChat(options);
  const results = await Promise.allSettled([
    drain(client.listFeatures({}, options)),
    record.closeAndRecv(),
    drain(chat),
  ]);
  t.same(
    results.map((r) => (r.status === 'rejected' ? (r.reason as GrpcError).code : 'fulfilled')),
    [Status.DEADLINE_EXCEEDED, Status.DEADLINE_EXCEEDED, Status.DEADLINE_EXCEEDED],
  );
  t.equal(server.streams.length, 3, 'three requests were made');
});

t.test('deadline: one already past fails at once, without a request', async (t) => {
  const server = await silentServer(t);
  const client = routeGuideClient(channelTo(t, server.port));
  const { error } = await failure(t, client.getFeature({ latitude: 1, longitude: 1 }, { deadline: Date.now() - 1 }));
  t.equal(error.code, Status.DEADLINE_EXCEEDED);
  await sleep(50);
  t.equal(server.streams.length, 0, 'no stream reached the server');
});

t.test(
  'a send on a call that never started rejects with its status, and unawaited it is no unhandled rejection',
  async (t) => {
    const server = await silentServer(t);
    const client = routeGuideClient(channelTo(t, server.port));
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    t.teardown(() => process.off('unhandledRejection', record));
    const expired = { deadline: Date.now() - 1 };
    const chat = client.routeChat(expired);
    void chat.send({ message: 'not awaited' });
    const record_ = client.recordRoute(expired);
    void record_.send({ latitude: 1, longitude: 2 });
    await t.rejects(chat.send({ message: 'awaited' }), { code: Status.DEADLINE_EXCEEDED });
    const aborted = new AbortController();
    aborted.abort();
    void client.routeChat({ signal: aborted.signal }).send({ message: 'not awaited either' });
    await sleep(50); // unhandled rejections are reported after the microtask queue drains
    t.same(unhandled, [], 'no unhandled rejection');
  },
);

/** A grpc-js server whose ListFeatures and RouteChat send one message then wait, recording cancellation. */
async function waitingGrpcJsServer(t: Test) {
  const seen = {
    listCancelled: false,
    chatCancelled: false,
    list: new Promise<void>(() => {}),
    chat: new Promise<void>(() => {}),
  };
  let listDone!: () => void;
  let chatDone!: () => void;
  seen.list = new Promise((r) => (listDone = r));
  seen.chat = new Promise((r) => (chatDone = r));
  const server = await startGrpcJsRouteGuideServer({
    ListFeatures: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.on('cancelled', () => {
        seen.listCancelled = call.cancelled;
        listDone();
      });
      call.write({ name: 'first', location: { latitude: 1, longitude: 1 } });
    },
    RouteChat: (call: grpc.ServerDuplexStream<any, any>) => {
      call.on('cancelled', () => {
        seen.chatCancelled = call.cancelled;
        chatDone();
      });
      call.on('data', (note: unknown) => call.write(note));
    },
  });
  t.teardown(server.close);
  return { client: routeGuideClient(channelTo(t, server.port)), seen };
}

t.test('cancellation: aborting a ListFeatures mid-stream is seen by the grpc-js handler', async (t) => {
  const { client, seen } = await waitingGrpcJsServer(t);
  const abort = new AbortController();
  const call = client.listFeatures({}, { signal: abort.signal });
  const got: string[] = [];
  const { error } = await failure(
    t,
    (async () => {
      for await (const f of call) {
        got.push(f.name);
        abort.abort();
      }
    })(),
  );
  t.same(got, ['first']);
  t.equal(error.code, Status.CANCELLED);
  t.equal((await call.status).code, Status.CANCELLED);
  await seen.list;
  t.equal(seen.listCancelled, true, 'grpc-js: call.cancelled is true');
});

t.test('cancellation: aborting a RouteChat mid-stream is seen by the grpc-js handler', async (t) => {
  const { client, seen } = await waitingGrpcJsServer(t);
  const abort = new AbortController();
  const call = client.routeChat({ signal: abort.signal });
  await call.send({ location: { latitude: 0, longitude: 1 }, message: 'hello' });
  const iterator = call[Symbol.asyncIterator]();
  t.equal((await iterator.next()).value?.message, 'hello', 'the echo arrived');
  abort.abort();
  const { error } = await failure(t, iterator.next());
  t.equal(error.code, Status.CANCELLED);
  await seen.chat;
  t.equal(seen.chatCancelled, true, 'grpc-js: call.cancelled is true');
  await t.rejects(call.send({ message: 'late' }), { code: Status.CANCELLED }, 'sending after cancellation fails');
});

t.test('cancellation: breaking out of a for-await loop cancels the call', async (t) => {
  const { client, seen } = await waitingGrpcJsServer(t);
  const call = client.listFeatures({});
  for await (const _ of call) break;
  t.equal((await call.status).code, Status.CANCELLED);
  await seen.list;
  t.equal(seen.listCancelled, true, 'grpc-js saw the cancellation');
});

t.test('cancellation: call.cancel() and an already-aborted signal', async (t) => {
  const server = await silentServer(t);
  const client: RouteGuideClient = routeGuideClient(channelTo(t, server.port));
  const call = client.getFeature({ latitude: 1, longitude: 1 });
  t.ok(await until(() => server.streams.length === 1), 'the request reached the server');
  call.cancel('changed my mind');
  const { error } = await failure(t, call);
  t.equal(error.code, Status.CANCELLED);
  t.equal(error.details, 'changed my mind');
  t.equal(await server.closed[0], constants.NGHTTP2_CANCEL, 'the server saw RST_STREAM CANCEL');

  const aborted = AbortSignal.abort();
  t.equal(
    (await failure(t, client.getFeature({ latitude: 1, longitude: 1 }, { signal: aborted }))).error.code,
    Status.CANCELLED,
  );
  await sleep(50);
  t.equal(server.streams.length, 1, 'no request for a call aborted before it started');
});

t.test('cancellation: our server sees the client cancel (call.signal aborted)', async (t) => {
  let handlerSignal: AbortSignal | undefined;
  let ran!: () => void;
  const running = new Promise<void>((r) => (ran = r));
  const server = await startTestServer({
    probe: {
      serverStream: async (_req: unknown, call: ServerCall) => {
        handlerSignal = call.signal;
        await call.send({ text: 'one' });
        ran();
        await never();
      },
    },
  });
  t.teardown(server.close);
  const probe = createClient<any>(probeDefinition(), channelTo(t, server.port));
  const abort = new AbortController();
  const call = probe.serverStream({ text: 'go' }, { signal: abort.signal });
  await running;
  abort.abort();
  t.equal((await call.status).code, Status.CANCELLED);
  t.ok(await until(() => handlerSignal?.aborted === true), 'the handler signal was aborted');
});
