import type { FrameEvent, TapEvent } from '../../../src/wire/events.js';
import { goRouteGuideBinaries, runGoClient } from '../../../test/helpers/go.js';
import { frame, framesOf, message, messagesPerDataFrame } from '../events.js';
import { code, protocol, rfc7541, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Recording, Transcript } from '../transcript.js';

/**
 * grpc-go measures each call's grpc-timeout in microseconds from its own 10 s deadline. Now and
 * then two calls of the run get the same value, and HPACK then sends the second as an index: a
 * different block. Such a run is made again (MAX_RUNS in all), so the transcript shows the usual case.
 */
const MAX_RUNS = 10;

const isRequestHeaders = (e: TapEvent): e is FrameEvent & { headers: [string, string, string][] } =>
  e.kind === 'frame' && e.dir === 'c2s' && e.type === 'HEADERS' && e.headers !== undefined;

const path = (e: FrameEvent) => e.headers?.find(([name]) => name === ':path')?.[1];

/** Every grpc-timeout of the run was a new value (a literal), none an index into the dynamic table. */
function timeoutsAllLiteral(events: readonly TapEvent[]): boolean {
  return events
    .filter(isRequestHeaders)
    .every((e) => e.headers.every(([name, , how]) => name !== 'grpc-timeout' || how.startsWith('literal')));
}

async function recordOnce(client: string): Promise<Recording> {
  const scene = await Scene.start();
  const run = await runGoClient(client, ['-server_addr', scene.target], 60_000);
  const recording = await scene.finish();
  if (run.code !== 0) throw new Error(`the grpc-go client failed (exit ${run.code}): ${run.stderr}`);
  return recording;
}

/**
 * What the transcript shows: the connection's set-up, then RouteChat's stream alone, without the
 * server's DATA frames (their messages stay), and without the connection's close.
 */
function routeChatOnly(events: readonly TapEvent[]): TapEvent[] {
  const chat = events.filter(isRequestHeaders).find((e) => path(e)?.endsWith('/RouteChat'));
  if (!chat) throw new Error('the grpc-go client made no RouteChat call');
  const setUp = { c2s: false, s2c: false };
  return events.filter((e) => {
    if (e.kind === 'connection') return e.type !== 'close';
    if (e.stream === chat.stream) return !(e.kind === 'frame' && e.type === 'DATA' && e.dir === 's2c');
    if (e.stream !== 0 || e.dir === undefined || setUp[e.dir]) return false;
    if (e.kind === 'frame' && e.type === 'SETTINGS' && e.flags.includes('ACK')) setUp[e.dir] = true;
    return true;
  });
}

