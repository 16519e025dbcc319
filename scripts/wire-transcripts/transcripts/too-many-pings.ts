import http2 from 'node:http2';
import { SERVER_KEEPALIVE_DEFAULTS } from '../../../src/server/keepalive.js';
import { frame, framesOf } from '../events.js';
import { code, grpcDoc, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** PINGs the client sends: the first is no strike, each later one is, and the default tolerates two. */
const PINGS = SERVER_KEEPALIVE_DEFAULTS.maxPingStrikes + 2;

export const tooManyPings: Transcript = {
  file: 'too-many-pings.md',
  title: 'Too many pings: GOAWAY ENHANCE_YOUR_CALM "too_many_pings"',
  summary:
    'a client that pings again and again on an idle connection: the server counts strikes, then sends GOAWAY ENHANCE_YOUR_CALM with the debug data too_many_pings and closes the connection',
  intro: `
A bare node:http2 client connects to our server, with its default keepalive policy, and sends
${PINGS} PINGs, each as soon as the one before is answered, with no call running. A gRPC server
polices the PINGs it receives, so that a client cannot keep it busy with them
(${grpcDoc('keepalive.md')}; the client side of the rule is gRFC A8): the policy and its defaults are
those of keepalive.md's table.`,
  async record() {
    const scene = await Scene.start();
    const session = http2.connect(`http://${scene.target}`);
    session.on('error', () => {}); // the GOAWAY with an error code ends the session with an error
    await scene.settled();
    for (let i = 0; i < PINGS; i++) {
      const answered = await new Promise<boolean>((resolve) => {
        if (!session.ping((error) => resolve(!error))) resolve(false);
      });
      if (!answered) break;
    }
    scene.mark('pinged');
    await scene.until('the GOAWAY', frame('GOAWAY', { dir: 's2c' }));
    await new Promise((resolve) => (session.destroyed ? resolve(undefined) : session.once('close', resolve)));
    return scene.finish();
  },
  steps: [
    {
      title: 'The connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
A plain node:http2 client, as in [deadline.md](deadline.md#1-the-connection); the server's side is as
in [get-feature.md](get-feature.md#1-the-connection). No call is made on this connection.`,
    },
    {
      title: `${PINGS} PINGs; the last is one too many`,
      lead: 'c2s',
      before: 'pinged',
      s2c: frame('GOAWAY'),
      text: `
node:http2 answers each PING with a PING ACK by itself (${rfc9113('6.7')}), and reports it to the
code, which counts it (${code('src/server/keepalive.ts:keepSessionAlive')}). A PING is a strike when
the server has sent nothing but PING ACKs since the PING before it, and it comes sooner than the
policy allows: \`minPingIntervalMs\` (5 minutes by default) while a call runs, 2 hours when none does
and \`permitWithoutCalls\` is off (the default, as in grpc-go). The first PING is no strike: it has no
PING before it. The server tolerates \`maxPingStrikes\` strikes, ${SERVER_KEEPALIVE_DEFAULTS.maxPingStrikes}
by default (keepalive.md's GRPC_ARG_HTTP2_MAX_PING_STRIKES, "the maximum number of bad pings that the
server will tolerate"); the next is one too many.

After answering the last PING, the server sends GOAWAY with the error code ENHANCE_YOUR_CALM and the
debug data \`too_many_pings\` (${code('src/server/keepalive.ts:tooManyPings')}; keepalive.md: "the
connection will be terminated with a GOAWAY frame with "too_many_pings" as the debug data"). Its last
stream id is 0: no stream was opened. A gRPC client that receives it learns that it pings too often:
ours doubles its keepalive interval for its next connections, as gRFC A8 asks
(${code('src/client/keepalive.ts:ClientKeepalive.attach')}).`,
      shows: [
        {
          says: 'the next is one too many',
          holds: (s) =>
            framesOf(s, 'PING', { dir: 'c2s' }).length === PINGS &&
            framesOf(s, 'PING', { dir: 's2c', flags: ['ACK'] }).length === PINGS,
        },
        {
          says: 'the server sends GOAWAY with the error code ENHANCE_YOUR_CALM and the debug data `too_many_pings`',
          holds: (s) => {
            const [goaway] = framesOf(s, 'GOAWAY', { dir: 's2c' });
            return goaway?.errorCode === 'ENHANCE_YOUR_CALM' && goaway.debugData === 'too_many_pings';
          },
        },
        {
          says: 'Its last stream id is 0',
          holds: (s) => framesOf(s, 'GOAWAY', { dir: 's2c', lastStreamId: 0 }).length === 1,
        },
      ],
    },
    {
      title: 'The connection closes',
      lead: 's2c',
      rest: true,
      text: `
The server gives the GOAWAY a moment to reach the wire, then destroys the session
(${code('src/server/keepalive.ts:tooManyPings')}); node:http2 sends one more GOAWAY as it does,
with NO_ERROR. The client's node:http2 ends its session when a GOAWAY with an error code arrives
(its \`'error'\` event says ENHANCE_YOUR_CALM), and sends a GOAWAY NO_ERROR of its own as it goes.
Neither of these last two GOAWAYs is asked for by gRPC or HTTP/2: they are node:http2's way of
closing, and a later GOAWAY may repeat or lower the last stream id (${rfc9113('6.8')}). Then the TCP
connection closes.`,
      shows: [
        {
          says: 'node:http2 sends one more GOAWAY as it does, with NO_ERROR',
          holds: (s) => framesOf(s, 'GOAWAY', { dir: 's2c' }).every((f) => f.errorCode === 'NO_ERROR'),
        },
        {
          says: 'sends a GOAWAY NO_ERROR of its own as it goes',
          holds: (s) => framesOf(s, 'GOAWAY', { dir: 'c2s' }).some((f) => f.errorCode === 'NO_ERROR'),
        },
      ],
    },
  ],
};
