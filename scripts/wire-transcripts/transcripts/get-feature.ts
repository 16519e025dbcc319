import { DEFAULT_INITIAL_WINDOW_SIZE, DEFAULT_MAX_CONCURRENT_STREAMS } from '../../../src/server/options.js';
import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { closeStep, connectionCut } from '../common-steps.js';
import { byteRanges, frame, framesOf, headerField, message, setting } from '../events.js';
import { code, protocol, rfc7541, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** HTTP/2's initial flow-control window (RFC 9113 §6.9.2), and the 1 MiB both sides widen theirs to. */
const HTTP2_INITIAL_WINDOW = 65_535;
const MIB = 1024 * 1024;

/** The point of the grpc-go example client's first GetFeature: a named feature. */
export const FEATURE_POINT = { latitude: 409146138, longitude: -746188906 };

export const getFeature: Transcript = {
  file: 'get-feature.md',
  title: 'GetFeature: a unary call',
  summary:
    'one request, one response: the connection set up line by line, the request headers HPACK-encoded, the 5-byte message prefix, the response headers, the message and the trailers; then every byte of the call in hex',
  intro: `
Our client asks our server for the feature at latitude 409146138, longitude -746188906 (degrees ×
10^7): one request message, one response message, the simplest gRPC call. This is the transcript to
read first: the others refer to it for what they share.`,
  async record() {
    const scene = await Scene.start({}, { hex: true });
    const channel = scene.channel();
    await scene.connect(channel);
    await routeGuideClient(channel).getFeature(FEATURE_POINT);
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    {
      title: 'The connection',
      ...connectionCut,
      text: `
The client opens its connection (${code('src/client/channel.ts:Channel.session')}, the one place a
connection is made; a call opens one when there is none). Here the script opens it before the call
and waits until both sides have acknowledged each other's SETTINGS, so that the exchange is not
mixed with the call: a client does not have to wait for it.

- The 24-byte preface and each side's first SETTINGS are node:http2's own (${rfc9113('3.4')}); the
  values come from the code. The client's, from ${code('src/client/channel.ts:Channel.constructor')}:
  ENABLE_PUSH 0 (gRPC does not use server push) and a 1 MiB window for each stream. The server's, from
  ${code('src/server/server.ts:Server.listen')}: at most ${DEFAULT_MAX_CONCURRENT_STREAMS} concurrent streams, and a
  ${DEFAULT_INITIAL_WINDOW_SIZE.toLocaleString('en')}-byte window for each stream (${code('src/server/options.ts:DEFAULT_INITIAL_WINDOW_SIZE')}, grpc-go's:
  it bounds what a stream whose handler is not reading may have in flight).
- SETTINGS_INITIAL_WINDOW_SIZE sizes the windows of streams only; the connection's window starts at
  65,535 bytes whatever SETTINGS say (${rfc9113('6.9.2')}). Both sides widen it to 1 MiB at once with
  a WINDOW_UPDATE on stream 0: ${code('src/protocol/flow-control.ts:widenConnectionWindow')}, called
  by ${code('src/client/channel.ts:Channel.session')} and by the server for each new connection
  (${code('src/server/server.ts:Server.onSession')}).
- node:http2 acknowledges each side's SETTINGS by itself (${rfc9113('6.5.3')}); the tap's note says
  what the acknowledged values change.`,
      shows: [
        { says: 'ENABLE_PUSH 0', holds: (s) => setting(s, 'c2s', 'SETTINGS_ENABLE_PUSH') === 0 },
        {
          says: 'a 1 MiB window for each stream',
          holds: (s) => setting(s, 'c2s', 'SETTINGS_INITIAL_WINDOW_SIZE') === MIB,
        },
        {
          says: `at most ${DEFAULT_MAX_CONCURRENT_STREAMS} concurrent streams`,
          holds: (s) => setting(s, 's2c', 'SETTINGS_MAX_CONCURRENT_STREAMS') === DEFAULT_MAX_CONCURRENT_STREAMS,
        },
        {
          says: `${DEFAULT_INITIAL_WINDOW_SIZE.toLocaleString('en')}-byte window for each stream`,
          holds: (s) => setting(s, 's2c', 'SETTINGS_INITIAL_WINDOW_SIZE') === DEFAULT_INITIAL_WINDOW_SIZE,
        },
        {
          says: 'Both sides widen it to 1 MiB at once with a WINDOW_UPDATE on stream 0',
          holds: (s) =>
            (['c2s', 's2c'] as const).every((dir) =>
              framesOf(s, 'WINDOW_UPDATE', { dir, stream: 0 }).some(
                (f) => f.windowIncrement === MIB - HTTP2_INITIAL_WINDOW,
              ),
            ),
        },
      ],
    },
    {
      title: 'The request: HEADERS, then one DATA frame with the message',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      text: `
${code('src/client/call-engine.ts:ClientCallEngine.start')} writes the Request-Headers
(${protocol('Requests')}): the reserved \`:\` headers first, then \`content-type\`,
\`grpc-accept-encoding\` (what the client can inflate: ${code('src/protocol/compression.ts:ACCEPT_ENCODING')}),
\`te: trailers\` (${code('src/protocol/headers.ts:TE_TRAILERS')}, which tells proxies that the client
expects trailers) and \`user-agent\` (${code('src/version.ts:USER_AGENT')}). The call has no deadline,
so there is no \`grpc-timeout\`. Stream 1 is the client's first: client streams are odd and rise
(${rfc9113('5.1.1')}).

node:http2 compresses the block with HPACK (${rfc7541()}); the tap decodes it with a decoder of its
own and names each field's representation: \`:method: POST\` and \`:scheme: http\` are whole entries of
the static table, one byte each; the other fields are literals whose names come from the static table
or are spelled out, and whose values are Huffman-coded (${rfc7541('5.2')}). Fields sent with
"incremental indexing" enter the dynamic table: a second call on this connection would send each of
them as one byte ([route-chat-grpc-go.md](route-chat-grpc-go.md) shows it). nghttp2, under node:http2,
never indexes \`:path\`.

The message follows in one DATA frame with END_STREAM: for a unary call the request is complete, so
${code('src/client/call-engine.ts:ClientCallEngine.sendOnly')} frames the message and ends the stream
in one write. The tap shows where the message sits in the frame, and the 5-byte prefix in hex
(${protocol('Requests')}, Length-Prefixed-Message): Compressed-Flag \`0x00\`, then the length
\`0x00000011\`, 17 bytes of protobuf. The framing is ${code('framing/envelope.ts:writePrefix')}, called
by ${code('src/call/writer.ts:frameMessage')}.`,
      shows: [
        {
          says: '`:method: POST` and `:scheme: http` are whole entries of the static table, one byte each',
          holds: (s) =>
            headerField(s, 'c2s', ':method')?.[2] === 'indexed (static 3)' &&
            headerField(s, 'c2s', ':scheme')?.[2] === 'indexed (static 6)',
        },
        {
          says: 'nghttp2, under node:http2, never indexes `:path`',
          holds: (s) => headerField(s, 'c2s', ':path')?.[2].startsWith('literal without indexing') === true,
        },
        { says: 'so there is no `grpc-timeout`', holds: (s) => headerField(s, 'c2s', 'grpc-timeout') === undefined },
        {
          says: 'The message follows in one DATA frame with END_STREAM',
          holds: (s) => {
            const data = framesOf(s, 'DATA', { dir: 'c2s' });
            return data.length === 1 && data[0].flags.includes('END_STREAM');
          },
        },
      ],
    },
    {
      title: 'The response: HEADERS, DATA, trailers',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
On the server, ${code('src/server/server.ts:Server.onStream')} checks the request headers (POST, the
content-type, the \`:path\` through ${code('src/server/router.ts:Router.find')}) and makes the call. A
unary handler runs once the one request message and END_STREAM are in
(${code('src/server/call-engine.ts:ServerCallEngine.start')}); it returns the feature, and
${code('src/server/call-engine.ts:ServerCallEngine.sendLast')} sends the Response-Headers and the
message in one write (${protocol('Responses')}). The headers are \`:status: 200\` and \`content-type\`:
no message of this response is compressed, so it names no \`grpc-encoding\`.

The Trailers follow in a HEADERS frame with END_STREAM: \`grpc-status: 0\`, OK
(${code('src/server/call-engine.ts:statusTrailers')}). node:http2 asks for them once the last DATA is
written ('wantTrailers': ${code('src/server/call-engine.ts:ServerCallEngine.onWantTrailers')}).

The client reads the headers in ${code('src/client/call-engine.ts:ClientCallEngine.onResponse')} and
the status from the trailers (${code('src/protocol/response-status.ts:parseTrailers')}), once the
stream has closed (${code('src/client/call-engine.ts:ClientCallEngine.outcome')}). The tap's \`CALL\`
line sums the call up: its status, how it ended, and its messages and bytes each way.`,
      shows: [
        {
          says: 'The headers are `:status: 200` and `content-type`',
          holds: (s) => {
            const response = framesOf(s, 'HEADERS', { dir: 's2c' }).find((f) => f.headerBlock?.kind === 'response');
            return response?.headers?.map(([name]) => name).join(' ') === ':status content-type';
          },
        },
      ],
    },
    closeStep(),
  ],
  bytes: {
    title: 'The same call, byte by byte',
    show: (e) => e.kind === 'frame' && e.stream === 1,
    text: `
The call's five frames again, as \`routeguide tap --hex\` shows them (the web view's details show
the same): each line is an offset in the frame, up to eight of its bytes in hex, and what they are;
a line without bytes names the bytes of the lines below it, which are indented one step further.

- **The frame header**, 9 bytes (${rfc9113('4.1')}): Length (3 bytes), Type (1), Flags (1), and the
  Stream Identifier (4, its top bit reserved). ${code('src/wire/h2/frame-layout.ts:frameLayout')}
  lays out each frame type's fields.
- **The header blocks**, one range per field (${code('src/wire/hpack/block-layout.ts:headerBlockRanges')},
  from the layout that ${code('src/wire/hpack/decoder.ts:HpackDecoder.decode')} reports). A
  representation's first byte is written in binary: the bits before \`|\` say which representation
  it is (${rfc7541('6')}: \`1\` indexed, \`01\` literal with incremental indexing, \`0000\` literal
  without indexing), the bits after it begin an integer (${rfc7541('5.1')}) — the index, or the
  index of the name. A string literal starts with the H bit (1: Huffman-coded, ${rfc7541('5.2')})
  and its length; its bytes follow, next to the text they decode to. \`:method: POST\` takes one
  byte, an index into the static table; \`te\`, a name the static table does not have, is spelled
  out.
- **The messages**: the 5-byte prefix (${protocol('Requests')}, Length-Prefixed-Message), then the
  protobuf fields (${code('src/wire/grpc/message-layout.ts:messageRanges')}), named by the schema the
  tap got from the server's reflection. Each field starts with its tag, one varint holding the field
  number and the wire type ([protobuf.dev "Encoding"](https://protobuf.dev/programming-guides/encoding/)):
  \`08\` is field 1, VARINT; \`12\` is field 2, LEN, followed by the length and a nested message.
  The longitude is negative: an int32 below zero is written as the 64-bit two's complement, a varint
  of 10 bytes (\`96 9f 98 9c fd ff ff ff ff 01\`), five more than the latitude's.

The values that are made the same on every run (the port in \`:authority\`, the version in
\`user-agent\`, [README.md](README.md#what-is-made-the-same-on-every-run)) are shown with the bytes
that encode the value shown.`,
    shows: [
      {
        says: "The call's five frames again",
        holds: (s) => s.length === 5 && s.every((e) => e.kind === 'frame' && e.raw !== undefined),
      },
      {
        says: '`:method: POST` takes one byte, an index into the static table',
        holds: (s) => {
          const ranges = byteRanges(s);
          const i = ranges.findIndex((r) => r.what === ':method: POST');
          return ranges[i]?.hex.length === 2 && /^1\|\d{7} indexed field .* static table$/.test(ranges[i + 1].what);
        },
      },
      {
        says: '`te`, a name the static table does not have, is spelled out',
        holds: (s) => byteRanges(s).some((r) => r.what === 'name "te" (plain octets)' && r.hex === '74 65'),
      },
      {
        says: '`08` is field 1, VARINT; `12` is field 2, LEN',
        holds: (s) => {
          const ranges = byteRanges(s);
          return (
            ranges.some((r) => r.hex === '08' && r.what === 'tag 8 = field 1 << 3 | wire type 0 (VARINT)') &&
            ranges.some((r) => r.hex === '12' && r.what === 'tag 18 = field 2 << 3 | wire type 2 (LEN)')
          );
        },
      },
      {
        says: "a varint of 10 bytes (`96 9f 98 9c fd ff ff ff ff 01`), five more than the latitude's",
        holds: (s) => {
          const ranges = byteRanges(s);
          const longitude = ranges.filter((r) => r.what.endsWith(`= int32 ${FEATURE_POINT.longitude}`));
          const latitude = ranges.filter((r) => r.what === `varint ${FEATURE_POINT.latitude}`);
          return (
            longitude.length > 0 &&
            longitude.every((r) => r.hex === '96 9f 98 9c fd ff ff ff ff 01') &&
            latitude.length > 0 &&
            latitude.every((r) => r.hex.split(' ').length === 5)
          );
        },
      },
    ],
  },
};
