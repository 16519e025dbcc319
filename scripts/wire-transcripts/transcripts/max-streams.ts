import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { data, F, grpcMessage, headers, settings, settingsAck } from '../../../test/helpers/h2-conversation.js';
import { PREFACE } from '../../../test/helpers/h2-frames.js';
import { routeGuideClient, routeGuideDefinition } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { frame, framesOf, message, setting } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';

/** How long the script lets the second call wait while the first holds the only stream. */
const WAIT_MS = 300;

/** A request's headers, written by hand (literals, no HPACK table): a client that does its own HTTP/2. */
const request = (path: string): [string, string][] => [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', path],
  [':authority', 'routeguide'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
];

/**
 * A client written byte by byte that acknowledges the server's SETTINGS and then opens two streams
 * anyway, and what the server does about it.
 */
async function overTheLimit(scene: Scene): Promise<void> {
  const socket = net.connect(scene.tapPort, '127.0.0.1');
  socket.on('error', () => {});
  socket.resume();
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(Buffer.concat([PREFACE, settings()]));
  await scene.until(
    'the server SETTINGS of the second connection',
    (e) => e.conn === 2 && frame('SETTINGS', { dir: 's2c' })(e),
  );
  socket.write(settingsAck());
  await scene.until('the ACK', (e) => e.conn === 2 && frame('SETTINGS', { dir: 'c2s', flags: ['ACK'] })(e));
  socket.write(headers(1, request('/routeguide.RouteGuide/RouteChat')));
  socket.write(headers(3, request('/routeguide.RouteGuide/GetFeature')));
  const getFeature = routeGuideDefinition().methods.find((m) => m.name === 'GetFeature')!;
  socket.write(data(3, grpcMessage(getFeature.request.serialize(FEATURE_POINT)), F.END_STREAM));
  await scene.until('the server ends the connection', (e) => e.conn === 2 && frame('GOAWAY', { dir: 's2c' })(e));
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
}

export const maxStreams: Transcript = {
  file: 'max-streams.md',
  title: 'MAX_CONCURRENT_STREAMS 1: the second call waits in the client',
  summary:
    'a server that allows one stream at a time: a GetFeature started while a RouteChat is open waits in the client until the RouteChat ends, then goes out',
  intro: `
Our server, allowing one concurrent stream per connection (\`new Server({ maxConcurrentStreams: 1 })\`;
the default is 1000), and our client on one connection: a RouteChat is open when the script starts a
GetFeature. What happens to the second call is the client's business: an HTTP/2 client must not open
more streams than the server allows (${rfc9113('5.1.2')}), and a server that gets one more anyway
must treat it as an error; what node:http2 does then is in the last step. node:http2's client keeps
within the limit: it holds the request until a stream is free.`,
  async record() {
    const scene = await Scene.start({ maxConcurrentStreams: 1 });
    const channel = scene.channel();
    await scene.connect(channel);
    const client = routeGuideClient(channel);
    const chat = client.routeChat();
    const replies = chat[Symbol.asyncIterator]();
    await chat.send(CANONICAL_NOTES[0]);
    await replies.next();
    await scene.until('the echo', message('s2c', 1, 1));
    const feature = client.getFeature(FEATURE_POINT);
    await sleep(WAIT_MS);
    scene.mark('waited');
    chat.closeSend();
    while (!(await replies.next()).done);
    await feature;
    await scene.until('the second call ends', frame('HEADERS', { dir: 's2c', stream: 3, flags: ['END_STREAM'] }));
    channel.close();
    await scene.until('the first connection closed', (e) => e.kind === 'connection' && e.type === 'close');
    scene.mark('first closed');
    await overTheLimit(scene);
    return scene.finish();
  },
  steps: [
    {
      title: 'The connection: SETTINGS_MAX_CONCURRENT_STREAMS 1',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
The server's SETTINGS say SETTINGS_MAX_CONCURRENT_STREAMS 1: the client may have at most one stream
open (or half-closed) at a time (${rfc9113('6.5.2')}). The value comes from the server's options
(${code('src/server/options.ts:resolveServerOptions')}, ${code('src/server/server.ts:Server.listen')}).`,
      shows: [
        {
          says: "The server's SETTINGS say SETTINGS_MAX_CONCURRENT_STREAMS 1",
          holds: (s) => setting(s, 's2c', 'SETTINGS_MAX_CONCURRENT_STREAMS') === 1,
        },
      ],
    },
    {
      title: `A RouteChat holds the stream; a GetFeature is started, and nothing goes out for ${WAIT_MS} ms`,
      lead: 'c2s',
      before: 'waited',
      text: `
The RouteChat opens stream 1, sends a note and gets its echo, as in
[route-chat.md](route-chat.md#2-the-call-opens-the-first-note-and-its-echo), and stays open. Then the
script calls \`getFeature()\`: our client builds the request and hands it to node:http2
(\`session.request()\`, in ${code('src/client/call-engine.ts:ClientCallEngine.start')}), which does
not send it. nghttp2, under node:http2, knows the server's limit and keeps the request queued while
stream 1 counts against it: no HEADERS for it, on any stream, for ${WAIT_MS} ms. The call is not
failed and not refused; it waits, and its deadline, had it one, would go on running
(${protocol('Client Cancellation')}: a call that waits too long ends DEADLINE_EXCEEDED, on the
client's own clock).`,
      shows: [
        {
          says: `no HEADERS for it, on any stream, for ${WAIT_MS} ms`,
          holds: (s) => framesOf(s, 'HEADERS', { dir: 'c2s' }).every((f) => f.stream === 1),
        },
      ],
    },
    {
      title: 'The RouteChat ends; the GetFeature goes out on stream 3',
      lead: 'c2s',
      c2s: message('c2s', 3, 1),
      s2c: frame('HEADERS', { stream: 3, flags: ['END_STREAM'] }),
      text: `
The script half-closes the RouteChat. A half-closed stream still counts against the limit
(${rfc9113('5.1.2')}): only when the server's trailers have closed stream 1 does node:http2 send the
waiting request, on stream 3, the next odd id. The tap saw the trailers of stream 1 arrive before
the HEADERS of stream 3 left. The GetFeature then runs as in [get-feature.md](get-feature.md), its
headers mostly indices into the tables the first call filled.

No RST_STREAM is on this connection: node:http2 never sent a stream over the limit. grpc-go's client
also waits for a free stream rather than send one over the limit.`,
      shows: [
        {
          says: 'The tap saw the trailers of stream 1 arrive before the HEADERS of stream 3 left',
          holds: (_, all) => {
            const at = (test: (e: (typeof all)[number]) => boolean) => all.findIndex(test);
            const trailers = at(frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
            const second = at(frame('HEADERS', { dir: 'c2s', stream: 3 }));
            return trailers >= 0 && second > trailers;
          },
        },
        {
          says: 'No RST_STREAM is on this connection',
          holds: (s) => framesOf(s, 'RST_STREAM').length === 0,
        },
      ],
    },
    {
      title: 'The connection closes',
      lead: 'c2s',
      before: 'first closed',
      text: `
The script closes the channel, as in [get-feature.md](get-feature.md#4-the-connection-closes).`,
    },
    {
      title: 'A client that opens a second stream anyway: GOAWAY',
      lead: 'c2s',
      rest: true,
      text: `
RFC 9113 asks the client to keep within the limit, and tells the server what to do when it does not:
"An endpoint that receives a HEADERS frame that causes its advertised concurrent stream limit to be
exceeded MUST treat this as a stream error of type PROTOCOL_ERROR or REFUSED_STREAM"
(${rfc9113('5.1.2')}). REFUSED_STREAM would tell the client that the stream was not processed and
may be sent again (${rfc9113('8.7')}); a gRPC client reads it as UNAVAILABLE
(${code('src/protocol/rst-code.ts:codeFromRstCode')}, ${protocol('Errors')}).

To see what this server does, the script opens a second connection with a client written byte by
byte (header blocks of plain literals, \`test/helpers/h2-conversation.ts\`): it acknowledges the
server's SETTINGS, then opens a RouteChat on stream 1 and a GetFeature on stream 3 without waiting.
node:http2 on the server does not refuse the one stream: it ends the whole connection, with GOAWAY
INTERNAL_ERROR and last stream id 1. That is node:http2's own answer (nghttp2 takes the extra stream
for a connection error; the code of this server never sees the stream), harsher than the stream
error the RFC asks for: the RouteChat on stream 1, within the limit, goes down with the connection.
A gRPC client fails the call on stream 3 with UNAVAILABLE, as it is above the last stream id
(${protocol('GOAWAY Frame')}), and the RouteChat as well, since the connection is gone
(${protocol('Connection failure')}). Clients that keep within the limit, as node:http2's and
grpc-go's do, never meet it.`,
      shows: [
        {
          says: 'it ends the whole connection, with GOAWAY INTERNAL_ERROR and last stream id 1',
          holds: (s) => {
            const goaways = framesOf(s, 'GOAWAY', { dir: 's2c' }).filter((f) => f.conn === 2);
            return goaways[0]?.errorCode === 'INTERNAL_ERROR' && goaways[0].lastStreamId === 1;
          },
        },
        {
          says: 'node:http2 on the server does not refuse the one stream',
          holds: (s) => framesOf(s, 'RST_STREAM').length === 0 && framesOf(s, 'HEADERS', { dir: 's2c' }).length === 0,
        },
      ],
    },
  ],
};
