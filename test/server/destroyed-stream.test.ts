// A call whose stream is closed or destroyed between the end of its request and the answer must
// end that call alone, never the process.
//
// The sharpest case: the client sends a whole unary request without END_STREAM and then
// RST_STREAM NO_ERROR. node:http2 closes the stream and reports the reset to the reader as the end
// of the request body, so the call believes its request is complete while respond() would throw
// ERR_HTTP2_INVALID_STREAM. The other cases end the whole connection (RFC 9113 §5.4.1) in the
// read that completes the requests.

import net from 'node:net';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { routeGuideClient } from '../../src/services/routeguide/client.js';
import { data, F, goaway, grpcMessage, headers, PREFACE, rstStream, settings } from '../helpers/h2-conversation.js';
import { h2frame } from '../helpers/h2-frames.js';
import { startTestServer } from '../helpers/test-server.js';

/** A Point message: latitude 409146138, longitude -746188906 (a feature of the canonical DB). */
const POINT = Buffer.from('089a8c8bc30110969dc9f2fdffffffff01', 'hex');

function requestHeaders(stream: number, path: string): Buffer {
  return headers(stream, [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ]);
}

/** The request of each RPC kind that answers from the end of the request (unary, client-streaming). */
const ANSWERED_AT_END = ['/routeguide.RouteGuide/GetFeature', '/routeguide.RouteGuide/RecordRoute'];

const CASES: [string, (stream: number, path: string) => Buffer[]][] = [
  [
    'the whole request, then RST_STREAM NO_ERROR instead of END_STREAM',
    (id, path) => [requestHeaders(id, path), data(id, grpcMessage(POINT)), rstStream(id, 0)],
  ],
  [
    'the whole request with END_STREAM, then RST_STREAM CANCEL',
    (id, path) => [requestHeaders(id, path), data(id, grpcMessage(POINT), F.END_STREAM), rstStream(id, 8)],
  ],
  [
    'the whole request with END_STREAM, then a connection error (DATA on stream 0)',
    (id, path) => [
      requestHeaders(id, path),
      data(id, grpcMessage(POINT), F.END_STREAM),
      h2frame(0x0, 0, 0, Buffer.from('x')),
    ],
  ],
  [
    'the whole request with END_STREAM, then GOAWAY PROTOCOL_ERROR and garbage',
    (id, path) => [
      requestHeaders(id, path),
      data(id, grpcMessage(POINT), F.END_STREAM),
      goaway(0, 1),
      Buffer.from('not a frame at all, not at all'),
    ],
  ],
];

/** Writes the connection preface, waits for the server's SETTINGS to go out, then writes `frames` at once. */
function send(port: number, frames: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat([PREFACE, settings(), h2frame(0x4, F.ACK, 0)]));
      setTimeout(() => socket.write(Buffer.concat(frames)), 50);
      setTimeout(() => socket.end(), 300);
    });
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('close', done);
    socket.resume();
  });
}

t.test('a call whose stream is gone before it answers ends alone', async (t) => {
  // Quick to find connections that nghttp2 ended (dead-connection.test.ts), so each case closes soon.
  const { port, close } = await startTestServer({ keepalive: { silenceProbeMs: 300, timeoutMs: 300 } });
  t.teardown(close);
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('uncaughtException', onCrash);
  t.teardown(() => process.off('uncaughtException', onCrash));

  for (const [name, frames] of CASES) {
    for (const path of ANSWERED_AT_END) {
      await send(port, frames(1, path));
      t.same(
        crashes.map((e) => (e as Error).message),
        [],
        `${name} (${path}): nothing thrown out of the server`,
      );
    }
  }

  // The server still answers.
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  const feature = await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
  t.same(crashes, [], 'nothing thrown afterwards either');
});
