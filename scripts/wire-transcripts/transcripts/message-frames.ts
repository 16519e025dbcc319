import http2 from 'node:http2';
import { encodeEnvelope } from '../../../framing/index.js';
import { routeGuideDefinition } from '../../../src/services/routeguide/index.js';
import type { TapEvent } from '../../../src/wire/events.js';
import { frame, framesOf, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The length of each note's message: three of them are more than two DATA frames hold. */
const MESSAGE_LENGTH = 12_000;
/** RFC 9113 §4.2: SETTINGS_MAX_FRAME_SIZE starts at 2^14, and neither side here raises it. */
const MAX_FRAME_SIZE = 16_384;

/** Three notes at distinct locations, each with a message of MESSAGE_LENGTH letters. */
const NOTES = [1, 2, 3].map((n) => ({
  location: { latitude: n, longitude: n },
  message: String.fromCharCode(0x60 + n).repeat(MESSAGE_LENGTH),
}));

/** How much of each message the tap shows (its --max-body): enough to see the fields. */
const SHOWN_BODY = 60;

/** The DATA frames the client sent on stream 1. */
const clientData = (events: readonly TapEvent[]) => framesOf(events, 'DATA', { dir: 'c2s', stream: 1 });

/** What of the messages DATA frame `i` of the client carries, e.g. "1 whole, 2 start". */
function pieces(events: readonly TapEvent[], i: number): string | undefined {
  const segments = clientData(events)[i]?.segments;
  return segments?.map((p) => `${p.message} ${p.part}`).join(', ');
}

/** The server's DATA frames are left out (their messages stay): how its replies fall into frames varies. */
function withoutServerData(events: readonly TapEvent[]): TapEvent[] {
  return events.filter((e) => !(e.kind === 'frame' && e.type === 'DATA' && e.dir === 's2c'));
}

export const messageFrames: Transcript = {
  file: 'message-frames.md',
  title: 'Messages and DATA frames: a message over two frames, a frame over two messages',
  summary:
    'three RouteChat notes of 12,000 bytes written as one run of bytes: a message split across DATA frames, and a DATA frame that ends one message and starts the next',
  intro: `
DATA frame boundaries have no relation to message boundaries: "implementations should make no
assumptions about their alignment" (${protocol('Data Frames')}). Here a client writes three RouteChat
notes, whose messages are ${MESSAGE_LENGTH.toLocaleString('en')} letters each, as one run of bytes,
and half-closes with the last of them. The client is a bare node:http2 client that frames the notes
itself (${code('framing/envelope.ts:encodeEnvelope')}) and writes them with one \`stream.write()\`, as a
gRPC library that gathers its messages into one buffer would. The server echoes each note; its DATA
frames are left out here (the messages they carried stay), since how its replies fall into frames
depends on how the client's frames reached it, in one read or several. The tap shows the first
${SHOWN_BODY} bytes of each message (\`--max-body ${SHOWN_BODY}\`).`,
  async record() {
    const scene = await Scene.start({}, { maxBody: SHOWN_BODY });
    const session = http2.connect(`http://${scene.target}`);
    await scene.settled();
    const chat = routeGuideDefinition().methods.find((m) => m.name === 'RouteChat')!;
    const stream = session.request({
      ':method': 'POST',
      ':scheme': 'http',
      ':path': chat.path,
      ':authority': scene.target,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.end(Buffer.concat(NOTES.map((note) => encodeEnvelope(chat.request.serialize(note)))));
    stream.resume();
    await new Promise((resolve) => stream.once('close', resolve));
    session.close();
    const recording = await scene.finish();
    return { ...recording, events: withoutServerData(recording.events) };
  },
  steps: [
    {
      title: 'The connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
A plain node:http2 client, as in [deadline.md](deadline.md#1-the-connection): its first SETTINGS
frame is empty, so its SETTINGS_MAX_FRAME_SIZE is the initial ${MAX_FRAME_SIZE.toLocaleString('en')}
bytes, as is the server's. The server's side is as in [get-feature.md](get-feature.md#1-the-connection).`,
      shows: [
        {
          says: 'its first SETTINGS frame is empty',
          holds: (s) => framesOf(s, 'SETTINGS', { dir: 'c2s' })[0]?.length === 0,
        },
      ],
    },
    {
      title: 'Three messages in three DATA frames',
      lead: 'c2s',
      c2s: message('c2s', 1, 3),
      text: `
node:http2 cuts the one write into DATA frames of at most ${MAX_FRAME_SIZE.toLocaleString('en')} bytes,
the largest frame payload a receiver must take unless its SETTINGS_MAX_FRAME_SIZE says more
(${rfc9113('4.2')}), with no regard for where a message starts or ends:

- The first frame holds message 1 whole, then the 5-byte prefix of message 2 and the \`start\` of its
  body; the tap's note says that message 2 continues in the next frame.
- The second frame holds the \`end\` of message 2, then the prefix and the \`start\` of message 3.
- The third holds the \`end\` of message 3, with END_STREAM: the half-close rides on the last data.

The tap reassembles each message before it decodes it, and its \`message\` line says over how many
DATA frames the message was spread. Our server's reader does the same with
${code('framing/envelope.ts:EnvelopeDecoder.push')}, which takes the bytes of DATA frames in chunks of
any size, reads each 5-byte prefix wherever it falls, and hands on a message only when its body is
complete. A receiver that expected one message per frame, or a prefix at the start of each frame,
would misread messages 2 and 3.

Our own client's writer does not produce such frames: it writes each message as a buffer of its own,
and a message the stream's buffer cannot take waits for it to drain
(${code('src/call/writer.ts:MessageWriter.writeFramed')}); several small messages written in one tick
share a frame, as in [route-chat.md](route-chat.md#5-the-fourth-note-a-location-seen-before-two-replies-in-one-data-frame).`,
      shows: [
        {
          says: 'node:http2 cuts the one write into DATA frames',
          holds: (s) => {
            const lengths = clientData(s).map((f) => f.length);
            return lengths.length === 3 && lengths[0] === MAX_FRAME_SIZE && lengths[1] === MAX_FRAME_SIZE;
          },
        },
        {
          says: 'The first frame holds message 1 whole, then the 5-byte prefix of message 2 and the `start` of its body',
          holds: (s) => pieces(s, 0) === '1 whole, 2 start',
        },
        {
          says: 'The second frame holds the `end` of message 2, then the prefix and the `start` of message 3',
          holds: (s) => pieces(s, 1) === '2 end, 3 start',
        },
        {
          says: 'The third holds the `end` of message 3, with END_STREAM',
          holds: (s) => pieces(s, 2) === '3 end' && clientData(s)[2].flags.includes('END_STREAM'),
        },
      ],
    },
    {
      title: 'The replies and the trailers',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The server decodes each note once its last byte is in, and echoes it (nothing else is stored at these
locations): the Response-Headers, the three notes back, then the trailers. Its replies are as large as
the client's notes, and are cut into frames the same way.

Among them is a WINDOW_UPDATE on stream 1: the server's reader has taken two full frames, 32,768
bytes, half of the stream's 65,535-byte window, and the server gives them back, so that the client
may go on sending (${rfc9113('6.9')}). node:http2 sends it by itself: nghttp2, under it, returns
credit once at least half of a window has been taken, a choice of its own (RFC 9113 leaves when to
the receiver).
[flow-control.md](flow-control.md) shows a stream whose reader stops taking them.`,
      shows: [
        {
          says: 'Among them is a WINDOW_UPDATE on stream 1',
          holds: (s) =>
            framesOf(s, 'WINDOW_UPDATE', { dir: 's2c', stream: 1 }).some((f) => f.windowIncrement === 32_768),
        },
      ],
    },
    {
      title: 'The connection closes',
      lead: 'c2s',
      rest: true,
      text: `
The client's node:http2 first gives back on the connection the bytes of the replies it took (a
WINDOW_UPDATE on stream 0). Then the client closes its session: GOAWAY from each side, as in
[get-feature.md](get-feature.md#4-the-connection-closes).`,
    },
  ],
};
