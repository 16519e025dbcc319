import protobuf from 'protobufjs';
import { createClient, type UnaryMethod } from '../../../src/client/client.js';
import { loadProtoFiles, serviceDefinition } from '../../../src/protocol/schema.js';
import {
  ROUTE_GUIDE_PROTO,
  ROUTE_GUIDE_SERVICE,
  type Feature,
  type Point,
} from '../../../src/services/routeguide/index.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, framesOf, message } from '../events.js';
import { code, grpcDoc, protocol } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';

/** A RouteGuide with one method more than the server's: a client built from a newer .proto. */
export function newerRouteGuide() {
  const root = loadProtoFiles(ROUTE_GUIDE_PROTO);
  root.lookupService(ROUTE_GUIDE_SERVICE).add(new protobuf.Method('FindFeature', 'rpc', 'Point', 'Feature'));
  return serviceDefinition(root, ROUTE_GUIDE_SERVICE);
}

export const trailersOnly: Transcript = {
  file: 'trailers-only.md',
  title: 'Trailers-Only: an unknown method → UNIMPLEMENTED',
  summary:
    'a call the server refuses at the HEADERS stage: the status in one HEADERS frame with END_STREAM and no DATA, then RST_STREAM NO_ERROR',
  intro: `
Our client calls \`/routeguide.RouteGuide/FindFeature\`, a method its copy of the RouteGuide service
has (the script adds it to \`route_guide.proto\` as loaded) and the server's has not. The server
answers at once, before reading the request: a Trailers-Only response.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    const client = createClient<{ findFeature: UnaryMethod<Point, Feature> }>(newerRouteGuide(), channel);
    await client.findFeature(FEATURE_POINT).catch(() => undefined);
    await scene.until('the response', frame('RST_STREAM', { dir: 's2c', stream: 1 }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      text: `
A unary request like [get-feature.md](get-feature.md#2-the-request-headers-then-one-data-frame-with-the-message)'s,
with a \`:path\` the server does not route. The tap decodes messages with the types the server's
reflection gives it, and the server does not know this method either: the tap shows the message in
the protobuf wire format, field by field. Without a schema it cannot know that field 2 (the
longitude) is a signed int32: -746188906 is written as the ten-byte varint of its 64-bit two's
complement, and that is the number the tap shows.`,
    },
    {
      title: 'The response: Trailers-Only, then RST_STREAM NO_ERROR',
      lead: 's2c',
      s2c: frame('RST_STREAM', { stream: 1 }),
      text: `
${code('src/server/server.ts:Server.onStream')} checks the headers before any call exists:
${code('src/server/router.ts:Router.find')} knows the service but not the method, which is
UNIMPLEMENTED (${grpcDoc('statuscodes.md')}). ${code('src/server/request-headers.ts:acceptRequest')} answers
with ${code('src/server/call-engine.ts:respondTrailersOnly')}: one HEADERS frame with END_STREAM that
holds \`:status: 200\`, \`content-type\`, \`grpc-accept-encoding\` and the status — \`grpc-status: 12\` and
\`grpc-message\` — and no DATA (${protocol('Responses')}, Trailers-Only). The client sees END_STREAM on
the response headers and reads them as trailers
(${code('src/client/call-engine.ts:ClientCallEngine.onResponse')},
${code('src/protocol/response-status.ts:parseTrailers')}): its call fails with UNIMPLEMENTED.

The server answered before it read the request's END_STREAM, so it resets the stream with NO_ERROR
(${code('src/server/call-engine.ts:closeAfterResponse')}; ${protocol('Early Server Closure')}). The
request's DATA was on its way already; the server reads and drops it (\`stream.resume()\` in
\`refuseCall\`).`,
      shows: [
        {
          says: 'one HEADERS frame with END_STREAM that holds `:status: 200`, `content-type`, `grpc-accept-encoding` and the status — `grpc-status: 12` and `grpc-message` — and no DATA',
          holds: (s) => {
            const sent = s.filter((e) => e.kind === 'frame' && e.dir === 's2c');
            const [headers] = framesOf(sent, 'HEADERS', { flags: ['END_STREAM'] });
            const names = headers?.headers?.map(([name]) => name).join(' ');
            return (
              names === ':status content-type grpc-accept-encoding grpc-status grpc-message' &&
              headers?.headers?.[3][1] === '12' &&
              framesOf(sent, 'DATA').length === 0
            );
          },
        },
      ],
    },
    closeStep(),
  ],
};
