// HTTP/2 flow control end to end: a handler that does not read slows the sender down, and a client
// that does not read makes `await call.send()` wait — nobody buffers a whole stream in memory.
// Assertions are on message counts bounded by the flow-control windows, never on heap size or timing.

import { once } from 'node:events';
import http2 from 'node:http2';
import t from 'tap';
import type { MethodDefinition } from '../../src/protocol/schema.js';
import type { ServerCall } from '../../src/server/call.js';
import { settle } from '../helpers/processes.js';
import { closeRaw, connectRaw, frame, grpcStatus, openRaw, unframe } from '../helpers/raw-h2.js';
import { probeDefinition, startTestServer } from '../helpers/test-server.js';

interface Msg {
  text?: string;
  payload?: Buffer;
  count?: number;
}

const STREAM_WINDOW = 65_535; // our server's default window per stream (its connection window is 1 MiB)
const WINDOW = 1024 * 1024; // the raw client's windows in the second test
const PAYLOAD = Buffer.alloc(1024, 7);
const TOTAL = 4000; // ~4 MiB: four windows' worth

const method = (name: string) => probeDefinition().methods.find((m) => m.name === name) as MethodDefinition<Msg, Msg>;

t.test('a handler that does not read stalls the client: its writes wait on the flow-control window', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { port, close } = await startTestServer({
    probe: {
      async ClientStream(call: ServerCall<Msg, Msg>): Promise<Msg> {
        await gate; // not reading yet
        let count = 0;
        for await (const _ of call) count++;
        return { count };
      },
    },
  });
  const session = await connectRaw(port);
  t.teardown(async () => {
    await closeRaw(session);
    await close();
  });

  const { stream, result } = openRaw(session, { path: '/testsvc.Probe/ClientStream', end: false });
  const message = frame(method('ClientStream').request.serialize({ payload: PAYLOAD }));
  let accepted = 0; // messages the client's stream has taken without asking us to wait
  let stalls = 0;
  const writing = (async () => {
    for (let i = 0; i < TOTAL; i++) {
      accepted++;
      if (!stream.write(message)) {
        stalls++;
        await once(stream, 'drain');
      }
    }
    stream.end();
  })();

  const stalledAt = await settle(() => accepted);
  t.ok(stalls > 0, 'stream.write() returned false');
  // Loopback takes bytes as fast as they come: what stays queued is held back by the stream window.
  t.ok(stream.writableLength > 0, 'the client holds unsent data it may not send yet');
  // About one stream window, plus the reader's 16 KiB of queued messages and the client's own 16 KiB write
  // buffer — not the whole 4 MiB.
  t.ok(
    stalledAt * message.length < STREAM_WINDOW + 64 * 1024,
    `writes stalled after ${stalledAt} of ${TOTAL} messages`,
  );

  release();
  await writing;
  const r = await result;
  t.equal(grpcStatus(r).code, 0);
  t.same(
    method('ClientStream').response.deserialize(unframe(r.data)[0]).count,
    TOTAL,
    'every message arrived once the handler read',
  );
});

t.test('a client that does not read makes await call.send() wait, then completes when it reads', async (t) => {
  let resolvedSends = 0;
  const { port, close } = await startTestServer({
    probe: {
      async ServerStream(req: Msg, call: ServerCall<Msg, Msg>): Promise<void> {
        for (let i = 0; i < (req.count ?? 0); i++) {
          await call.send({ payload: PAYLOAD });
          resolvedSends++;
        }
      },
    },
  });
  const session = await connectRaw(port, { initialWindowSize: WINDOW });
  session.setLocalWindowSize(WINDOW);
  t.teardown(async () => {
    await closeRaw(session);
    await close();
  });

  const total = 10000; // ~10 MiB
  const stream = session.request({
    ':method': 'POST',
    ':path': '/testsvc.Probe/ServerStream',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('error', () => {});
  stream.end(frame(method('ServerStream').request.serialize({ count: total })));
  // No 'data' listener yet: the client does not read, so it returns no window to the server.
  const pausedAt = await settle(() => resolvedSends);
  t.ok(pausedAt > 0, 'the handler started sending');
  t.ok(pausedAt < 2000, `only ${pausedAt} of ${total} sends resolved while the client was not reading`);

  const trailers = once(stream, 'trailers') as Promise<[http2.IncomingHttpHeaders]>;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const [tr] = await trailers;
  await once(stream, 'close');
  t.equal(tr['grpc-status'], '0');
  t.equal(resolvedSends, total, 'every send resolved once the client read');
  t.equal(unframe(Buffer.concat(chunks)).length, total);
});
