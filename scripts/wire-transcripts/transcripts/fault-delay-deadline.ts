import { routeGuideClient } from '../../../src/services/routeguide/index.js';
import { closeStep, connectionStep } from '../common-steps.js';
import { fault, message } from '../events.js';
import { code, protocol, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';
import { faultsOf } from './fault-rst-after-header.js';

/** The client's deadline, and how long the tap holds the response. */
const DEADLINE_MS = 500;
const HOLD_MS = 1500;

export const faultDelayDeadline: Transcript = {
  file: 'fault-delay-deadline.md',
  title: 'A fault: a response held past the deadline (delay)',
  summary:
    '`routeguide tap --fault delay:for=1500ms` and a 500 ms deadline: the client cancels with RST_STREAM CANCEL, and the response the tap held is dropped',
  intro: `
\`routeguide tap --fault delay:for=1500ms\` holds the frames of each call's response for 1.5 s, order
kept, as a slow link or a slow server would. Our client calls GetFeature with a deadline of 0.5 s:
the deadline passes while the answer waits in the tap, and the client ends the call itself with
DEADLINE_EXCEEDED — ${protocol('Requests')}: the deadline is the client's to enforce; the server
learns of it from grpc-timeout and from the reset.`,
  normalise: { timeoutValues: true },
  async record() {
    const scene = await Scene.start({}, { faults: faultsOf(`delay:for=${HOLD_MS}ms`) });
    const channel = scene.channel();
    await scene.connect(channel);
    await routeGuideClient(channel)
      .getFeature(FEATURE_POINT, { timeoutMs: DEADLINE_MS })
      .catch(() => {});
    await scene.until('the bytes given back', fault('inject', 'WINDOW_UPDATE', { dir: 'c2s' }));
    return scene.finish();
  },
  steps: [
    connectionStep(),
    {
      title: 'The request, with grpc-timeout; the response held',
      lead: 'c2s',
      c2s: message('c2s', 1, 1),
      s2c: fault('hold'),
      text: `
The request carries \`grpc-timeout\`, the 500 ms the client gives the call (${protocol('Requests')};
the value is the time left on the client's clock as it writes the headers). As the request passes,
the tap starts holding the frames of the call's response (${code('src/wire/fault/outlet.ts:Outlet.hold')}):
the server answers at once, but nothing of stream 1 reaches the client. The frames of other streams
and of the connection would go on.`,
    },
    {
      title: 'The deadline passes: the client resets the stream',
      lead: 'c2s',
      c2s: fault('inject', 'WINDOW_UPDATE'),
      s2c: fault('drop', 'HEADERS', { flags: ['END_STREAM'] }),
      text: `
At 500 ms the client's deadline timer ends the call with DEADLINE_EXCEEDED and resets the stream
with CANCEL (${code('src/client/call-engine.ts:ClientCallEngine.onDeadline')}, ${protocol('Errors')}).
The RST_STREAM goes on to the server, which had finished the call long before and ignores it
(${rfc9113('5.1')}). The tap drops what it held of the stream — the response headers, the DATA
and the trailers: the client reset it and takes no more frames on it — and gives the server back
the DATA's bytes on the connection's window with a WINDOW_UPDATE of its own, since the client will
never grant them (${code('src/wire/fault/fault-connection.ts:FaultConnection.onRstStream')}, ${rfc9113('6.9')}).
Had the deadline been longer than the hold, the three frames would have gone on at 1.5 s, in order.`,
    },
    closeStep(),
  ],
};
