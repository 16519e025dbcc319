import type { TapEvent } from '../../../src/wire/events.js';
import { goRouteGuideBinaries, runGoClient } from '../../../test/helpers/go.js';
import { frame, framesOf } from '../events.js';
import { code, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';

/** The data of every BDP PING grpc-go sends (internal/transport/bdp_estimator.go, bdpPing). */
const BDP_PING = '02041010090e0707';
/** grpc-go's source, as Debian packages it (golang-google-grpc-dev 1.33). */
const GRPC_GO = '/usr/share/gocode/src/google.golang.org/grpc/internal/transport';

/**
 * What the transcript shows of the run: the connection's own frames (stream 0) and the server's DATA
 * of the first two calls, each a GetFeature, up to the answer to the client's second BDP PING.
 */
function bdpView(events: readonly TapEvent[]): TapEvent[] {
  const out: TapEvent[] = [];
  let acks = 0;
  for (const e of events) {
    if (e.kind === 'connection' && e.type === 'open') out.push(e);
    if (e.kind !== 'frame') continue;
    const serverData = e.dir === 's2c' && e.type === 'DATA' && (e.stream === 1 || e.stream === 3);
    if (e.stream === 0 || serverData) out.push(e);
    if (e.dir === 's2c' && e.type === 'PING' && e.flags.includes('ACK') && ++acks === 2) break;
  }
  return out;
}

/** The client's WINDOW_UPDATEs on the connection each give back the DATA received since the one before. */
function creditFollowsData(events: readonly TapEvent[]): boolean {
  let received = 0;
  let given = 0;
  for (const e of events) {
    if (e.kind !== 'frame') continue;
    if (e.dir === 's2c' && e.type === 'DATA') received += e.length;
    if (e.dir === 'c2s' && e.type === 'WINDOW_UPDATE' && e.stream === 0) given += e.windowIncrement ?? 0;
  }
  return given === received && received > 0;
}

export const bdpGrpcGo: Transcript = {
  file: 'bdp-grpc-go.md',
  title: "grpc-go's BDP PINGs, and the WINDOW_UPDATE before each",
  summary:
    "grpc-go's route_guide client on its first two calls: a WINDOW_UPDATE on the connection and a PING with fixed data after the first DATA of each, as its bandwidth-delay estimator sends them",
  intro: `
The route_guide example client of grpc-go, as in [route-chat-grpc-go.md](route-chat-grpc-go.md)
(built by \`test/go/build-routeguide.sh\`, run by ${code('test/helpers/go.ts:runGoClient')}), against
our server through the tap. grpc-go estimates the bandwidth-delay product of its connection
(BDP: how many bytes are in flight in one round trip) to size its flow-control windows, and measures
it with PINGs. Shown here: the connection's own frames (stream 0), and the server's DATA frames of
the client's first two calls, two GetFeatures, up to the answer to the second PING; the requests and
everything after are left out (the other calls' timing varies from run to run). What grpc-go does
is read from its source as Debian packages it (grpc-go 1.33, \`${GRPC_GO}/\`).`,
  unavailable() {
    const binaries = goRouteGuideBinaries();
    return 'skip' in binaries ? binaries.skip : undefined;
  },
  async record() {
    const binaries = goRouteGuideBinaries();
    if ('skip' in binaries) throw new Error(binaries.skip);
    const scene = await Scene.start();
    const run = await runGoClient(binaries.client, ['-server_addr', scene.target], 60_000);
    const recording = await scene.finish();
    if (run.code !== 0) throw new Error(`the grpc-go client failed (exit ${run.code}): ${run.stderr}`);
    return { ...recording, events: bdpView(recording.events) };
  },
  normalise: { keepPingData: true },
  steps: [
    {
      title: 'The connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
grpc-go's first SETTINGS frame is empty, as in [route-chat-grpc-go.md](route-chat-grpc-go.md#1-the-connection):
its windows start at HTTP/2's 65,535 bytes, per stream and for the connection. Unlike our client,
which widens its connection window to 1 MiB at once
(${code('src/protocol/flow-control.ts:widenConnectionWindow')}), it lets its estimate decide.`,
    },
    {
      title: 'The first response: WINDOW_UPDATE, then a BDP PING',
      lead: 's2c',
      s2c: frame('PING', { flags: ['ACK'] }),
      c2s: frame('PING'),
      text: `
The first DATA of the first response reaches the client, and grpc-go starts a measurement: its
estimator (\`bdp_estimator.go\`, \`add\`) notes the bytes and asks for a PING, since none is out. Before
the PING, the client gives back on the connection every byte of DATA it has received so far, with a
WINDOW_UPDATE on stream 0 (\`http2_client.go\`, \`handleData\`: "Avoid excessive ping detection (e.g.
in an L7 proxy) by sending a window update prior to the BDP ping"): a peer that counts PINGs
arriving without other frames sees one with each. Our server polices PINGs by what it has sent
itself since the last one (${code('src/server/keepalive.ts:keepSessionAlive')}): the response DATA
before each of these PINGs keeps them from being strikes. grpc-go gives credit this early only with a BDP PING; otherwise it waits until
a quarter of the window has come in (\`flowcontrol.go\`, \`onData\`).

The PING's 8 bytes are always the same, \`${BDP_PING}\` (\`bdpPing\`), so grpc-go can tell the answer
to its BDP PING from others. node:http2 on the server answers it by itself (${rfc9113('6.7')}). When
the answer comes, the estimator takes the bytes received since the PING went out as one round trip's
worth: only if they reach two thirds of its current estimate, which starts at the 65,535-byte
window, does it raise the estimate to twice the sample and grow its windows, with a SETTINGS
INITIAL_WINDOW_SIZE and a WINDOW_UPDATE on the connection (\`calculate\`, \`updateFlowControl\`). A
GetFeature response is far from that, so nothing grows here.`,
      shows: [
        {
          says: `always the same, \`${BDP_PING}\``,
          holds: (_, all) =>
            framesOf(all, 'PING', { dir: 'c2s' }).length === 2 &&
            framesOf(all, 'PING').every((f) => f.opaque === BDP_PING),
        },
        {
          says: 'the client gives back on the connection every byte of DATA it has received so far',
          holds: (s) => creditFollowsData(s),
        },
        {
          says: 'so nothing grows here',
          holds: (_, all) => framesOf(all, 'SETTINGS', { dir: 'c2s' }).length === 2,
        },
      ],
    },
    {
      title: 'The second response: the same again',
      lead: 's2c',
      s2c: frame('PING', { flags: ['ACK'] }),
      c2s: frame('PING'),
      text: `
The answer to the first PING ended the measurement, so the first DATA of the second call starts
another: the same WINDOW_UPDATE, for the bytes received since the first, and the same PING. A
connection busy with many calls gets a BDP PING for each burst of DATA after the answer to the last
one: one round trip's worth of traffic per PING at most, however many calls run. The tap marks the
PINGs as any others (it cannot know why one was sent); the fixed data is what tells a BDP PING.`,
      shows: [
        {
          says: 'the same WINDOW_UPDATE, for the bytes received since the first',
          holds: (s) => creditFollowsData(s),
        },
      ],
    },
  ],
};
