import http2 from 'node:http2';
import { encodeEnvelope } from '../../../framing/index.js';
import { formatTimeout } from '../../../src/protocol/timeout.js';
import { routeGuideDefinition } from '../../../src/services/routeguide/index.js';
import { CANONICAL_NOTES } from '../../../test/helpers/chat.js';
import { closeStep } from '../common-steps.js';
import { frame, frameSequence, headerField, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The deadline the request carries. */
export const DEADLINE_MS = 1000;

export const deadline: Transcript = {
  file: 'deadline.md',
  title: 'A deadline that expires: grpc-timeout → DEADLINE_EXCEEDED',
  summary:
    'grpc-timeout on a RouteChat that never ends: the server ends it with DEADLINE_EXCEEDED in the trailers, then RST_STREAM NO_ERROR',
  intro: `
A RouteChat with a deadline of 1 s: the client sends one note, gets its echo, and then neither sends
more nor half-closes. When the deadline passes, the server ends the call.

The request comes from a bare node:http2 client that writes the gRPC headers and the framed note
itself and has no timer of its own. A gRPC client keeps the deadline on its side too: its expiry is
a client cancellation, RST_STREAM CANCEL (${protocol('Client Cancellation')}). Ours arms a timer for
the same instant and, when that fires first, resets the stream
(${code('src/client/call-engine.ts:ClientCallEngine.start')},
${code('src/client/call-engine.ts:ClientCallEngine.onDeadline')}).
Which of the two timers fires first decides what the wire shows, so a client without one shows the
server's side of the rule on every run; [cancel.md](cancel.md) shows the client's RST_STREAM.`,
  async record() {
    const scene = await Scene.start();
    const session = http2.connect(`http://${scene.target}`);
    await scene.settled();
    const chat = routeGuideDefinition().methods.find((m) => m.name === 'RouteChat')!;
    const stream = session.request({
      ':method': 'POST',
      ':scheme': 'http',
      ':path': chat.path,
      ':authority': scene.target,
      'grpc-timeout': formatTimeout(DEADLINE_MS),
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.write(encodeEnvelope(chat.request.serialize(CANONICAL_NOTES[0])));
    stream.resume();
    await new Promise((resolve) => stream.once('close', resolve));
    session.close();
    return scene.finish();
  },
  steps: [
    {
      title: 'The connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
A plain node:http2 client: its first SETTINGS frame is empty (the defaults), and it leaves the
connection window at its initial 65,535 bytes. The server's side is as in
[get-feature.md](get-feature.md#1-the-connection).`,
    },
    {
      title: 'The request, with grpc-timeout',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: message('s2c', 1, 1),
      text: `
\`grpc-timeout: 1000000u\` is 1 s in microseconds: TimeoutValue is at most 8 digits, and
${code('src/protocol/timeout.ts:formatTimeout')} (which our client uses too) takes the finest unit that
fits (${protocol('Requests')}). The header name is not in HPACK's static table: it is spelled out.
The server parses it (${code('src/protocol/timeout.ts:parseTimeout')}, in
${code('src/server/server.ts:Server.onStream')}) and arms the call's deadline
(${code('src/server/call-engine.ts:ServerCallEngine.constructor')}); the tap notes it too. The note
is echoed as in [route-chat.md](route-chat.md#2-the-call-opens-the-first-note-and-its-echo).`,
      shows: [
        { says: '`grpc-timeout: 1000000u`', holds: (s) => headerField(s, 'c2s', 'grpc-timeout')?.[1] === '1000000u' },
      ],
    },
    {
      title: 'The deadline passes: DEADLINE_EXCEEDED, then RST_STREAM NO_ERROR',
      lead: 's2c',
      s2c: frame('RST_STREAM', { stream: 1 }),
      text: `
One second after the headers arrived, ${code('src/server/call-engine.ts:ServerCallEngine.expire')}
ends the call: the handler's \`call.signal\` aborts, and the status goes out as trailers —
\`grpc-status: 4\` (DEADLINE_EXCEEDED) and \`grpc-message: Deadline exceeded\`
(${code('src/server/call-engine.ts:statusTrailers')}). ${protocol('Client Cancellation')} says that a server
that sees the deadline pass "should locally cancel the RPC and send RST_STREAM with CANCEL error
code"; this server sends a status every client can read instead (as grpc-js's server does), and
resets the stream only after it (below): a decision of this server
([docs/spec-map.md, decisions](../spec-map.md#19-decisions-the-spec-leaves-open)).
Had the server sent nothing yet, the status would have gone out Trailers-Only
([trailers-only.md](trailers-only.md)).

The client never half-closed, so the server follows the trailers with RST_STREAM NO_ERROR: it wants
no more of the request (${protocol('Early Server Closure')}; ${code('src/server/call-engine.ts:closeAfterTrailers')},
which waits one turn of the event loop so that nghttp2 does not drop the queued trailers). A reset with
NO_ERROR after the trailers does not change the status (${rfc9113('8.1')}).`,
      shows: [
        {
          says: 'the server follows the trailers with RST_STREAM NO_ERROR',
          holds: (s) => frameSequence(s, 's2c').join(', ') === 'HEADERS END_STREAM END_HEADERS, RST_STREAM',
        },
      ],
    },
    closeStep(),
  ],
};
