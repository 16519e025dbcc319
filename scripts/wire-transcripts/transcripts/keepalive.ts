import { closeStep, connectionStep } from '../common-steps.js';
import { frame } from '../events.js';
import { code, grpcDoc, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The client's keepalive interval. */
const KEEPALIVE_MS = 1000;

export const keepalive: Transcript = {
  file: 'keepalive-ping.md',
  title: 'Keepalive: PING and PING ACK',
  summary: "the client's keepalive PING on an idle connection and the server's PING ACK with the same 8 bytes",
  intro: `
Our client with keepalive on — a PING every second, even with no call running
(\`keepalive: { timeMs: ${KEEPALIVE_MS}, permitWithoutCalls: true }\`) — against our server with a
policy that permits it (\`keepalive: { permitWithoutCalls: true, minPingIntervalMs: 100 }\`). The
script opens the connection, waits for the first PING to be answered, and closes the channel.
${grpcDoc('keepalive.md')} describes keepalive; both sides' defaults are its table's: off on the
client; on the server a PING of its own every 2 hours, and from the client at most one PING every 5
minutes while the server sends no data, and none while no call runs.`,
  async record() {
    const scene = await Scene.start({ keepalive: { permitWithoutCalls: true, minPingIntervalMs: 100 } });
    const channel = scene.channel({ keepalive: { timeMs: KEEPALIVE_MS, permitWithoutCalls: true } });
    await scene.connect(channel);
    await scene.until('the PING ACK', frame('PING', { dir: 's2c', flags: ['ACK'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'A second later: PING, PING ACK',
      lead: 'c2s',
      c2s: frame('PING'),
      s2c: frame('PING', { flags: ['ACK'] }),
      text: `
${code('src/client/keepalive.ts:ClientKeepalive.attach')} arms a timer when the connection is up and,
when it fires, pings (${code('src/protocol/keepalive-ping.ts:pingOrDestroy')}): \`session.ping()\`
sends a PING on stream 0 with 8 bytes of data (node:http2 puts a timestamp in them). If no ACK came
within the keepalive timeout (20 s by default), the connection would count as dead: destroyed, its
calls failed with UNAVAILABLE.

node:http2 answers every PING by itself with a PING ACK carrying the same 8 bytes
(${rfc9113('6.7')}); the tap pairs them up. On the server, every PING received goes through the ping
policing (${code('src/server/keepalive.ts:keepSessionAlive')}): when the server has sent nothing but
PING ACKs since the last PING, a PING sooner than \`minPingIntervalMs\` after it (or, with no call
running while \`permitWithoutCalls\` is off, sooner than 2 hours, as grpc-go) is a strike. The server
tolerates \`maxPingStrikes\` strikes, 2 by default; the next one brings GOAWAY ENHANCE_YOUR_CALM
"too_many_pings" (${grpcDoc('keepalive.md')}; [too-many-pings.md](too-many-pings.md) shows it). This
PING is within the policy. The client's next PING would come a
second after this ACK; the script closes the channel first.`,
    },
    closeStep(0),
  ],
};