export const routeChatGrpcGo: Transcript = {
  file: 'route-chat-grpc-go.md',
  title: 'RouteChat from the grpc-go example client',
  summary:
    "the same six notes from grpc-go's route_guide client, the fifth call on its connection: request headers from HPACK's dynamic table, grpc-timeout, a DATA frame per note",
  intro: `
The route_guide example client of grpc-go (Debian's golang-google-grpc-dev, grpc-go 1.33; built by
\`test/go/build-routeguide.sh\`, as the interop tests do) pointed at the tap, in front of our server.
It makes five calls on one connection — GetFeature twice, ListFeatures, RecordRoute over a random
route, then RouteChat with the six notes of [route-chat.md](route-chat.md) — each with a 10 s deadline.

Shown here: the connection's set-up, then RouteChat's stream alone. Left out: the four calls before
it, the connection's own frames after its set-up (grpc-go's PINGs, which estimate the bandwidth, and
WINDOW_UPDATEs), and the connection's close, whose byte counts depend on the random route. Left out
too are the server's DATA frames on RouteChat's stream (the messages they carried stay): how the
replies fall into frames depends on how the client's notes reached the server, one read or several,
which changes from run to run; [route-chat.md](route-chat.md) shows the frames of our client's
RouteChat note by note. The grpc-timeout values are measured on grpc-go's clock: their digits after
the first two are shown as x.`,
  unavailable() {
    const binaries = goRouteGuideBinaries();
    return 'skip' in binaries ? binaries.skip : undefined;
  },
  async record() {
    const binaries = goRouteGuideBinaries();
    if ('skip' in binaries) throw new Error(binaries.skip);
    for (let run = 1; ; run++) {
      const recording = await recordOnce(binaries.client);
      if (timeoutsAllLiteral(recording.events) || run === MAX_RUNS) {
        return { ...recording, events: routeChatOnly(recording.events) };
      }
    }
  },
  normalise: { timeoutValues: true },
  steps: [
    {
      title: 'The connection',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
grpc-go's first SETTINGS frame is empty: it keeps HTTP/2's defaults (${rfc9113('6.5.2')}), and sends
WINDOW_UPDATEs later, as data arrives. The server's side is as in [get-feature.md](get-feature.md#1-the-connection).`,
      shows: [
        {
          says: "grpc-go's first SETTINGS frame is empty",
          holds: (s) => framesOf(s, 'SETTINGS', { dir: 'c2s' })[0]?.length === 0,
        },
      ],
    },
    {
      title: 'The request: six notes, then the half-close',
      lead: 'c2s',
      c2s: frame('DATA', { stream: 9, flags: ['END_STREAM'] }),
      text: `
RouteChat is the connection's fifth stream: 9. Its header block is 40 bytes where our client's first
request takes over 100 ([route-chat.md](route-chat.md#2-the-call-opens-the-first-note-and-its-echo)):
the first call put \`:authority\`, \`content-type\`, \`user-agent\` and \`te\` in the HPACK dynamic table,
and each is now one byte, an index (${rfc7541('2.3.2')}). Only \`:path\` and \`grpc-timeout\` are
literals. grpc-go indexes \`:path\` (nghttp2, under node:http2, never does), and sends \`grpc-timeout\`
last; ours comes right after the reserved headers. The tap reads the deadline from it, as our server
does (${code('src/protocol/timeout.ts:parseTimeout')}).

grpc-go sends each note in a DATA frame of its own and all six at once, then END_STREAM on an empty
DATA frame (${protocol('Requests')}). Its notes are 19 and 20 bytes: grpc-go leaves \`latitude: 0\`
off the wire, as proto3 does for a field at its default value; the tap's JSON leaves it out too.`,
      shows: [
        {
          says: "RouteChat is the connection's fifth stream: 9. Its header block is 40 bytes",
          holds: (s) => framesOf(s, 'HEADERS', { dir: 'c2s', stream: 9 })[0]?.headerBlock?.bytes === 40,
        },
        {
          says: 'Only `:path` and `grpc-timeout` are literals',
          holds: (s) => {
            const block = framesOf(s, 'HEADERS', { dir: 'c2s', stream: 9 })[0]?.headers ?? [];
            return (
              block
                .filter(([, , how]) => how.startsWith('literal'))
                .map(([name]) => name)
                .join(' ') === ':path grpc-timeout'
            );
          },
        },
        {
          says: 'grpc-go sends each note in a DATA frame of its own',
          holds: (s) => messagesPerDataFrame(s, 'c2s').join(' ') === '1 1 1 1 1 1',
        },
      ],
    },
    {
      title: 'The response: nine notes, then the trailers',
      lead: 's2c',
      rest: true,
      text: `
The handler answers each note as it reads it (${code('src/services/routeguide/service.ts:routeGuideHandlers.routeChat')}):
nine notes, the canonical order. The Response-Headers take 2 bytes, both fields indexed:
\`:status: 200\` from the static table, \`content-type\` from the server's dynamic table, filled by the
first response of the connection; the trailers take 1 byte.

Each note comes back in the bytes grpc-go sent it in: the echoes as the server decoded them, and the
notes returned from the store (messages 4, 6 and 8) too, although the store's copy sets
\`latitude: 0\` explicitly (${code('src/services/routeguide/memory-note-store.ts:MemoryNoteStore.append')}):
a field at its default value stays off the wire whoever set it
(${code('src/protocol/protobuf-encoding.ts:encodeMessage')}).`,
      shows: [
        {
          says: 'The Response-Headers take 2 bytes',
          holds: (s) => framesOf(s, 'HEADERS', { dir: 's2c', stream: 9 })[0]?.headerBlock?.bytes === 2,
        },
        {
          says: 'the trailers take 1 byte',
          holds: (s) =>
            framesOf(s, 'HEADERS', { dir: 's2c', stream: 9, flags: ['END_STREAM'] })[0]?.headerBlock?.bytes === 1,
        },
        {
          says: 'the notes returned from the store (messages 4, 6 and 8) too',
          holds: (_, all) =>
            [4, 6, 8].every(
              (n, i) => all.find(message('s2c', 9, n))?.bytes === all.find(message('c2s', 9, i + 1))?.bytes,
            ),
        },
      ],
    },
  ],
};
