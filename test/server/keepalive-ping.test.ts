// Keepalive [K]: both sides detect a peer that stopped answering (a TCP proxy that freezes), the
// server polices client PINGs (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), and our client doubles
// its interval when told so (A8).

import http2 from 'node:http2';
import net from 'node:net';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { pingOrDestroy } from '../../src/protocol/keepalive-ping.js';
import { Status } from '../../src/protocol/status.js';
import type { ServerCall } from '../../src/server/call.js';
import { Server } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/options.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
  type RouteNote,
} from '../../src/services/routeguide/index.js';

/** A server whose RouteChat calls report how they ended. */
async function start(options: ServerOptions = {}) {
  const server = new Server({ onHandlerError: () => {}, ...options });
  const handlers = routeGuideHandlers(FeatureDb.load());
  const ended: Promise<unknown>[] = [];
  server.addService(routeGuideDefinition(), {
    ...handlers,
    routeChat: (call: ServerCall<RouteNote, RouteNote>) => {
      ended.push(
        new Promise((resolve) =>
          call.signal.addEventListener('abort', () => resolve(call.signal.reason), { once: true }),
        ),
      );
      return handlers.routeChat(call);
    },
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, ended };
}

/** A TCP proxy in front of `port` that can freeze: both directions stop, the sockets stay open. */
async function startProxy(port: number) {
  const pairs: [net.Socket, net.Socket][] = [];
  const proxy = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) s.on('error', () => {});
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    freeze() {
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close() {
      for (const pair of pairs) for (const s of pair) s.destroy();
      proxy.close();
    },
  };
}

const note = (message: string) => ({ location: { latitude: 41, longitude: 41 }, message });

t.test('client keepalive: a silent server fails the call in flight with UNAVAILABLE', async (t) => {
  const { server, port } = await start();
  const proxy = await startProxy(port);
  const channel = new Channel(`127.0.0.1:${proxy.port}`, { keepalive: { timeMs: 200, timeoutMs: 400 } });
  t.teardown(async () => {
    channel.close();
    proxy.close();
    await server.close(0);
  });
  const chat = routeGuideClient(channel).routeChat();
  const replies = chat[Symbol.asyncIterator]();
  await chat.send(note('hello'));
  t.equal((await replies.next()).value?.message, 'hello');
  proxy.freeze();
  await t.rejects(replies.next(), { code: Status.UNAVAILABLE, message: /keepalive/ });
});

t.test('server keepalive: a silent client has its calls cancelled', async (t) => {
  const { server, port, ended } = await start({ keepalive: { timeMs: 200, timeoutMs: 400 } });
  const proxy = await startProxy(port);
  const channel = new Channel(`127.0.0.1:${proxy.port}`);
  t.teardown(async () => {
    channel.close();
    proxy.close();
    await server.close(0);
  });
  const chat = routeGuideClient(channel).routeChat();
  const replies = chat[Symbol.asyncIterator]();
  await chat.send(note('hi'));
  await replies.next();
  proxy.freeze();
  const reason = (await ended[0]) as { code: number };
  t.equal(reason.code, Status.CANCELLED, 'the server-side call was cancelled');
  chat.cancel();
});

/** A raw HTTP/2 client that sends `count` PINGs `gapMs` apart; resolves with the GOAWAY it got, if any. */
async function pingServer(port: number, count: number, gapMs: number, whileCall = false) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  let goaway: { code: number; debug: string; lastStreamId: number } | undefined;
  session.on(
    'goaway',
    (code, lastStreamId, data) => (goaway ??= { code, debug: data?.toString() ?? '', lastStreamId }),
  );
  await new Promise((resolve) => session.once('connect', resolve));
  let stream: http2.ClientHttp2Stream | undefined;
  if (whileCall) {
    // A RouteChat that stays open: a call is running while the pings arrive.
    stream = session.request({
      ':method': 'POST',
      ':path': '/routeguide.RouteGuide/RouteChat',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => {});
  }
  for (let i = 0; i < count && !goaway && !session.destroyed; i++) {
    await new Promise((resolve) => session.ping(resolve));
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const alive = !session.destroyed && !session.closed;
  stream?.close();
  session.destroy();
  return { goaway, alive };
}

t.test('ping policing: too many pings → GOAWAY ENHANCE_YOUR_CALM "too_many_pings"', async (t) => {
  const { server, port } = await start();
  t.teardown(() => server.close(0));
  // Defaults: with no call running, any ping within 2 h of the previous one is a strike; the third strike ends it.
  const idle = await pingServer(port, 6, 10);
  t.same(idle.goaway, { code: http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, debug: 'too_many_pings', lastStreamId: 0 });
  t.equal(idle.alive, false);
  // With a call running the minimum interval is 5 min: still too many.
  // RFC 9113 §6.8: the GOAWAY names the call's stream, the last one the server processed.
  const busy = await pingServer(port, 6, 10, true);
  t.same(busy.goaway, { code: http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, debug: 'too_many_pings', lastStreamId: 1 });
});

t.test('ping policing: pings at the permitted rate are fine', async (t) => {
  const { server, port } = await start({ keepalive: { minPingIntervalMs: 50, permitWithoutCalls: true } });
  t.teardown(() => server.close(0));
  const polite = await pingServer(port, 5, 150);
  t.equal(polite.goaway, undefined);
  t.equal(polite.alive, true);
});

t.test('client (A8): GOAWAY too_many_pings doubles the keepalive interval', async (t) => {
  const { server, port } = await start();
  t.teardown(() => server.close(0));
  const channel = new Channel(`127.0.0.1:${port}`, {
    keepalive: { timeMs: 20, timeoutMs: 1000, permitWithoutCalls: true },
  });
  t.teardown(() => channel.close());
  const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
  await routeGuideClient(channel).getFeature({ latitude: 1, longitude: 1 });
  const warning = await warned;
  t.match(warning.message, /too_many_pings/);
  t.equal((channel as unknown as { keepalive: { timeMs: number } }).keepalive.timeMs, 40);
});

t.test('pingOrDestroy: every PING settles once and leaves no listener on a long-lived session', async (t) => {
  const server = http2.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = http2.connect(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  t.teardown(() => {
    session.destroy();
    server.close();
  });
  await new Promise((resolve) => session.once('connect', resolve));
  const before = session.listenerCount('close');
  const results: boolean[] = [];
  for (let i = 0; i < 20; i++)
    results.push(await new Promise<boolean>((resolve) => pingOrDestroy(session, 5000, 'server', resolve)));
  t.same(results, Array(20).fill(true), 'each PING acknowledged');
  t.equal(session.listenerCount('close'), before, 'no close listener left behind');
});
