// One Channel across connection ends: after the server closes the connection or sends GOAWAY, the
// next call succeeds on a fresh connection; a call already running when GOAWAY arrives completes.

import http2, { constants, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import t, { type Test } from 'tap';
import { Channel, createClient, Status } from '../../src/client/index.js';
import { Server } from '../../src/server/server.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
} from '../../src/services/routeguide/index.js';
import { probeDefinition } from '../helpers/test-server.js';

const unary = () => probeDefinition().methods.find((m) => m.name === 'Unary')!;

/** Answers a Probe call with one message `text` and grpc-status 0. */
function answer(stream: ServerHttp2Stream, text: string): void {
  const body = Buffer.from(unary().response.serialize({ text }));
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(Buffer.concat([prefix, body]));
}

interface Raw {
  port: number;
  /** Connections accepted so far. */
  sessions: ServerHttp2Session[];
  sockets: Socket[];
}

/** A raw h2c server; `onStream` gets the stream and the index of its connection. */
async function rawServer(
  t: Test,
  onStream: (stream: ServerHttp2Stream, connection: number, raw: Raw) => void,
): Promise<Raw> {
  const server = http2.createServer();
  const raw: Raw = { port: 0, sessions: [], sockets: [] };
  server.on('connection', (socket: Socket) => raw.sockets.push(socket));
  server.on('session', (session) => {
    session.on('error', () => {});
    raw.sessions.push(session);
  });
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    onStream(stream, raw.sessions.indexOf(stream.session as ServerHttp2Session), raw);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of raw.sessions) s.destroy();
        server.close(() => resolve());
      }),
  );
  raw.port = (server.address() as { port: number }).port;
  return raw;
}

function probeOn(t: Test, port: number) {
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  return createClient<any>(probeDefinition(), channel);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('after the server sends GOAWAY, the next call uses a fresh connection', async (t) => {
  const raw = await rawServer(t, (stream, connection, raw) => {
    answer(stream, `connection ${connection}`);
    // GOAWAY(NO_ERROR) right after the answer: this connection takes no more streams.
    stream.on('close', () => raw.sessions[connection].goaway(constants.NGHTTP2_NO_ERROR, stream.id));
  });
  const probe = probeOn(t, raw.port);
  t.equal((await probe.unary({ text: 'a' })).text, 'connection 0');
  await sleep(100); // the GOAWAY arrives
  t.equal((await probe.unary({ text: 'b' })).text, 'connection 1');
  t.equal(raw.sessions.length, 2, 'two connections were made');
});

t.test('after the server drops the connection, the next call uses a fresh connection', async (t) => {
  const raw = await rawServer(t, (stream, connection, raw) => {
    answer(stream, `connection ${connection}`);
    stream.on('close', () => raw.sockets[connection].destroy());
  });
  const probe = probeOn(t, raw.port);
  t.equal((await probe.unary({ text: 'a' })).text, 'connection 0');
  await sleep(100); // the connection is gone
  t.equal((await probe.unary({ text: 'b' })).text, 'connection 1');
  t.equal(raw.sockets.length, 2, 'two TCP connections were made');
});

t.test('a call in flight when GOAWAY arrives (lastStreamID = its stream) completes', async (t) => {
  const raw = await rawServer(t, (stream, connection, raw) => {
    if (connection > 0) return answer(stream, 'fresh');
    raw.sessions[0].goaway(constants.NGHTTP2_NO_ERROR, stream.id);
    setTimeout(() => answer(stream, 'finished after GOAWAY'), 50);
  });
  const probe = probeOn(t, raw.port);
  const call = probe.unary({ text: 'a' }, { timeoutMs: 5000 });
  t.equal((await call).text, 'finished after GOAWAY');
  t.equal((await call.status).code, Status.OK);
  t.equal(
    (await probe.unary({ text: 'b' }, { timeoutMs: 5000 })).text,
    'fresh',
    'the next call goes to a new connection',
  );
  t.equal(raw.sessions.length, 2);
});

t.test('our Server.close, then a new server on the same port: the same Channel reconnects', async (t) => {
  const start = async (port: number) => {
    const server = new Server();
    server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
    return { server, port: (await server.listen(port, '127.0.0.1')).port };
  };
  const first = await start(0);
  const channel = new Channel(`127.0.0.1:${first.port}`);
  t.teardown(() => channel.close());
  const client = routeGuideClient(channel);
  const point = { latitude: 409146138, longitude: -746188906 };
  const expected = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';
  t.equal((await client.getFeature(point)).name, expected);

  await first.server.close(0); // GOAWAY, then the connection closes
  const unavailable = await client.getFeature(point, { timeoutMs: 2000 }).catch((e) => e);
  t.equal(unavailable.code, Status.UNAVAILABLE, 'no server: UNAVAILABLE');

  const second = await start(first.port);
  t.teardown(() => second.server.close(0));
  t.equal((await client.getFeature(point, { timeoutMs: 5000 })).name, expected, 'the same channel works again');
});

t.test(
  'a unary call above the GOAWAY lastStreamID goes again on a new connection; the ones below complete',
  async (t) => {
    const pending: ServerHttp2Stream[] = [];
    const raw = await rawServer(t, (stream, connection, raw) => {
      if (connection > 0) return answer(stream, 'retried');
      pending.push(stream);
      if (pending.length < 2) return;
      // Both streams arrived; GOAWAY covers only the first (RFC 9113 §6.8: the rest were not processed).
      raw.sessions[0].goaway(constants.NGHTTP2_NO_ERROR, pending[0].id);
      setTimeout(() => answer(pending[0], 'kept'), 50);
    });
    const probe = probeOn(t, raw.port);
    const first = probe.unary({ text: 'a' }, { timeoutMs: 5000 });
    const second = probe.unary({ text: 'b' }, { timeoutMs: 5000 });
    t.equal((await first).text, 'kept');
    t.equal((await second).text, 'retried', 'the unprocessed call went again, by itself');
    t.equal(raw.sessions.length, 2, 'on a new connection');
  },
);

t.test(
  'a streaming call above the GOAWAY lastStreamID ends UNAVAILABLE (its request is not kept to send again)',
  async (t) => {
    const pending: ServerHttp2Stream[] = [];
    const raw = await rawServer(t, (stream, _connection, raw) => {
      pending.push(stream);
      if (pending.length < 2) return;
      raw.sessions[0].goaway(constants.NGHTTP2_NO_ERROR, pending[0].id);
      setTimeout(() => answer(pending[0], 'kept'), 50);
    });
    const probe = probeOn(t, raw.port);
    const first = probe.unary({ text: 'a' }, { timeoutMs: 5000 });
    const stream = probe.bidi({ timeoutMs: 5000 });
    await stream.send({ text: 'b' });
    t.equal((await first).text, 'kept');
    const status = await stream.status;
    t.equal(status.code, Status.UNAVAILABLE);
    t.match(status.details, /did not process the stream/);
  },
);

t.test('a unary call refused with RST_STREAM REFUSED_STREAM goes again, once', async (t) => {
  let streams = 0;
  const raw = await rawServer(t, (stream) => {
    if (streams++ === 0) return stream.close(constants.NGHTTP2_REFUSED_STREAM);
    answer(stream, 'second try');
  });
  const probe = probeOn(t, raw.port);
  t.equal((await probe.unary({ text: 'a' }, { timeoutMs: 5000 })).text, 'second try');
  t.equal(streams, 2, 'two streams');
  t.equal(raw.sessions.length, 1, 'on the same connection');
});
