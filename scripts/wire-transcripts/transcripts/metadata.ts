import { createClient, Metadata } from '../../../src/client/index.js';
import { Status } from '../../../src/protocol/status.js';
import {
  ECHO_INITIAL_KEY,
  ECHO_TRAILING_KEY,
  testServiceDefinition,
  testServiceHandlers,
  type TestServiceClient,
} from '../../../src/services/testing/index.js';
import type { TapEvent } from '../../../src/wire/events.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, framesOf, headerField, message } from '../events.js';
import { code, grpcDoc, protocol, rfc7541 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The ASCII value of the interop test's custom_metadata case. */
const INITIAL_VALUE = 'test_initial_metadata_value';
/** Four bytes: their base64 would end in padding, which a sender should leave out. */
const TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab, 0xab]);
/** The status message of the interop test's special_status_message case. */
const SPECIAL_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

/** The header block the server sent on `stream` that ends it (trailers or Trailers-Only). */
const lastBlock = (events: readonly TapEvent[], stream: number) =>
  framesOf(events, 'HEADERS', { dir: 's2c', stream, flags: ['END_STREAM'] })[0];

export const metadata: Transcript = {
  file: 'metadata.md',
  title: 'Custom metadata, a -bin key, and a percent-encoded grpc-message',
  summary:
    'custom metadata both ways, a -bin value in unpadded base64, and a grpc-message with whitespace and Unicode, percent-encoded',
  intro: `
Two unary calls of the interop TestService (${grpcDoc('interop-test-descriptions.md')}), which our
server serves beside RouteGuide (${code('src/services/testing/service.ts:testServiceHandlers')}). Both
use its "Echo Metadata" feature: a request header \`${ECHO_INITIAL_KEY}\` comes back as a response
header, and \`${ECHO_TRAILING_KEY}\` as a trailer. The first call succeeds; the second asks, with
"Echo Status", to fail with UNKNOWN and the message of the interop case special_status_message, which
holds tabs, line breaks and characters outside ASCII.`,
  async record() {
    const scene = await Scene.start();
    scene.server.addService(testServiceDefinition(), testServiceHandlers());
    const channel = scene.channel();
    await scene.connect(channel);
    const test = createClient<TestServiceClient>(testServiceDefinition(), channel);
    const echo = () => new Metadata().set(ECHO_INITIAL_KEY, INITIAL_VALUE).set(ECHO_TRAILING_KEY, TRAILING_VALUE);
    await test.unaryCall({}, { metadata: echo() });
    const failing = test.unaryCall(
      { response_status: { code: Status.UNKNOWN, message: SPECIAL_MESSAGE } },
      { metadata: echo() },
    );
    await failing.then(
      () => {
        throw new Error('the call asked to fail with UNKNOWN succeeded');
      },
      () => {}, // UNKNOWN, with the special message: what the transcript shows
    );
    await scene.until('the second status', frame('HEADERS', { dir: 's2c', stream: 3, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'A call with custom metadata',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
Custom metadata are header fields of the application's own, after the Call-Definition headers
(${protocol('Requests')}: Custom-Metadata). A name is lower-case letters, digits, \`_\`, \`-\` and \`.\`
(${code('src/protocol/metadata.ts:invalidMetadataName')}). An ASCII value goes as it is; a name that
ends in \`-bin\` carries bytes, which travel base64-encoded, since a header value cannot hold any
byte. Receivers "MUST accept padded and un-padded values", senders "should emit un-padded values":
the four bytes \`ab ab ab ab\` are \`q6urqw\`, not \`q6urqw==\`
(${code('src/protocol/metadata.ts:encodeBinaryValue')}; the receiving side,
${code('src/protocol/incoming-metadata.ts:decodeBinaryValue')}, takes both).

The server echoes \`${ECHO_INITIAL_KEY}\` in its Response-Headers, after \`content-type\`, and
\`${ECHO_TRAILING_KEY}\` in its Trailers, before \`grpc-status\`
(${code('src/server/call-engine.ts:statusTrailers')}): custom metadata may ride in both
(${protocol('Responses')}). Our client hands the first to the caller as \`call.headers\`, the second
as \`call.trailers\`, the bytes decoded back.`,
      shows: [
        {
          says: 'the four bytes `ab ab ab ab` are `q6urqw`',
          holds: (s) =>
            headerField(s, 'c2s', ECHO_TRAILING_KEY)?.[1] === 'q6urqw' &&
            headerField(s, 's2c', ECHO_TRAILING_KEY)?.[1] === 'q6urqw',
        },
        {
          says: `The server echoes \`${ECHO_INITIAL_KEY}\` in its Response-Headers, after \`content-type\``,
          holds: (s) => {
            const response = framesOf(s, 'HEADERS', { dir: 's2c', stream: 1 })[0];
            const names = response?.headers?.map(([name]) => name).join(' ');
            return response?.headerBlock?.kind === 'response' && names === `:status content-type ${ECHO_INITIAL_KEY}`;
          },
        },
        {
          says: `\`${ECHO_TRAILING_KEY}\` in its Trailers, before \`grpc-status\``,
          holds: (s) =>
            lastBlock(s, 1)
              ?.headers?.map(([name]) => name)
              .join(' ') === `${ECHO_TRAILING_KEY} grpc-status`,
        },
      ],
    },
    {
      title: 'A failing call: the status message percent-encoded',
      lead: 'c2s',
      c2s: message('c2s', 3, 1),
      s2c: frame('HEADERS', { stream: 3, flags: ['END_STREAM'] }),
      text: `
The second call's request headers are mostly indices now: the first call put its fields in HPACK's
dynamic table. The server fails it before sending a message, so the answer is Trailers-Only: one
HEADERS frame with END_STREAM, in which the echoed response header and trailer travel with the
status (${code('src/server/call-engine.ts:statusTrailers')}).

\`grpc-message\` is "conceptually a Unicode string description of the error, physically encoded as
UTF-8 followed by percent-encoding" (${protocol('Responses')}): bytes from space to \`~\` go as they
are, except \`%\`, and every other byte as \`%\` and two upper-case hex digits
(${code('src/protocol/status-message.ts:encodeStatusMessage')}). So the tab and line breaks become
\`%09\`, \`%0A\`, \`%0D\`; ☺ (U+263A) is three UTF-8 bytes, \`%E2%98%BA\`; 😈 (U+1F608) four,
\`%F0%9F%98%88\`. The client decodes it back
(${code('src/protocol/status-message.ts:decodeStatusMessage')}), and its call fails with UNKNOWN and
the message exactly as the handler gave it. The tap decodes it too, for its \`CALL\` line, where it
writes the control characters as escapes (\`\\t\`, \`\\n\`, \`\\r\`) so that no peer can break its lines or
send escape sequences to a terminal.

The indices in this block also show how HPACK's dynamic table moves (${rfc7541('2.3.3')}): a new entry
goes in at index 62 and pushes the others up. \`content-type\` is at 65 here; \`grpc-accept-encoding\`,
a literal with incremental indexing, enters the table just after it, so the next field,
\`${ECHO_INITIAL_KEY}\`, which was at 64, is now at 65 too. [hpack.md](hpack.md) follows a table
until it evicts.`,
      shows: [
        {
          says: 'so the answer is Trailers-Only',
          holds: (s) => lastBlock(s, 3)?.headerBlock?.kind === 'trailers-only',
        },
        {
          says: '`%09`, `%0A`, `%0D`; ☺ (U+263A) is three UTF-8 bytes, `%E2%98%BA`; 😈 (U+1F608) four, `%F0%9F%98%88`',
          holds: (s) =>
            headerField(s, 's2c', 'grpc-message')?.[1] ===
            '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A',
        },
      ],
    },
    closeStep(3),
  ],
};
