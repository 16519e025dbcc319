import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, frameSequence, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

export const cancel: Transcript = {
  file: 'cancel.md',
  title: 'Cancellation: RST_STREAM CANCEL',
  summary: 'a RouteChat cancelled by the client: an empty DATA frame with END_STREAM, then RST_STREAM CANCEL',
  intro: `
Our client opens a RouteChat, sends one note, gets its echo back, and then cancels the call —
\`chat.cancel()\`; an aborted \`signal\` or a \`break\` out of \`for await\` do the same. The client
decides the status itself (CANCELLED); the server learns of it from the RST_STREAM.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    const chat = routeGuideClient(channel).routeChat();
    const replies = chat[Symbol.asyncIterator]();
    await chat.send(CANONICAL_NOTES[0]);
    await replies.next();
    await scene.until('the echo', message('s2c', 1, 1));
    chat.cancel();
    await chat.status;
    await scene.until('the reset', frame('RST_STREAM', { dir: 'c2s', stream: 1 }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'A call in flight: one note and its echo',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: message('s2c', 1, 1),
      text: `
As the first note of [route-chat.md](route-chat.md#2-the-call-opens-the-first-note-and-its-echo):
the request headers and the note, then the response headers and the echo. The call stays open: the
client has not half-closed, and the server's handler waits in its \`for await\` for the next note.`,
    },
    {
      title: 'The client cancels',
      lead: 'c2s',
      c2s: frame('RST_STREAM', { stream: 1 }),
      text: `
\`chat.cancel()\` ends the call locally with CANCELLED and resets the stream with the code CANCEL
(${code('src/client/call-engine.ts:ClientCallEngine.cancel')}, which calls
${code('src/client/call-engine.ts:ClientCallEngine.fail')}: \`stream.close(NGHTTP2_CANCEL)\`), as ${protocol('Client Cancellation')}
asks. node:http2 first ends the stream's writable side (its \`close()\` calls \`end()\`), so an empty
DATA frame with END_STREAM goes out just before the RST_STREAM. That frame is node:http2's, not the
protocol's: for gRPC the cancellation is the RST_STREAM alone, and the END_STREAM in front of it is
the half-close of a complete request (${protocol('Requests')}). The tap's note can only read it so.
A server reading a client-streaming call (RecordRoute, say) may therefore see the request end
normally, take it as complete and act on it before the RST_STREAM arrives: only the reset says the
call was cancelled, and \`call.signal\` aborts when it comes. The tap's \`CALL\` line follows the RST_STREAM: the status the code
means is CANCELLED (${protocol('Errors')}; ${code('src/protocol/rst-code.ts:codeFromRstCode')}).

Nothing comes back: on the server the stream closes with the code CANCEL, and
${code('src/server/call-engine.ts:ServerCallEngine.onStreamClose')} ends the call as cancelled — the
handler's \`call.signal\` aborts and its sends reject — without a frame of its own: a reset stream is closed
(${rfc9113('6.4')}).`,
      shows: [
        {
          says: 'an empty DATA frame with END_STREAM goes out just before the RST_STREAM',
          holds: (s) => frameSequence(s, 'c2s').join(', ') === 'DATA END_STREAM, RST_STREAM',
        },
        { says: 'Nothing comes back', holds: (s) => frameSequence(s, 's2c').length === 0 },
      ],
    },
    closeStep(),
  ],
};
