// docs/wire/README.md: what each transcript shows, how to read and regenerate them, and what is
// normalised so that every run writes the same files.

import { code } from './links.js';
import { reflow } from './reflow.js';
import { SHOWN_CLIENT_PORT, SHOWN_SERVER_PORT, SHOWN_TAP_PORT } from './normalise.js';
import { GENERATED_NOTE, type Transcript } from './transcript.js';

export function indexMarkdown(transcripts: readonly Transcript[]): string {
  const list = transcripts.map((t) => reflow(`- [${t.title}](${t.file}): ${t.summary}.`)).join('\n');
  const blocks = [
    GENERATED_NOTE,
    '# Wire transcripts',
    reflow(`
Real calls between gRPC clients and our server, as \`routeguide tap\` shows them
([docs/tap.md](../tap.md)): every HTTP/2 frame, how each header was
HPACK-encoded, where each 5-byte message prefix sits, each message decoded, and the rule each event
follows. Each transcript cuts one recording into steps; after each step's frames, a few lines say what
they show and link the code that produced them, on the client and on the server, and the spec.`),
    list,
    reflow(`
Start with [get-feature.md](get-feature.md): the others refer to it for what they share. The
[reading path](../reading-order.md) draws the same calls as sequence diagrams, and the
[spec map](../spec-map.md) lists every rule with the code that keeps it and the test that proves it.`),
    '## Reading a transcript',
    `\`\`\`text
#1  s1    C→S HEADERS [END_HEADERS] 114 bytes
       :method: POST                                    indexed (static 3)
       …
       (HPACK block: 114 bytes in 1 frame; dynamic table now 5 entries, 293 bytes)
       ↳ Request-Headers: call /routeguide.RouteGuide/GetFeature
#1  s1    C→S message 1 routeguide.Point  prefix flag 0x00 length 0x00000011 (17 bytes)
       {"latitude":409146138,"longitude":-746188906}
\`\`\``,
    reflow(`
Each line is one event of the tap, in its text format without colour and without its first column,
the time since the tap started: the connection (\`#1\`), the stream (\`s0\` is the connection itself),
the direction (\`C→S\` client to server, \`S→C\` server to client), then the frame's type, its flags and
its payload length. Below it, indented, what the frame holds: header fields with their HPACK
representation, SETTINGS, where each message sits in a DATA frame. A \`message\` line is a gRPC message
put back together from DATA frames: the Compressed-Flag and the Message-Length of its prefix in hex,
then the message decoded as JSON (the tap takes the types from the server's reflection). \`↳\` is the
tap's note: the rule the event shows. \`CALL\` sums up a call when it ends.`),
    '## Making them',
    `\`\`\`sh
npm run docs:wire                          # every transcript, into docs/wire/
npm run docs:wire -- --only cancel.md      # one (--only again for more)
npm run docs:wire -- --out /tmp/wire       # somewhere else
\`\`\``,
    reflow(`
[scripts/docs-wire.ts](../../scripts/docs-wire.ts) runs each transcript of
[scripts/wire-transcripts/](../../scripts/wire-transcripts/) on its own fresh server (our
${code('src/server/server.ts:Server')} with RouteGuide over the canonical database, and reflection),
with the tap in front of it (${code('src/wire/tap.ts:startTap')}, the code of \`routeguide tap\`),
drives the calls, and writes the markdown: the words come
from the transcript's file, the frames from the run. Where the words say what the frames show (a
SETTINGS value, how many messages share a DATA frame, which frame comes first, a header block's
size), the step says so in its \`shows\` list, with a test of the recording; the generator refuses to
write a transcript whose text claims what its run did not show. Without Go, \`route-chat-grpc-go.md\` is skipped
with the reason and the committed file stays.`),
    reflow(`
\`test/docs/wire.test.ts\` runs the same generator into a temporary directory and compares every file
with the one committed here: a transcript that no longer matches what the code does fails the test,
with the difference. Run \`npm run docs:wire\` and read \`git diff docs/wire/\`: the change should be
the one the code change meant. \`test/docs/spec-map.test.ts\` checks every code reference of these
pages (a file, and a name declared in it) and every link, as it does for the spec map.`),
    '## What is made the same on every run',
    reflow(`
What changes from one run to the next is replaced, and the rest is arranged so that it does not
change:`),
    reflow(`
- **Steps.** The tap emits each direction's events in the order of that direction's bytes, but how
  the two directions interleave depends on which socket was read first. So each step takes, from each
  direction, the events up to a given frame of that direction, and shows them as two blocks: the side
  that acts in the step first, then the other side, each in its own byte order. A \`CALL\` summary
  goes with the frame that ended the call.
- **Calls, one step at a time.** The client opens its connection and waits for both SETTINGS ACKs
  before the first call, so the SETTINGS exchange is not mixed with the call; RouteChat sends each
  note once the replies to the one before are in; RecordRoute sends a fixed route rather than the
  example client's random one; each transcript has a server of its own, so RouteChat's notes start
  from none.
- **Times** are left out: the time column, the time in the note of a SETTINGS ACK, a PING's round
  trip, a call's duration.
- **Ports**: the server is shown on ${SHOWN_SERVER_PORT} and the tap on ${SHOWN_TAP_PORT} (also in
  \`:authority\`, which names the tap), as in the examples of the README and docs/tap.md, and the client's ephemeral port as
  \`${SHOWN_CLIENT_PORT}\`.
- **Versions** in \`user-agent\` are shown as \`x.y.z\` (\`routeguide-h2/x.y.z\`, \`grpc-go/x.y.z\`).
- **PING data** (node:http2 sends a timestamp) is shown as \`payload 1 (8 bytes)\`, the same number
  for the PING and its ACK; grpc-go's BDP PINGs carry the same 8 bytes on every run, and
  [bdp-grpc-go.md](bdp-grpc-go.md) shows them as they are.
- **grpc-timeout** from grpc-go is the time left on its clock: the digits after the first two are
  shown as x, in the header and in the tap's note. When two of grpc-go's calls happen to send the
  same value, HPACK indexes the second and the header block changes; the generator then runs the
  client again.
- **Deadlines**: a client's own timer and the server's fire at about the same instant, and which one
  is first decides what the wire shows. [deadline.md](deadline.md) uses a client without a timer.`),
    reflow(`
Byte counts are never replaced: the lengths of the values above, and so their HPACK encodings, are
the same on every run (an ephemeral port has five digits, and \`127.0.0.1:\` with any five digits
takes eleven bytes Huffman-coded). A new version of the package with a longer number would change
them: run \`npm run docs:wire\` again.`),
  ];
  return `${blocks.join('\n\n')}\n`;
}
