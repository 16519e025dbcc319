// A connection that nghttp2 ends with a connection error must be closed (RFC 9113 §5.4.1: "After
// sending the GOAWAY frame for an error condition, the endpoint MUST close the TCP connection").
// node:http2 sends the GOAWAY and stops reading but leaves the socket open, so the server finds
// such connections by their silence: a PING that is never answered (src/protocol/keepalive-ping.ts).

import net from 'node:net';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { routeGuideClient } from '../../src/services/routeguide/client.js';
import { data, F, grpcMessage, headers, PREFACE, settings } from '../helpers/h2-conversation.js';
import { h2frame } from '../helpers/h2-frames.js';
import { sleep } from '../helpers/processes.js';
import { startTestServer } from '../helpers/test-server.js';

const POINT = Buffer.from('089a8c8bc30110969dc9f2fdffffffff01', 'hex');
const GET_FEATURE: [string, string][] = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/routeguide.RouteGuide/GetFeature'],
  [':authority', 'localhost'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
];

/** Connection errors that nghttp2 answers with GOAWAY by itself (node reports none of them). */
const CONNECTION_ERRORS: [string, Buffer][] = [
  ['DATA on stream 0 (RFC 9113 §6.1)', h2frame(0x0, 0, 0, Buffer.from('x'))],
  ['a header block with HPACK index 0 (RFC 7541 §6.1)', h2frame(0x1, F.END_HEADERS, 3, Buffer.from([0x80]))],
];

interface Outcome {
  /** The frame type of each frame the server sent. */
  frameTypes: number[];
  /** Milliseconds until the server closed the connection; undefined if it did not within `waitMs`. */
  closedAfterMs: number | undefined;
}

/** Sends a GetFeature and then `fatal` on one connection, keeps its own side open, and watches. */
function provoke(port: number, fatal: Buffer, waitMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([PREFACE, settings(), h2frame(0x4, F.ACK, 0)]));
      setTimeout(() => {
        socket.write(Buffer.concat([headers(1, GET_FEATURE), data(1, grpcMessage(POINT), F.END_STREAM), fatal]));
      }, 50);
    });
    const finish = (closedAfterMs: number | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      const bytes = Buffer.concat(received);
      const frameTypes: number[] = [];
      for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) frameTypes.push(bytes[at + 3]);
      resolve({ frameTypes, closedAfterMs });
    };
    const timer = setTimeout(() => finish(undefined), waitMs);
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('close', () => finish(Date.now() - started));
    socket.on('error', () => {});
  });
}

t.test('a connection that nghttp2 ended with GOAWAY is closed', async (t) => {
  const { port, close } = await startTestServer({ keepalive: { silenceProbeMs: 300, timeoutMs: 300 } });
  t.teardown(close);
  for (const [name, fatal] of CONNECTION_ERRORS) {
    const { frameTypes, closedAfterMs } = await provoke(port, fatal, 5000);
    t.ok(frameTypes.includes(0x7), `${name}: the server sent GOAWAY`);
    t.ok(
      closedAfterMs !== undefined && closedAfterMs < 3000,
      `${name}: and closed the connection (${closedAfterMs} ms)`,
    );
  }
});

t.test('a live connection that is only quiet stays open', async (t) => {
  const { port, close } = await startTestServer({ keepalive: { silenceProbeMs: 200, timeoutMs: 2000 } });
  t.teardown(close);
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const client = routeGuideClient(channel);
  const point = { latitude: 409146138, longitude: -746188906 };
  await client.getFeature(point);
  const session = channel.session();
  await sleep(1000); // several silences, each answered
  t.notOk(session.destroyed || session.closed, 'the connection is still open');
  await client.getFeature(point);
  t.equal(channel.session(), session, 'and carries the next call');
});
