// Graceful shutdown: GOAWAY, in-flight RouteChat streams finish within the grace period, the ones
// still running after it end with UNAVAILABLE, no new connection is accepted; and on the client, a
// GOAWAY moves new calls to a fresh connection without failing the calls in flight.

import { once } from 'node:events';
import { connect } from 'node:net';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import type { ConnectionTracker } from '../../src/server/shutdown.js';
import { addHealth } from '../../src/services/health/index.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
  type RouteNote,
} from '../../src/services/routeguide/index.js';
import { collect, grpcJsRouteGuideClient } from '../helpers/grpc-js.js';

async function start() {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  const health = addHealth(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, health, port };
}

const note = (n: number, message: string): RouteNote => ({ location: { latitude: n, longitude: n }, message });

/** Opens a RouteChat, sends one note and waits for its echo: the call is surely in flight. */
async function openChat(channel: Channel, n: number) {
  const chat = routeGuideClient(channel).routeChat();
  const replies = chat[Symbol.asyncIterator]();
  await chat.send(note(n, 'before'));
  const first = await replies.next();
  return { chat, replies, first };
}

t.test('in-flight RouteChat streams complete within the grace period; new connections are refused', async (t) => {
  const { server, health, port } = await start();
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const a = await openChat(channel, 11);
  const b = await openChat(channel, 12);
  t.equal(a.first.value?.message, 'before');

  const closed = server.close(10_000);
  t.equal(health.getStatus(''), 'NOT_SERVING', 'health turned NOT_SERVING first');
  // The streams keep working after the GOAWAY.
  for (const [i, c] of [a, b].entries()) {
    await c.chat.send(note(11 + i, 'after'));
    c.chat.closeSend();
    const rest: string[] = [];
    for (let r = await c.replies.next(); !r.done; r = await c.replies.next()) rest.push(r.value.message);
    t.same(rest, ['before', 'after'], `chat ${i} finished normally`);
    t.equal((await c.chat.status).code, Status.OK);
  }
  const fresh = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => fresh.close());
  await t.rejects(routeGuideClient(fresh).getFeature({ latitude: 1, longitude: 1 }, { timeoutMs: 5000 }), {
    code: Status.UNAVAILABLE,
  });
  await closed;
});

t.test('a stream still running after the grace period ends with UNAVAILABLE', async (t) => {
  const { server, port } = await start();
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const ours = await openChat(channel, 21);
  const js = grpcJsRouteGuideClient(port);
  t.teardown(() => js.close());
  const jsChat = js.RouteChat();
  const jsDone = collect(jsChat);
  jsDone.catch(() => {}); // asserted below
  const echoed = new Promise((resolve) => jsChat.once('data', resolve));
  jsChat.write(note(22, 'grpc-js'));
  await echoed; // the grpc-js call is in flight too

  await server.close(300); // neither client half-closes
  await t.rejects(ours.replies.next(), { code: Status.UNAVAILABLE, message: /shutting down/ });
  await t.rejects(jsDone, { code: Status.UNAVAILABLE, details: /shutting down/ });
});

t.test('client: after GOAWAY, new calls use a fresh connection; the call in flight finishes', async (t) => {
  const { server, port } = await start();
  t.teardown(() => server.close(0));
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const inFlight = await openChat(channel, 31);

  // The server keeps listening but tells this connection to go away (as on max connection age).
  const tracker = (server as unknown as { tracker: ConnectionTracker }).tracker;
  t.equal(tracker.sessions.size, 1);
  const [old] = tracker.sessions;
  old.goaway(0, 2 ** 31 - 1);
  await new Promise((r) => setTimeout(r, 100));
  old.close();
  await new Promise((r) => setTimeout(r, 100));

  const feature = await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
  t.equal(tracker.sessions.size, 2, 'the new call opened a second connection');

  await inFlight.chat.send(note(31, 'after goaway'));
  inFlight.chat.closeSend();
  const rest: string[] = [];
  for (let r = await inFlight.replies.next(); !r.done; r = await inFlight.replies.next()) rest.push(r.value.message);
  t.same(rest, ['before', 'after goaway']);
  t.equal((await inFlight.chat.status).code, Status.OK);
});

t.test('a client that resets its connection while the server drains: close() still resolves', async (t) => {
  const { server, port } = await start();
  // A raw connection: the client preface and an empty SETTINGS frame (RFC 9113 §3.4), then it reads
  // what the server sends until the server's GOAWAY arrives.
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(
    Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]),
  );
  let received = Buffer.alloc(0);
  const goaway = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // RFC 9113 §4.1: the frame type is the fourth byte of each 9-byte header; GOAWAY is 0x7.
      for (let at = 0; at + 9 <= received.length; at += 9 + received.readUIntBE(at, 3)) {
        if (received[at + 3] === 0x7) resolve();
      }
    }),
  );
  const serverSettings = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  await serverSettings;
  const closing = server.close(10_000);
  await goaway;
  socket.resetAndDestroy(); // TCP RST: the server's read of this connection fails with ECONNRESET
  await t.resolves(closing, 'close() resolves');
});
