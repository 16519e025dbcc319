import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { frame, framesOf, message, messagesPerDataFrame } from '../events.js';
import { code, protocol } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/**
 * A fixed route through the features of list-features.md's rectangle (the example client's route
 * is random): three named features and one unnamed.
 */
export const ROUTE = [
  { latitude: 404615353, longitude: -745129803 },
  { latitude: 404663628, longitude: -744820157 },
  { latitude: 404701380, longitude: -744781745 },
  { latitude: 404839914, longitude: -744759616 },
];

export const recordRoute: Transcript = {
  file: 'record-route.md',
  title: 'RecordRoute: a client-streaming call',
  summary: 'a stream of requests, one response: four messages and END_STREAM in one DATA frame',
  intro: `
Our client sends a route of four points and gets back a summary: how many points, how many named
features it passed, the distance. The grpc-go example client picks a random route; this one is
fixed, through the features of [list-features.md](list-features.md)'s rectangle.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel();
    await scene.connect(channel);
    const route = routeGuideClient(channel).recordRoute();
    for (const point of ROUTE) await route.send(point);
    await route.closeAndRecv();
    await scene.until('the trailers', frame('HEADERS', { dir: 's2c', stream: 1, flags: ['END_STREAM'] }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request: four points and END_STREAM in one DATA frame',
      lead: 'c2s',
      c2s: message('c2s', 1, ROUTE.length),
      text: `
\`recordRoute()\` sends the Request-Headers at once (${code('src/client/call-engine.ts:ClientCallEngine.start')});
then the script sends each point with \`await route.send(point)\` and ends with \`route.closeAndRecv()\`.
Each send resolves at once (the stream takes the bytes), so the four sends and the half-close
(${code('src/client/call-engine.ts:ClientCallEngine.closeSend')}) all run in one tick: the writer
corks the stream for the tick (${code('src/call/writer.ts:MessageWriter.writeFramed')}), and the four
messages and END_STREAM leave in one DATA frame. A client that sends more slowly sends a DATA frame
per message, and END_STREAM on an empty one, as [route-chat.md](route-chat.md) does: the server
cannot tell the difference, since message boundaries are independent of frames
(${protocol('Data Frames')}).`,
      shows: [
        {
          says: 'the four messages and END_STREAM leave in one DATA frame',
          holds: (s) =>
            messagesPerDataFrame(s, 'c2s').join(' ') === '4' &&
            framesOf(s, 'DATA', { dir: 'c2s' }).every((f) => f.flags.includes('END_STREAM')),
        },
      ],
    },
    {
      title: 'The response: the summary',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The handler (${code('src/services/routeguide/service.ts:routeGuideHandlers.recordRoute')}) started
with the call, as client-streaming handlers do (${code('src/server/call-engine.ts:ServerCallEngine.invoke')}); its
\`for await\` reads the four points and ends at END_STREAM. It counts the points, the named features
among them (three: the first point's feature has no name) and the distance in metres, and returns the
summary; ${code('src/server/call-engine.ts:ServerCallEngine.sendLast')} sends the Response-Headers
and the one response in one write, then the trailers. \`elapsed_time\` is 0, whole seconds, and
so not on the wire: proto3 leaves a field at its default value off. The tap
shows the fields by their JSON names (\`pointCount\` for \`point_count\`), as proto3's JSON mapping
does.`,
      shows: [
        {
          says: 'so not on the wire',
          holds: (s) => {
            const summary = s.find(message('s2c', 1, 1));
            return summary !== undefined && !('elapsedTime' in (summary.message as object));
          },
        },
      ],
    },
    closeStep(),
  ],
};
