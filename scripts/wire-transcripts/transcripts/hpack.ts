import { createClient, type UnaryMethod } from '../../../src/client/client.js';
import type { Feature, Point } from '../../../src/services/routeguide/index.js';
import type { FrameEvent, TapEvent } from '../../../src/wire/events.js';
import { closeStep } from '../common-steps.js';
import { frame, framesOf, setting } from '../events.js';
import { code, rfc7541, rfc9113 } from '../links.js';
import { Scene } from '../scene.js';
import type { Transcript } from '../transcript.js';
import { FEATURE_POINT } from './get-feature.js';
import { newerRouteGuide } from './trailers-only.js';

/** The HPACK table the client lets the server's encoder use: small, so that three responses fill it. */
const TABLE_SIZE = 256;

/** The server's header blocks (HEADERS frames that carry fields), in order. */
const serverBlocks = (events: readonly TapEvent[]): FrameEvent[] =>
  framesOf(events, 'HEADERS', { dir: 's2c' }).filter((f) => f.headerBlock !== undefined);

/** How the server sent header `name` in its blocks of `events`, in order. */
const sentAs = (events: readonly TapEvent[], name: string): string[] =>
  serverBlocks(events).flatMap((f) => (f.headers ?? []).filter(([n]) => n === name).map(([, , how]) => how));

