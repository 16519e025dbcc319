import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { connectionStep } from '../common-steps.js';
import { frame, framesOf, frameSequence, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The grace period given to calls in flight. */
const GRACE_MS = 5000;
const MAX_STREAM_ID = 2 ** 31 - 1;

export const gracefulShutdown: Transcript = {
  file: 'graceful-shutdown.md',
  title: 'Graceful shutdown: GOAWAY twice, then the drain',
  summary:
    'server.close(grace) with a RouteChat in flight: GOAWAY(2^31−1) and a PING, the PING ACK, GOAWAY(last stream id), the call finishing, the connection closing',
  intro: `
Our server shuts down gracefully (\`server.close(${GRACE_MS})\`: what \`routeguide serve\` does on
SIGTERM with \`--grace 5s\`) while a RouteChat of our client is in flight. The connection takes no new
call, the call in flight goes on to its end, and then the connection closes. The shutdown is
${code('src/server/shutdown.ts:ConnectionTracker.drain')}, and on each connection
${code('src/server/shutdown.ts:goAway')}: the two GOAWAYs ${rfc9113('6.8')} recommends for a graceful
shutdown, with a PING between them to time the round trip, as grpc-go's server does.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    const chat = routeGuideClient(channel).routeChat();
    const replies = chat[Symbol.asyncIterator]();
    await chat.send(CANONICAL_NOTES[0]);
    await replies.next();
    await scene.until('the echo', message('s2c', 1, 1));
    const closing = scene.server.close(GRACE_MS);
    await scene.until('the final GOAWAY', frame('GOAWAY', { dir: 's2c', lastStreamId: 1 }));
    await chat.send(CANONICAL_NOTES[1]);
    await replies.next();
    chat.closeSend();
    await replies.next();
    await closing;
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'A call in flight',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: message('s2c', 1, 1),
      text: `
A RouteChat on stream 1: a note and its echo, as in [route-chat.md](route-chat.md#2-the-call-opens-the-first-note-and-its-echo).
The call stays open.`,
    },
    {
      title: 'server.close(): PING and GOAWAY(2^31−1); the client answers',
      lead: 's2c',
      s2c: frame('GOAWAY', { lastStreamId: MAX_STREAM_ID }),
      c2s: frame('GOAWAY'),
      text: `
\`server.close()\` runs the shutdown hooks, stops the listener and drains each connection. gRPC
servers send GOAWAY before they close a connection, so that clients know which calls were accepted
(${protocol('GOAWAY Frame')}). The first GOAWAY names the largest stream id there is, 2^31−1, with
NO_ERROR: it says "no new streams" without refusing any the client may have sent already; a server
shutting down gracefully SHOULD send it, and MAY send a second GOAWAY with the real last stream id
after "at least one round-trip time" (${rfc9113('6.8')}). The PING that goes with it times that
round trip (grpc-go's way; RFC 9113 names no means): its answer marks the point where every stream
the client opened before it saw the GOAWAY has arrived. The code sends the GOAWAY first
(\`session.goaway()\`, then \`session.ping()\`); nghttp2 writes the PING first, and the tap's note on
it cannot tell why a PING was sent.

The client answers the PING (node:http2 itself, ${rfc9113('6.7')}) and, on the GOAWAY, closes its
side: node:http2 sends a GOAWAY of its own, last stream id 0 (node:http2's habit when it receives a
GOAWAY with NO_ERROR; neither gRPC nor HTTP/2 asks a client for one). Our client's channel forgets this
connection (${code('src/client/channel.ts:Channel.session')}): a new call would open another one.`,
      shows: [
        { says: 'nghttp2 writes the PING first', holds: (s) => frameSequence(s, 's2c').join(', ') === 'PING, GOAWAY' },
        {
          says: 'node:http2 sends a GOAWAY of its own, last stream id 0',
          holds: (s) => framesOf(s, 'GOAWAY', { dir: 'c2s', lastStreamId: 0 }).length === 1,
        },
      ],
    },
    {
      title: 'The final GOAWAY: last stream id 1',
      lead: 's2c',
      s2c: frame('GOAWAY', { lastStreamId: 1 }),
      text: `
When the PING's answer is in (or the client's own GOAWAY, whichever comes first; at most 1 s),
\`goAway\` closes the session, and node:http2 sends the final GOAWAY with the real last stream id: 1.
Any stream above it would not be processed, and its client could retry it elsewhere (${rfc9113('6.8')}).
Stream 1 goes on.`,
    },
    {
      title: 'The call finishes',
      lead: 'c2s',
      c2s: frame('DATA', { stream: 1, flags: ['END_STREAM'] }),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
Within the grace period the call runs as before: one more note and its echo, then the client
half-closes and the server's trailers say OK. Had the call still been running after ${GRACE_MS / 1000} s,
the drain would have ended it with UNAVAILABLE "server is shutting down…" in its trailers
(${code('src/server/shutdown.ts:ConnectionTracker.drain')}).`,
    },
    {
      title: 'The connection closes',
      lead: 's2c',
      rest: true,
      text: `
With its last stream closed, the server's session closes: node:http2 sends its final GOAWAY once more
as it tears the session down, and so does the client's. Then the TCP connection closes, and
\`server.close()\` resolves once every connection has.`,
    },
  ],
};
