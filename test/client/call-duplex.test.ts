// A streaming call as a node:stream Duplex (src/call/duplex.ts), on both sides: piping works, a slow
// consumer at the end of a pipe holds the producer back through HTTP/2 flow control (counts bounded
// by the windows, never the whole stream), and failures surface as stream errors carrying the
// GrpcError.

import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { createClient } from '../../src/client/client.js';
import type { BidiStreamCall } from '../../src/client/call.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import type { ServerCall } from '../../src/server/call.js';
import { routeGuideClient, type RouteNote } from '../../src/services/routeguide/index.js';
import { settle } from '../helpers/processes.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { probeDefinition, startTestServer } from '../helpers/test-server.js';

interface Msg {
  text?: string;
  payload?: Buffer;
  count?: number;
}

interface Probe {
  bidi(options?: { timeoutMs?: number }): BidiStreamCall<Msg, Msg>;
}

const PAYLOAD = Buffer.alloc(1024, 7);
const TOTAL = 6000; // ~6 MiB, several times every window on the way
// What may be in flight between a producer and a consumer that has stopped: the client's 1 MiB
// stream window (the larger of the two sides), the reader's queue (16 KiB), the node:stream buffers
// of both Duplex views (16 objects each), the writer's last write — in 1 KiB messages, about 1,100.
const BOUND = 1600;

/** A Writable that takes nothing until `release()`, then everything; counts what it took. */
function gatedSink() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const sink = {
    taken: 0,
    release,
    stream: new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(_message: unknown, _encoding, callback) {
        gate.then(() => {
          sink.taken++;
          callback();
        }, callback);
      },
    }),
  };
  return sink;
}

/** A Readable of `total` messages that counts how many were pulled from it. */
function countingSource(total: number) {
  const source = { pulled: 0, stream: undefined as unknown as Readable };
  source.stream = Readable.from(
    (function* () {
      for (let i = 0; i < total; i++) {
        source.pulled++;
        yield { payload: PAYLOAD, count: i };
      }
    })(),
    { highWaterMark: 1 },
  );
  return source;
}

async function probeServer(t: Test, probe: Record<string, unknown>) {
  const server = await startTestServer({ probe: probe as never });
  const channel = new Channel(`127.0.0.1:${server.port}`);
  t.teardown(async () => {
    channel.close();
    await server.close();
  });
  return { server, channel, client: createClient<Probe>(probeDefinition(), channel) };
}

t.test('client: pipeline(notes, routeChat().duplex(), printer) — the canonical RouteChat', async (t) => {
  const server = await startTestServer();
  t.teardown(server.close);
  const client = routeGuideClient(`127.0.0.1:${server.port}`);
  const notes = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) => ({
    location: { latitude: 0, longitude: (i % 3) + 1 },
    message: `${word} message`,
  }));
  const printed: string[] = [];
  const printer = new Writable({
    objectMode: true,
    write(note: RouteNote, _encoding, callback) {
      printed.push(`Got message ${note.message} at point(${note.location?.latitude}, ${note.location?.longitude})`);
      callback();
    },
  });
  await pipeline(Readable.from(notes), client.routeChat().duplex(), printer);
  t.same(printed, CANONICAL_CHAT_LINES);
});

t.test('server: a handler pipes its call through a Transform back into itself', async (t) => {
  const { client } = await probeServer(t, {
    async Bidi(call: ServerCall<Msg, Msg>) {
      const shout = new Transform({
        objectMode: true,
        transform(m: Msg, _encoding, callback) {
          callback(null, { text: (m.text ?? '').toUpperCase() });
        },
      });
      await pipeline(call.duplex(), shout, call.duplex());
    },
  });
  const call = client.bidi();
  const replies: string[] = [];
  await pipeline(
    Readable.from([{ text: 'one' }, { text: 'two' }, { text: 'three' }]),
    call.duplex(),
    new Writable({
      objectMode: true,
      write(m: Msg, _encoding, callback) {
        replies.push(m.text ?? '');
        callback();
      },
    }),
  );
  t.same(replies, ['ONE', 'TWO', 'THREE']);
  t.equal((await call.status).code, Status.OK);
});