export const hpack: Transcript = {
  file: 'hpack.md',
  title: 'HPACK: a dynamic table size update, and entries evicted',
  summary:
    "a client that allows the server's encoder a 256-byte table: the size update that opens the server's first header block, then entries evicted and sent as literals again",
  intro: `
HPACK (${rfc7541()}) compresses each direction's header blocks with a dynamic table that both ends
keep in step: the encoder adds fields to it, the decoder adds the same fields in the same order, and
a later block names a field by its index. The table has a maximum size, which the decoder's side sets
with SETTINGS_HEADER_TABLE_SIZE (4,096 bytes unless it says otherwise), and an entry takes the
length of its name and value plus 32 bytes (${rfc7541('4.1')}). Here our client allows the server's
encoder only ${TABLE_SIZE} bytes 
(\`new Channel(target, { http2: { settings: { headerTableSize: ${TABLE_SIZE} } } })\`) and makes three unary calls: GetFeature, a method the server does not have
(as in [trailers-only.md](trailers-only.md)), and GetFeature again. Only the server's blocks are
shown: they are the ones under the small table.`,
  async record() {
    const scene = await Scene.start();
    const channel = scene.channel({ http2: { settings: { headerTableSize: TABLE_SIZE } } });
    await scene.connect(channel);
    const client = createClient<{ getFeature: UnaryMethod<Point, Feature>; findFeature: UnaryMethod<Point, Feature> }>(
      newerRouteGuide(),
      channel,
    );
    await client.getFeature(FEATURE_POINT);
    await client.findFeature(FEATURE_POINT).catch(() => undefined);
    await client.getFeature(FEATURE_POINT);
    await scene.until('the last trailers', frame('HEADERS', { dir: 's2c', stream: 5, flags: ['END_STREAM'] }));
    const recording = await scene.finish();
    return { ...recording, events: recording.events.filter((e) => e.dir !== 'c2s' || e.stream === 0) };
  },
  steps: [
    {
      title: 'The connection: SETTINGS_HEADER_TABLE_SIZE 256',
      lead: 'c2s',
      c2s: frame('SETTINGS', { flags: ['ACK'] }),
      s2c: frame('SETTINGS', { flags: ['ACK'] }),
      text: `
The client's SETTINGS carry SETTINGS_HEADER_TABLE_SIZE ${TABLE_SIZE}: the most its HPACK decoder will
keep for the server's blocks (${rfc9113('6.5.2')}); node:http2 sends what the channel's options say
(${code('src/client/channel.ts:Channel.constructor')}). The server acknowledges it, and the tap's
note on that ACK says what it changes. The tap keeps an HPACK decoder of its own for each direction,
and bounds the one for the server's blocks by this setting from the ACK on
(${code('src/wire/direction.ts:DirectionState')}).`,
      shows: [
        {
          says: `The client's SETTINGS carry SETTINGS_HEADER_TABLE_SIZE ${TABLE_SIZE}`,
          holds: (s) => setting(s, 'c2s', 'SETTINGS_HEADER_TABLE_SIZE') === TABLE_SIZE,
        },
      ],
    },
    {
      title: 'The first response: a dynamic table size update',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 1, flags: ['END_STREAM'] }),
      text: `
The server's encoder (nghttp2's, under node:http2) now has a ${TABLE_SIZE}-byte table where it had
4,096, and must say so: "a change in the maximum size of the dynamic table is signaled via a dynamic
table size update", at the beginning of the first header block after the change
(${rfc7541('4.2')}, ${rfc7541('6.3')}). So the Response-Headers open with one, to ${TABLE_SIZE}; the
tap lists it on the block's line. It takes 3 bytes, \`3f e1 01\`: the pattern \`001\` and a 5-bit
prefix integer, 31 in the prefix and 225 in two continuation bytes (${rfc7541('5.1')}). The same two
fields took 14 bytes in [get-feature.md](get-feature.md#3-the-response-headers-data-trailers); here
the block is 17.

Then the table fills as in any connection: \`content-type: application/grpc\` enters it, 12 + 16 + 32
= 60 bytes, and the trailers' \`grpc-status: 0\`, 11 + 1 + 32 = 44 bytes: two entries, 104 bytes.`,
      shows: [
        {
          says: 'So the Response-Headers open with one',
          holds: (s) => {
            const [response] = serverBlocks(s);
            return (
              response?.headerBlock?.tableSizeUpdates.join(' ') === String(TABLE_SIZE) &&
              response.headerBlock.bytes === 17
            );
          },
        },
        {
          says: 'two entries, 104 bytes',
          holds: (s) => {
            const table = serverBlocks(s).at(-1)?.headerBlock;
            return table?.tableEntries === 2 && table.tableSize === 104;
          },
        },
      ],
    },
    {
      title: 'The second response: Trailers-Only, and entries evicted',
      lead: 's2c',
      s2c: frame('RST_STREAM', { stream: 3 }),
      text: `
The method is unknown, so the answer is Trailers-Only, as in [trailers-only.md](trailers-only.md).
\`content-type\` is still in the table: index 63 (the newest entry is 62, and \`grpc-status: 0\` came
after it). The block adds three entries: \`grpc-accept-encoding\` (73 bytes), \`grpc-status: 12\`
(45 bytes, its name taken from the entry of \`grpc-status: 0\`), and \`grpc-message\` (104 bytes). 104
+ 73 + 45 = 222 fits in ${TABLE_SIZE}, but 222 + 104 does not: to make room for \`grpc-message\`, the
oldest entries go, first \`content-type\`, then \`grpc-status: 0\`, until the new one fits
(${rfc7541('4.4')}). Encoder and decoder evict the same entries at the same moment, with no word on
the wire: both know the sizes. The table is now three entries, 222 bytes.`,
      shows: [
        {
          says: '`content-type` is still in the table: index 63',
          holds: (s) => sentAs(s, 'content-type').join() === 'indexed (dynamic 63)',
        },
        {
          says: 'The table is now three entries, 222 bytes',
          holds: (s) => {
            const table = serverBlocks(s).at(-1)?.headerBlock;
            return table?.tableEntries === 3 && table.tableSize === 222;
          },
        },
      ],
    },
    {
      title: 'The third response: evicted fields sent as literals again',
      lead: 's2c',
      s2c: frame('HEADERS', { stream: 5, flags: ['END_STREAM'] }),
      text: `
GetFeature again, the same two Response-Headers as the first time, but \`content-type\` was evicted:
the encoder sends it as a literal again, 14 bytes instead of 2, and it enters the table once more,
evicting the oldest entry, \`grpc-accept-encoding\` (222 + 60 = 282, over ${TABLE_SIZE}; 282 − 73 =
209). The trailers' \`grpc-status: 0\` is a literal too, its value no longer in the table, but its
name is: index 64, the entry of \`grpc-status: 12\`. A small table saves the decoder memory and costs
bytes on the wire; with the default 4,096 bytes, this call's Response-Headers would take 2 bytes
and its trailers 1, as in [route-chat-grpc-go.md](route-chat-grpc-go.md#3-the-response-nine-notes-then-the-trailers).`,
      shows: [
        {
          says: 'the encoder sends it as a literal again, 14 bytes instead of 2',
          holds: (s) =>
            sentAs(s, 'content-type').join() === 'literal, incremental indexing, name static 31, value Huffman' &&
            serverBlocks(s)[0]?.headerBlock?.bytes === 14,
        },
        {
          says: 'name is: index 64',
          holds: (s) =>
            sentAs(s, 'grpc-status').join() === 'literal, incremental indexing, name dynamic 64, value plain',
        },
      ],
    },
    closeStep(5),
  ],
};
