import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { FaultInjector } from '../../../src/wire/fault/injector.js';
import { parseFault } from '../../../src/wire/fault/spec.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { fault, frame, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';

/** The tap with the faults of `spec`, as `routeguide tap --fault SPEC` makes it. */
export function faultsOf(spec: string): FaultInjector {
  const parsed = parseFault(spec);
  if ('error' in parsed) throw new Error(`${spec}: ${parsed.error}`);
  return new FaultInjector({ specs: parsed.specs, seed: 1 });
}

export const faultRstAfterHeader: Transcript = {
  file: 'fault-rst-after-header.md',
  title: 'A fault: RST_STREAM right after the response headers (rst_after_header)',
  summary:
    '`routeguide tap --fault rst_after_header` in front of our server: the response headers, then the tap resets the stream both ways; what the server had sent is dropped and its flow-control bytes given back',
  intro: `
The first of gRPC's negative HTTP/2 interop cases, played by the tap in front of our server:
\`routeguide tap --fault rst_after_header\` lets the response headers of each call through, then
sends RST_STREAM NO_ERROR to the client and RST_STREAM CANCEL to the server
(${code('src/wire/fault/interop-cases.ts:expandInteropCase')}). Our client calls GetFeature as in
[get-feature.md](get-feature.md) and gets INTERNAL. The frames the tap writes, drops or changes are
its \`FAULT\` lines; everything else is what the peers sent ([docs/faults-guide.md](../faults-guide.md)
says how the tap keeps the connection valid).`,
  async record() {
    const scene = await Scene.start({}, { faults: faultsOf('rst_after_header') });
    const channel = scene.channel();
    await scene.connect(channel);
    await routeGuideClient(channel)
      .getFeature(FEATURE_POINT)
      .catch(() => {});
    await scene.until('the trailers, dropped', fault('drop', 'HEADERS', { dir: 's2c' }));
    await scene.until('the bytes given back', fault('inject', 'WINDOW_UPDATE', { dir: 'c2s' }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request, and the response headers',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: frame('HEADERS', { stream: 1 }),
      text: `
The call goes as in
[get-feature.md](get-feature.md#2-the-request-headers-then-one-data-frame-with-the-message): the
request headers, the Point and the half-close. The server's response headers pass the tap unchanged: the fault fires once they
have gone (its trigger, \`when=response-headers\`: ${code('src/wire/fault/planner.ts:ConnectionPlanner.responseHeaders')}).`,
    },
    {
      title: 'The tap resets the stream, both ways',
      lead: 's2c',
      s2c: fault('inject', 'RST_STREAM'),
      c2s: fault('inject', 'RST_STREAM'),
      text: `
The tap ends the stream for each peer (${code('src/wire/fault/actions.ts:endStream')}): RST_STREAM
NO_ERROR to the client, then — once that has gone — RST_STREAM CANCEL to the server, so that it
stops working on a call nobody will read. A reset with NO_ERROR and no status before it fails the
call with INTERNAL (${protocol('Errors')}): our client reports "the response ended without
grpc-status" (${code('src/client/call-engine.ts:ClientCallEngine.outcome')}), and the tap's \`CALL\`
line says the same of what the client received.`,
    },
    {
      title: 'What the server had sent: dropped, its bytes given back',
      lead: 's2c',
      s2c: fault('drop', 'HEADERS'),
      c2s: fault('inject', 'WINDOW_UPDATE'),
      text: `
The server had written its answer at once — the Feature in a DATA frame and the trailers — before
the CANCEL reached it. The tap reset the stream towards the client, so it passes nothing more on it:
it must not send frames on a stream it closed, and the frames in flight after a RST_STREAM are
expected and ignored (${rfc9113('5.4.2')}, ${rfc9113('6.4')}). Two things keep the connection
right for what follows:

- the DATA counted against the server's connection window, and the client, which never got it, will
  never give those bytes back: the tap does, with a WINDOW_UPDATE of its own on stream 0
  (${code('src/wire/fault/flow.ts:FlowLedger.dropped')}, ${code('src/wire/fault/fault-connection.ts:FaultConnection.flush')};
  ${rfc9113('6.9')});
- the trailers' header block is not passed on either. Had it added an entry to the server's HPACK
  dynamic table, the client's table would now lack it, and every later block from the server would
  be encoded again by the tap from its decoded fields, with the static table only
  (${code('src/wire/fault/outlet.ts:Outlet.write')}).`,
    },
    closeStep(),
  ],
};
