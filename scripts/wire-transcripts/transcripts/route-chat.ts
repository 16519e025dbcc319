import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, framesOf, message, messagesPerDataFrame } from '../events.js';
import { code, protocol, rfc7541 } from '../links.js';
import { Scene } from '../scene.js';
import type { Claim, Step, Transcript } from '../transcript.js';

/**
 * How many notes the server sends back for each canonical note: the notes stored at its location
 * before it, then the note itself. The six notes visit three locations twice.
 */
const REPLIES = [1, 1, 1, 2, 2, 2];
/** The server's messages up to and including the replies to note `n` (from 1). */
const repliesUpTo = (n: number) => REPLIES.slice(0, n).reduce((a, b) => a + b, 0);

/** Note `n` (from 1) and the replies to it. */
function noteStep(n: number, title: string, text: string, shows?: Claim[]): Step {
  return { title, lead: 'c2s', c2s: message('c2s', 1, n), s2c: message('s2c', 1, repliesUpTo(n)), text, shows };
}

export const routeChat: Transcript = {
  file: 'route-chat.md',
  title: 'RouteChat: the canonical six notes',
  summary:
    'the bidirectional call of the grpc-go example, note by note: a DATA frame per note, two replies in one DATA frame, the half-close on an empty DATA frame',
  intro: `
RouteChat is the bidirectional call: the client sends notes, each at a location, and for each note
the server sends back the notes stored at that location before it, oldest first, then the note itself
(${code('src/services/routeguide/service.ts:routeGuideHandlers.routeChat')}). These are the six notes
of the grpc-go example client, at three locations, each visited twice: the first three notes come
back alone, the last three with the note stored before them — nine replies in all, on a fresh server.

The script sends each note with our client and waits for its replies before sending the next, so
each step below is one note and its answer. (The grpc-go example client sends all six notes at once:
[route-chat-grpc-go.md](route-chat-grpc-go.md).)`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    const chat = routeGuideClient(channel).routeChat();
    const replies = chat[Symbol.asyncIterator]();
    for (const [i, note] of CANONICAL_NOTES.entries()) {
      await chat.send(note);
      for (let r = 0; r < REPLIES[i]; r++) await replies.next();
      await scene.until(`the replies to note ${i + 1}`, message('s2c', 1, repliesUpTo(i + 1)));
    }
    chat.closeSend();
    await replies.next();
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    noteStep(
      1,
      'The call opens: the first note and its echo',
      `
\`routeChat()\` opens the stream: ${code('src/client/call-engine.ts:ClientCallEngine.start')} sends the
Request-Headers (${protocol('Requests')}; [get-feature.md](get-feature.md#2-the-request-headers-then-one-data-frame-with-the-message)
reads them field by field). Nothing ends the stream: the client has more to send.

\`await chat.send(note)\` frames the note (${code('src/call/writer.ts:MessageWriter.write')}): the
5-byte prefix \`00 00000013\` — Compressed-Flag 0, length 19 — and the RouteNote (\`latitude: 0\` is
not on the wire: proto3 leaves a field at its default value off). On the server the
handler runs as soon as the call starts, since its requests stream
(${code('src/server/call-engine.ts:ServerCallEngine.invoke')}), and its \`for await\` receives the note. The note
store keeps it and returns what was stored at (0, 1) before: nothing
(${code('src/services/routeguide/memory-note-store.ts:MemoryNoteStore.append')}). So the only reply is
the note itself. The first \`call.send()\` sends the Response-Headers first
(${code('src/server/call-engine.ts:ServerCallEngine.send')}), then the message in its own DATA frame.`,
      [
        {
          says: 'Compressed-Flag 0, length 19',
          holds: (s) => {
            const note = s.find(message('c2s', 1, 1));
            return (
              note?.prefix.length === '0x00000013' &&
              !('latitude' in ((note.message as { location?: object }).location ?? {}))
            );
          },
        },
      ],
    ),
    noteStep(
      2,
      'The second note: a new location',
      `
Each note is one DATA frame: the client writes it with \`await chat.send()\` and waits for the reply
before the next. The server's answer is again the note alone, since nothing was stored at (0, 2). The
stream's HEADERS went out once, at the start: everything after them on stream 1 is DATA.`,
    ),
    noteStep(
      3,
      'The third note: a new location',
      `
As the second note, at (0, 3). The DATA frame's length is the message's plus 5, its prefix: 24 bytes
for a 19-byte note.`,
      [
        {
          says: '24 bytes for a 19-byte note',
          holds: (s) =>
            s.find(message('c2s', 1, 3))?.bytes === 19 && framesOf(s, 'DATA', { dir: 'c2s' })[0]?.length === 24,
        },
      ],
    ),
    noteStep(
      4,
      'The fourth note: a location seen before, two replies in one DATA frame',
      `
"Fourth message" is at (0, 1), where "First message" is stored: the handler sends the stored note,
then the new one, with two \`await call.send()\`. Both are written in the same tick of the event loop,
so they leave in one DATA frame: the writer corks the stream and one \`process.nextTick\` uncorks
every stream corked in the tick (${code('src/call/writer.ts:MessageWriter.writeFramed')},
${code('src/call/writer.ts:corkForThisTick')}). The tap shows where each message sits in the frame, and
then each message with its own prefix: message boundaries and DATA frame boundaries are independent
(${protocol('Data Frames')}).`,
      [{ says: 'so they leave in one DATA frame', holds: (s) => messagesPerDataFrame(s, 's2c').join(' ') === '2' }],
    ),
    noteStep(
      5,
      'The fifth note: two replies',
      `
As the fourth note, at (0, 2): "Second message", then "Fifth message", in one DATA frame.`,
    ),
    noteStep(
      6,
      'The sixth note: two replies',
      `
As the fourth note, at (0, 3): "Third message", then "Sixth message". Nine replies in all.`,
    ),
    {
      title: 'The half-close and the trailers',
      lead: 'c2s',
      c2s: frame('DATA', { stream: 1, flags: ['END_STREAM'] }),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
\`chat.closeSend()\` half-closes the stream (${code('src/client/call-engine.ts:ClientCallEngine.closeSend')}):
with nothing left to send, END_STREAM goes on an empty DATA frame (${protocol('Requests')}). On the
server the handler's \`for await\` ends and the handler returns; ${code('src/server/call-engine.ts:ServerCallEngine.handlerReturned')}
ends the call with OK once its sends are written, and the trailers carry \`grpc-status: 0\`
(${code('src/server/call-engine.ts:statusTrailers')}). The HPACK block of the trailers is 12 bytes: the
name \`grpc-status\` is not in the static table (${rfc7541('2.3.1')}), so it is spelled out, and enters
the dynamic table for the next call on this connection. The client's \`for await\` ends, and
\`chat.status\` resolves OK (${code('src/client/call-engine.ts:ClientCallEngine.settle')}).`,
      shows: [
        {
          says: 'END_STREAM goes on an empty DATA frame',
          holds: (s) => framesOf(s, 'DATA', { dir: 'c2s', flags: ['END_STREAM'] }).every((f) => f.length === 0),
        },
        {
          says: 'The HPACK block of the trailers is 12 bytes',
          holds: (s) => framesOf(s, 'HEADERS', { dir: 's2c', flags: ['END_STREAM'] })[0]?.headerBlock?.bytes === 12,
        },
      ],
    },
    closeStep(),
  ],
};
