import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { connectionStep } from '../common-steps.js';
import { fault, frame, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';
import { faultsOf } from './fault-rst-after-header.js';

export const faultGoawayRouteChat: Transcript = {
  file: 'fault-goaway-route-chat.md',
  title: 'A fault: GOAWAY in the middle of a RouteChat',
  summary:
    '`routeguide tap --fault goaway:when=message:s2c:2`: the tap sends GOAWAY after the second echo; the RouteChat goes on to its end on that connection, the next call opens a new one',
  intro: `
\`routeguide tap --fault goaway:when=message:s2c:2\` sends the client a GOAWAY as if from the
server, right after the second response message of a call. Our client is in the middle of a
RouteChat: it has sent two notes and had their echoes. The GOAWAY names the last stream the server
has seen — the RouteChat's — so the call goes on; the connection takes no new stream, and the next
call goes on a new connection. This is what a server does when it shuts down gracefully
([graceful-shutdown.md](graceful-shutdown.md)), here with the server knowing nothing of it.`,
  async record() {
    const scene = await Scene.start({}, { faults: faultsOf('goaway:when=message:s2c:2') });
    const channel = scene.channel();
    await scene.connect(channel);
    const client = routeGuideClient(channel);
    const chat = client.routeChat();
    const replies = chat[Symbol.asyncIterator]();
    for (const note of CANONICAL_NOTES.slice(0, 2)) {
      await chat.send(note);
      await replies.next();
    }
    await scene.until('the GOAWAY', fault('inject', 'GOAWAY'));
    await chat.send(CANONICAL_NOTES[2]);
    await replies.next();
    chat.closeSend();
    await replies.next();
    await scene.until('the first connection closed', (e) => e.kind === 'connection' && e.type === 'close');
    scene.mark('the next call');
    await client.getFeature(FEATURE_POINT);
    await scene.until('its trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }), 15_000);
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'Two notes, two echoes',
      lead: 'c2s',
      c2s: message('c2s', 1, 2),
      s2c: message('s2c', 1, 2),
      text: `
The RouteChat of [route-chat.md](route-chat.md), its first two notes: each is echoed at once (no
note was there before at their places).`,
    },
    {
      title: "The tap's GOAWAY; the client closes its side",
      lead: 's2c',
      s2c: fault('inject', 'GOAWAY'),
      c2s: frame('GOAWAY'),
      text: `
After the second echo the tap sends GOAWAY NO_ERROR with last stream id 1: the highest stream it
has passed on to the server (${code('src/wire/fault/actions.ts:goaway')}). Stream 1 was processed,
so it goes on; a stream the client opened above it from now on would not be passed to the server,
and the client could retry it (${rfc9113('6.8')}). node:http2 answers with a GOAWAY of its own, last
stream id 0, and our client's channel forgets the connection
(${code('src/client/channel.ts:Channel.session')}): new calls go to a new one. The server never sees
the tap's GOAWAY: for it, the connection is as it was.`,
    },
    {
      title: 'The call goes on to its end',
      lead: 'c2s',
      c2s: frame('DATA', { stream: 1, flags: ['END_STREAM'] }),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The third note and its echo, the half-close, the trailers with grpc-status 0: the call in flight
ends as it would have without the GOAWAY (${protocol('Responses')}).`,
    },
    {
      title: 'The connection closes',
      lead: 'c2s',
      before: 'the next call',
      text: `
With its last stream over, node:http2 closes the session the GOAWAY ended, and the TCP connection
closes. The server's GOAWAY as it tears its side down names stream 1, as the tap's did.`,
    },
    {
      title: 'The next call, on a new connection',
      lead: 'c2s',
      rest: true,
      text: `
The next call — a GetFeature — opens connection #2, whose first stream is 1 again; it goes as in
[get-feature.md](get-feature.md). Then the script closes the channel.`,
    },
  ],
};