t.test('a slow consumer at the end of the client pipe holds the server back', async (t) => {
  const source = countingSource(TOTAL);
  const { client } = await probeServer(t, {
    async Bidi(call: ServerCall<Msg, Msg>) {
      for await (const _ of call); // wait for the client's half-close
      await pipeline(source.stream, call.duplex());
    },
  });
  const call = client.bidi();
  call.closeSend();
  const sink = gatedSink();
  const piping = pipeline(call.duplex(), sink.stream);
  const pulled = await settle(() => source.pulled);
  t.ok(pulled < BOUND, `the server's source stalled after ${pulled} of ${TOTAL} messages`);
  t.equal(sink.taken, 0, 'the consumer took nothing yet');
  sink.release();
  await piping;
  t.equal(sink.taken, TOTAL, 'every message arrived once the consumer read');
  t.equal(source.pulled, TOTAL);
});

t.test('a slow consumer at the end of the server pipe holds the client back', async (t) => {
  const sink = gatedSink();
  const { client } = await probeServer(t, {
    async Bidi(call: ServerCall<Msg, Msg>) {
      await pipeline(call.duplex(), sink.stream);
    },
  });
  const source = countingSource(TOTAL);
  const call = client.bidi();
  const piping = pipeline(source.stream, call.duplex());
  const pulled = await settle(() => source.pulled);
  // The server's stream window is 64 KiB: less in flight this way.
  t.ok(pulled < BOUND, `the client's source stalled after ${pulled} of ${TOTAL} messages`);
  sink.release();
  await piping;
  t.equal((await call.status).code, Status.OK);
  t.equal(sink.taken, TOTAL, 'every message arrived once the handler read');
});

t.test('errors: a failed call destroys the client stream with its GrpcError', async (t) => {
  const { client } = await probeServer(t, {
    async Bidi(call: ServerCall<Msg, Msg>) {
      for await (const m of call) {
        if (m.text === 'fail') throw new GrpcError(Status.NOT_FOUND, 'no such note');
        await call.send(m);
      }
    },
  });
  const received: string[] = [];
  const failure = await pipeline(
    Readable.from([{ text: 'ok' }, { text: 'fail' }]),
    client.bidi().duplex(),
    new Writable({
      objectMode: true,
      write(m: Msg, _encoding, callback) {
        received.push(m.text ?? '');
        callback();
      },
    }),
  ).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(failure, GrpcError);
  t.match(failure, { code: Status.NOT_FOUND, details: 'no such note' });
  t.same(received, ['ok']);

  const late = client.bidi({ timeoutMs: 100 }).duplex();
  const [error] = (await Promise.all([new Promise((resolve) => late.once('error', resolve))])) as [GrpcError];
  t.equal(error.code, Status.DEADLINE_EXCEEDED, 'the deadline surfaces as a stream error');
});

t.test('cancellation: destroying the client stream cancels the call; the server stream sees CANCELLED', async (t) => {
  let serverError!: (e: unknown) => void;
  const serverSaw = new Promise<unknown>((r) => (serverError = r));
  const { client } = await probeServer(t, {
    async Bidi(call: ServerCall<Msg, Msg>) {
      const duplex = call.duplex();
      duplex.once('error', serverError);
      duplex.resume();
      await new Promise((r) => call.signal.addEventListener('abort', r, { once: true }));
    },
  });
  const call = client.bidi();
  const duplex = call.duplex();
  duplex.on('error', () => {});
  await call.send({ text: 'hello' });
  duplex.destroy(new Error('the consumer gave up'));
  const status = await call.status;
  t.equal(status.code, Status.CANCELLED);
  t.match(status.details, /the consumer gave up/);
  t.match(await serverSaw, { code: Status.CANCELLED }, "the handler's stream errored with CANCELLED");
});
