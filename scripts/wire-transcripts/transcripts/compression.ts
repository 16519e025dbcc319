import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, headerField, message } from '../events.js';
import { code, grpcDoc, protocol } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';

export const compression: Transcript = {
  file: 'compression.md',
  title: 'Compression: a gzip-compressed call and its negotiation',
  summary:
    'GetFeature compressed both ways: grpc-encoding and grpc-accept-encoding in the headers, Compressed-Flag 1 in each prefix',
  intro: `
GetFeature as in [get-feature.md](get-feature.md), with compression both ways: our client compresses
its request with gzip (\`{ compression: 'gzip' }\`, a call option) and our server compresses its
responses (\`new Server({ compression: 'gzip' })\`), since the client accepts gzip.
${grpcDoc('compression.md')} describes the negotiation.`,
  async record() {
    const scene = await Scene.start({ compression: 'gzip' });
    const channel = scene.channel();
    await scene.connect(channel);
    await routeGuideClient(channel).getFeature(FEATURE_POINT, { compression: 'gzip' });
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request: grpc-encoding gzip, Compressed-Flag 1',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      text: `
The request headers name the algorithm of the request's compressed messages, \`grpc-encoding: gzip\`,
and list what the client can inflate, \`grpc-accept-encoding\`
(${code('src/client/call-engine.ts:ClientCallEngine.start')}; ${protocol('Requests')}).

Compression is per message: the prefix's Compressed-Flag is \`0x01\`, and the length is that of the
compressed bytes (${code('src/call/writer.ts:frameMessage')}, ${code('framing/compression.ts:compress')},
${code('framing/envelope.ts:encodeEnvelope')}). The tap inflates the message (with the 4 MiB limit
every stack uses) and shows both sizes. gzip adds a 10-byte header and an 8-byte trailer, so a message this
small grows: 17 bytes of protobuf become 38. The flag lets a sender compress only the messages where
it pays.`,
      shows: [
        {
          says: '17 bytes of protobuf become 38',
          holds: (s) =>
            s.some((e) => e.kind === 'message' && e.prefix.flag === '0x01' && e.bytes === 17 && e.wireBytes === 38),
        },
      ],
    },
    {
      title: 'The response: the server compresses too',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The server accepts the request's encoding (${code('src/protocol/compression.ts:incomingEncoding')}, in
${code('src/server/server.ts:Server.onStream')}); an encoding it does not support would have been
refused with UNIMPLEMENTED, Trailers-Only. It inflates the request before decoding it
(${code('src/call/reader.ts:MessageReader.decode')}).

Its response compresses with the request's algorithm — one the client lists in
\`grpc-accept-encoding\` (${code('src/protocol/compression.ts:outgoingEncoding')},
${code('src/server/call-engine.ts:ServerCallEngine.constructor')}) — since the server was told to
compress. The Response-Headers say so: \`grpc-encoding: gzip\` names the algorithm of the response's
compressed messages, and \`grpc-accept-encoding\` answers the client's compressed request with what
the server can inflate (${code('src/server/call-engine.ts:ServerCallEngine.respond')}; ${grpcDoc('compression.md')}). A response that
compresses nothing names no \`grpc-encoding\`, as in [get-feature.md](get-feature.md#3-the-response-headers-data-trailers)
([docs/spec-map.md, decisions](../spec-map.md#19-decisions-the-spec-leaves-open)). The message's
Compressed-Flag is \`0x01\`; the client inflates it (${code('src/call/reader.ts:MessageReader.decode')}).`,
      shows: [{ says: '`grpc-encoding: gzip`', holds: (s) => headerField(s, 's2c', 'grpc-encoding')?.[1] === 'gzip' }],
    },
    closeStep(),
  ],
};
