// A server whose bytes make nghttp2 end the connection (here a header block with HPACK index 0, a
// COMPRESSION_ERROR: RFC 7541 §6.1, RFC 9113 §4.3) leaves our client's connection dead without a
// word: node:http2 sends GOAWAY and stops reading, and none of its streams ever closes. Every call
// on it must still end at its deadline, or at once when cancelled; a stream reset that stays open
// has the channel probe the connection with a PING, and destroy it unanswered, which ends the calls
// without a deadline too (src/client/channel.ts, src/protocol/keepalive-ping.ts).

import net from 'node:net';
import t, { type Test } from 'tap';
import { Channel, type ChannelOptions } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { routeGuideClient } from '../../src/services/routeguide/client.js';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import { F, settings, settingsAck } from '../helpers/h2-conversation.js';
import { h2frame } from '../helpers/h2-frames.js';
import { sleep, waitFor } from '../helpers/processes.js';

const HEADERS = 0x1;
const GOAWAY = 0x7;
/** A unary call's deadline in the tests below. */
const DEADLINE_MS = 300;
/** How late after it a call may end on a loaded machine. */
const LATE_MS = 700;

interface Hostile {
  port: number;
  /** Connections made to it. */
  connections: number;
  /** Connections of it that have closed. */
  closed: number;
  /** GOAWAY frames it has received: the client's nghttp2 sends one when the deadly block kills the connection. */
  goaways: number;
  close(): void;
}

/** A server that answers the first stream of each connection with a header block of HPACK index 0, then nothing. */
async function deadlyServer(): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const hostile: Hostile = { port: 0, connections: 0, closed: 0, goaways: 0, close: () => {} };
  const server = net.createServer((socket) => {
    hostile.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => hostile.closed++);
    socket.write(Buffer.concat([settings(), settingsAck()]));
    const parser = new FrameParser(true);
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) {
        if (event.kind === 'frame' && event.frame.type === GOAWAY) hostile.goaways++;
        if (answered || event.kind !== 'frame' || event.frame.type !== HEADERS) continue;
        answered = true;
        socket.write(h2frame(0x1, F.END_HEADERS, event.frame.streamId, Buffer.from([0x80])));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hostile.port = (server.address() as net.AddressInfo).port;
  hostile.close = () => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return hostile;
}

/** A client of a fresh deadly server, both closed when `t` ends. */
async function clientOfDeadlyServer(t: Test, options?: ChannelOptions) {
  const hostile = await deadlyServer();
  const channel = new Channel(`127.0.0.1:${hostile.port}`, options);
  t.teardown(() => {
    channel.close();
    hostile.close();
  });
  return { hostile, client: routeGuideClient(channel) };
}

/** How `promise` ended: its status code name and after how many ms. */
async function ending(promise: Promise<unknown>, started: number): Promise<{ code: string; ms: number }> {
  try {
    await promise;
    return { code: 'OK', ms: Date.now() - started };
  } catch (error) {
    return { code: error instanceof GrpcError ? error.codeName : String(error), ms: Date.now() - started };
  }
}

t.test('calls on a connection node:http2 stopped end at their deadline', { timeout: 10_000 }, async (t) => {
  const { client } = await clientOfDeadlyServer(t);
  const started = Date.now();
  const point = { latitude: 1, longitude: 1 };
  // The first call's stream is the one the server answers, breaking the connection.
  const first = ending(client.getFeature(point, { timeoutMs: DEADLINE_MS }), started);
  const second = ending(client.getFeature(point, { timeoutMs: DEADLINE_MS }), started);
  const listed = client.listFeatures({ lo: point, hi: point }, { timeoutMs: DEADLINE_MS });
  const third = ending(
    (async () => {
      for await (const _ of listed);
    })(),
    started,
  );
  const chat = client.routeChat({ timeoutMs: DEADLINE_MS });
  const fourth = ending(
    (async () => {
      for await (const _ of chat);
    })(),
    started,
  );
  for (const [name, end] of [
    ['GetFeature', first],
    ['GetFeature', second],
    ['ListFeatures', third],
    ['RouteChat', fourth],
  ] as const) {
    const { code, ms } = await end;
    t.equal(code, 'DEADLINE_EXCEEDED', `${name} ends with DEADLINE_EXCEEDED`);
    t.ok(ms < DEADLINE_MS + LATE_MS, `${name} ends at its deadline (${ms} ms for ${DEADLINE_MS})`);
  }
});

t.test('a cancelled call on such a connection ends at once', { timeout: 10_000 }, async (t) => {
  const { client } = await clientOfDeadlyServer(t);
  const point = { latitude: 1, longitude: 1 };
  await ending(client.getFeature(point, { timeoutMs: DEADLINE_MS }), Date.now());
  const controller = new AbortController();
  const started = Date.now();
  const chat = client.routeChat({ signal: controller.signal });
  const ended = ending(
    (async () => {
      for await (const _ of chat);
    })(),
    started,
  );
  setTimeout(() => controller.abort(new Error('stop')), 100);
  const { code, ms } = await ended;
  t.equal(code, 'CANCELLED', 'it ends with CANCELLED');
  t.ok(ms < 100 + LATE_MS, `it ends when cancelled (${ms} ms, cancelled at 100 ms)`);
});

t.test('a reset stream that stays open has its connection probed and destroyed', { timeout: 10_000 }, async (t) => {
  const { hostile, client } = await clientOfDeadlyServer(t, { keepalive: { timeoutMs: 200 } });
  const point = { latitude: 1, longitude: 1 };
  // The first stream, which the server answers with the deadly block; it ends when it is cancelled.
  const controller = new AbortController();
  const broken = ending(client.getFeature(point, { signal: controller.signal }), Date.now());
  // A call with no deadline on the same connection: only the connection's end can end it.
  const chat = client.routeChat();
  const open = ending(
    (async () => {
      for await (const _ of chat);
    })(),
    Date.now(),
  );
  // The client's GOAWAY says it has read the deadly block: its streams stay open from here on. (A
  // stream reset before that closes, as on any live connection, and no probe is needed for it.)
  await waitFor("the client's GOAWAY", () => hostile.goaways === 1);
  const started = Date.now();
  controller.abort(new Error('stop'));
  t.equal((await broken).code, 'CANCELLED', 'the cancelled call ends at once');
  const { code } = await open;
  const ms = Date.now() - started;
  t.equal(code, 'UNAVAILABLE', 'the call without a deadline ends UNAVAILABLE when the connection is destroyed');
  t.ok(ms < 5_000, `within the probe's delay and PING timeout (${ms} ms after the cancellation)`);
  for (const until = Date.now() + 1_000; hostile.closed === 0 && Date.now() < until;) await sleep(20);
  t.equal(hostile.closed, 1, 'the dead connection is closed');
});
