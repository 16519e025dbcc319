// The steps every transcript of our client has: the connection first, its closing last.

import { frame } from './events.js';
import { code, rfc9113 } from './links.js';
import type { Step } from './transcript.js';

/** Both sides' SETTINGS acknowledged: the connection is set up. */
export const connectionCut = {
  lead: 'c2s',
  c2s: frame('SETTINGS', { flags: ['ACK'] }),
  s2c: frame('SETTINGS', { flags: ['ACK'] }),
} as const;

/** The connection of our client, before the call; [get-feature.md](get-feature.md) explains it in full. */
export function connectionStep(): Step {
  return {
    title: 'The connection',
    ...connectionCut,
    text: `
The client connects before the call (${code('src/client/channel.ts:Channel.session')}; the script
waits for both SETTINGS ACKs, so that the exchange is not mixed with the call). Each side sends its
SETTINGS and widens the connection's flow-control window to 1 MiB with a WINDOW_UPDATE on stream 0
(${code('src/protocol/flow-control.ts:widenConnectionWindow')}); node:http2 sends the ACKs itself
(${rfc9113('6.5.3')}). [get-feature.md](get-feature.md#1-the-connection) goes through it line by line.`,
  };
}

/** The client closes its channel once the call is over: GOAWAY both ways, then the TCP close. */
export function closeStep(lastStreamId = 1): Step {
  return {
    title: 'The connection closes',
    lead: 'c2s',
    rest: true,
    text: `
The script closes the channel (${code('src/client/channel.ts:Channel.close')}): node:http2's
\`session.close()\` sends GOAWAY with last stream id 0 (the client processed no stream the server
opened). node:http2 shuts the server's session down when it receives a GOAWAY, and the server's
GOAWAY names ${lastStreamId === 0 ? 'stream 0: it processed none' : `stream ${lastStreamId}, the last it processed`} (${rfc9113('6.8')}). Each GOAWAY appears
twice: node:http2 sends it once more as it tears the session down, which RFC 9113 allows (a later
GOAWAY may not raise the last stream id). Then the TCP connection closes, and the tap counts the
bytes it relayed each way.`,
  };
}
