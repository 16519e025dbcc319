import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, message, messagesPerDataFrame } from '../events.js';
import { code, protocol } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** A rectangle around New Brunswick, NJ, with four features of the canonical database (one unnamed). */
export const RECTANGLE = {
  lo: { latitude: 404600000, longitude: -745200000 },
  hi: { latitude: 404900000, longitude: -744700000 },
};

export const listFeatures: Transcript = {
  file: 'list-features.md',
  title: 'ListFeatures: a server-streaming call',
  summary: 'one request, a stream of responses: several messages in one DATA frame, an empty field left out',
  intro: `
Our client asks for every feature inside a rectangle around New Brunswick, NJ: one request message,
and the server streams back the four features of the canonical database inside it, then its status.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    for await (const feature of routeGuideClient(channel).listFeatures(RECTANGLE)) void feature;
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      text: `
As a unary call's ([get-feature.md](get-feature.md#2-the-request-headers-then-one-data-frame-with-the-message)):
the Request-Headers, then the one request message and END_STREAM in one DATA frame
(${code('src/client/call-engine.ts:ClientCallEngine.sendOnly')}). A Rectangle is two Points: 38 bytes
of protobuf, prefix \`00 00000026\`.`,
    },
    {
      title: 'The response: a stream of features',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The handler (${code('src/services/routeguide/service.ts:routeGuideHandlers.listFeatures')}) runs once
the request is in, and sends each feature inside the rectangle with \`await call.send(feature)\`
(${code('src/server/call-engine.ts:ServerCallEngine.send')}); the first send puts the Response-Headers
in front (${protocol('Responses')}).

The first feature leaves in a DATA frame of its own, the next three together. The messages written
in one tick of the event loop leave together: the writer corks the stream, and one
\`process.nextTick\` uncorks it (${code('src/call/writer.ts:MessageWriter.writeFramed')},
${code('src/call/writer.ts:corkForThisTick')}). The handler was started from the request stream's 'end'
event, itself run from the nextTick queue, so the uncork of its first message runs before its first
\`await\` returns (promise continuations wait until that queue is empty); the rest of the loop then
runs in one go, and its three messages share a frame. The tap lists where each message sits in the
frame.

The second feature has no name: proto3 leaves a field at its default value (here the empty
string) off the wire (${code('src/protocol/protobuf-encoding.ts:encodeMessage')}), so that message is
19 bytes, the location alone, and the tap's JSON has no \`name\` either. When the handler returns,
the trailers end the stream with \`grpc-status: 0\`
(${code('src/server/call-engine.ts:ServerCallEngine.handlerReturned')}, ${code('src/server/call-engine.ts:statusTrailers')}).`,
      shows: [
        {
          says: 'The first feature leaves in a DATA frame of its own, the next three together',
          holds: (s) => messagesPerDataFrame(s, 's2c').join(' ') === '1 3',
        },
        {
          says: 'so that message is 19 bytes, the location alone',
          holds: (s) => {
            const unnamed = s.find(message('s2c', 1, 2));
            return unnamed?.bytes === 19 && Object.keys(unnamed.message ?? {}).join() === 'location';
          },
        },
      ],
    },
    closeStep(),
  ],
};
