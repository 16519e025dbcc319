// The hex view (`routeguide tap --hex`, the web view's details): each frame's and message's bytes
// and what each byte is. The RFC 7541 Appendix C header blocks annotated representation by
// representation; a real GetFeature call through the tap, its frames and messages byte by byte;
// every byte of every frame covered exactly once, whatever the frame and however its bytes were
// cut into chunks; --max-body cutting the bytes shown, not the ranges; and off by default.

import t, { type Test } from 'tap';
import { upstreamSchemas } from '../../src/cli/tap-schemas.js';
import { Channel } from '../../src/client/channel.js';
import { addReflection } from '../../src/services/reflection/index.js';
import { routeGuideClient, routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { ConnectionDecoder } from '../../src/wire/connection.js';
import type { ByteRange, FrameEvent, MessageEvent, RawBytes, TapEvent } from '../../src/wire/events.js';
import { headerBlockRanges } from '../../src/wire/hpack/block-layout.js';
import { HpackDecoder, HpackError, type RepresentationBytes } from '../../src/wire/hpack/index.js';
import { ndjsonLine } from '../../src/wire/render/ndjson.js';
import { startTap } from '../../src/wire/tap.js';
import { h2frame, padded, settingsPayload, u32 } from '../helpers/h2-frames.js';
import {
  data,
  F,
  grpcMessage,
  goaway,
  headers,
  hpackBlock,
  ping,
  PREFACE,
  REQUEST,
  RESPONSE,
  rstStream,
  settings,
  settingsAck,
  windowUpdate,
} from '../helpers/h2-conversation.js';
import { C2, C3, C4, C5, C6, type Step } from '../helpers/rfc7541-examples.js';
import { prng } from '../helpers/rng.js';
import { startTestServer } from '../helpers/test-server.js';

const root = routeGuideDefinition().service.root;
const Point = root.lookupType('routeguide.Point');
const RouteNote = root.lookupType('routeguide.RouteNote');

/** Problems with how `ranges` cover [from, to): each byte exactly once, each range's parts covering it exactly. */
function coverage(ranges: readonly ByteRange[] | undefined, from: number, to: number, where = ''): string[] {
  const problems: string[] = [];
  let at = from;
  for (const r of ranges ?? []) {
    if (r.at !== at) problems.push(`${where}${r.what}: starts at ${r.at}, expected ${at}`);
    if (!(r.bytes > 0)) problems.push(`${where}${r.what}: ${r.bytes} bytes`);
    if (r.parts) problems.push(...coverage(r.parts, r.at, r.at + r.bytes, `${where}${r.what} › `));
    at = r.at + r.bytes;
  }
  if (at !== to) problems.push(`${where}ends at ${at}, expected ${to}`);
  return problems;
}

/** The leaves, in order: [offset, hex of their bytes, what]. */
function leaves(raw: RawBytes): [number, string, string][] {
  const out: [number, string, string][] = [];
  const walk = (ranges: readonly ByteRange[]) => {
    for (const r of ranges) {
      if (r.parts) walk(r.parts);
      else out.push([r.at, raw.hex.slice(2 * r.at, 2 * (r.at + r.bytes)), r.what]);
    }
  };
  walk(raw.ranges);
  return out;
}

/** The ranges as an outline: `what` per line, indented by depth. */
function outline(ranges: readonly ByteRange[], depth = 0): string[] {
  return ranges.flatMap((r) => [`${'  '.repeat(depth)}${r.what}`, ...outline(r.parts ?? [], depth + 1)]);
}

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function blockRanges(decoder: HpackDecoder, block: Uint8Array): ByteRange[] {
  const layout: RepresentationBytes[] = [];
  const decoded = decoder.decode(block, layout);
  if (decoded instanceof HpackError) throw decoded;
  return headerBlockRanges(block, decoded, layout);
}

/** Each step's block, decoded in order on one decoder: its ranges cover the block exactly. */
function checkSteps(t: Test, decoder: HpackDecoder, steps: Step[]): ByteRange[][] {
  return steps.map((step) => {
    const block = hex(step.block);
    const ranges = blockRanges(decoder, block);
    t.same(coverage(ranges, 0, block.length), [], `${step.id}: every byte once`);
    t.same(
      ranges.map((r) => r.what),
      step.fields.map(([field]) => field),
      `${step.id}: one range per representation`,
    );
    return ranges;
  });
}

t.test('RFC 7541 Appendix C: each representation of each header block, byte by byte', async (t) => {
  const c2 = C2.map((step) => checkSteps(t, new HpackDecoder(), [step])[0]);
  t.same(outline(c2[0]), [
    'custom-key: custom-header',
    '  01|000000 literal with incremental indexing (RFC 7541 §6.2.1): name index 0: the name follows as a string literal',
    '  0|0001010 name: H = 0, plain, length 10',
    '  name "custom-key" (plain octets)',
    '  0|0001101 value: H = 0, plain, length 13',
    '  value "custom-header" (plain octets)',
  ]);
  t.same(
    c2[0][0].parts!.map((p) => [p.at, p.bytes]),
    [
      [0, 1],
      [1, 1],
      [2, 10],
      [12, 1],
      [13, 13],
    ],
  );
  t.same(outline(c2[1]), [
    ':path: /sample/path',
    '  0000|0100 literal without indexing (RFC 7541 §6.2.2): name index 4 in the static table',
    '  0|0001100 value: H = 0, plain, length 12',
    '  value "/sample/path" (plain octets)',
  ]);
  t.match(outline(c2[2])[1], /^ {2}0001\|0000 literal never indexed \(RFC 7541 §6\.2\.3\): name index 0/);
  t.same(outline(c2[3]), [':method: GET', '  1|0000010 indexed field (RFC 7541 §6.1): index 2 in the static table']);

  checkSteps(t, new HpackDecoder(), C3);
  const c4 = checkSteps(t, new HpackDecoder(), C4);
  // C.4.1: :authority www.example.com, its 15 characters in 12 Huffman-coded bytes.
  t.same(outline([c4[0][3]]), [
    ':authority: www.example.com',
    '  01|000001 literal with incremental indexing (RFC 7541 §6.2.1): name index 1 in the static table',
    '  1|0001100 value: H = 1, Huffman-coded, length 12',
    '  value "www.example.com" (Huffman-coded)',
  ]);
  t.same(c4[0][3].parts!.at(-1), { at: 5, bytes: 12, what: 'value "www.example.com" (Huffman-coded)' });
  // C.4.2: the same :authority, now one byte: index 62 of the dynamic table.
  t.same(outline([c4[1][3]]), [
    ':authority: www.example.com',
    '  1|0111110 indexed field (RFC 7541 §6.1): index 62 in the dynamic table',
  ]);
  checkSteps(t, new HpackDecoder(256), C5);
  const c6 = checkSteps(t, new HpackDecoder(256), C6);
  t.same(outline([c6[2][5]]).slice(0, 3), [
    'set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
    '  01|110111 literal with incremental indexing (RFC 7541 §6.2.1): name index 55 in the static table',
    '  1|0101101 value: H = 1, Huffman-coded, length 45',
  ]);
});

t.test('integers past their prefix (RFC 7541 §5.1): the prefix byte, then the continuation bytes', async (t) => {
  // C.1.2's 1337 in a 5-bit prefix, as a dynamic table size update (§6.3) — then a field whose
  // index (§6.1) and string length (§5.2) each need a continuation byte.
  const value = 'v'.repeat(130);
  const good = Uint8Array.from([0x3f, 0x9a, 0x0a, 0x40, 0x01, 0x61, 0x7f, 0x03, ...Buffer.from(value, 'latin1')]);
  const ranges = blockRanges(new HpackDecoder(4096), good);
  t.same(coverage(ranges, 0, good.length), []);
  t.same(outline(ranges), [
    'dynamic table size update to 1337',
    '  001|11111 dynamic table size update (RFC 7541 §6.3): maximum size 31 and more: the prefix is full, the integer continues (RFC 7541 §5.1)',
    '  continuation: 31 + 1306 = 1337',
    `a: ${value}`,
    '  01|000000 literal with incremental indexing (RFC 7541 §6.2.1): name index 0: the name follows as a string literal',
    '  0|0000001 name: H = 0, plain, length 1',
    '  name "a" (plain octets)',
    '  0|1111111 value: H = 0, plain, length 127 and more: the prefix is full, the integer continues (RFC 7541 §5.1)',
    '  continuation: 127 + 3 = 130',
    `  value "${value}" (plain octets)`,
  ]);
  t.same(
    ranges[0].parts!.map((p) => [p.at, p.bytes]),
    [
      [0, 1],
      [1, 2],
    ],
  );
});

/** The events of a GetFeature through the tap in front of our server, with the hex view on. */
async function getFeatureThroughTap(t: Test, maxBody?: number): Promise<TapEvent[]> {
  const server = await startTestServer();
  addReflection(server.server);
  t.teardown(server.close);
  const upstream = { host: '127.0.0.1', port: server.port };
  const schemas = upstreamSchemas({ upstream, reflection: true });
  t.teardown(() => schemas.close());
  const events: TapEvent[] = [];
  const tap = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream,
    schemas: schemas.source,
    hex: true,
    maxBody,
    emit: (e) => events.push(e),
  });
  t.teardown(() => tap.close());
  const channel = new Channel(`127.0.0.1:${tap.address.port}`);
  t.teardown(() => channel.close());
  await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
  const deadline = Date.now() + 10_000;
  while (!events.some((e) => e.kind === 'call') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return events;
}

const frameOf = (events: TapEvent[], type: string, dir: string, n = 0) =>
  events.filter((e): e is FrameEvent => e.kind === 'frame' && e.type === type && e.dir === dir && e.stream === 1)[n];

t.test('a GetFeature call through the tap: its frames and messages byte by byte', async (t) => {
  const events = await getFeatureThroughTap(t);
  for (const e of events) {
    if (e.kind !== 'frame' && e.kind !== 'message') continue;
    if (!e.raw) {
      t.fail(`${e.kind} ${e.kind === 'frame' ? e.type : e.index}: no bytes`);
      continue;
    }
    const size = e.kind === 'frame' ? 9 + e.length : 5 + e.wireBytes;
    t.equal(e.raw.hex.length, 2 * size, `${e.kind} ${e.dir} ${e.kind === 'frame' ? e.type : e.index}: all its bytes`);
    t.same(coverage(e.raw.ranges, 0, size), [], `… each covered once`);
  }

  // The request message: its DATA frame holds the prefix and the Point, as protobufjs encodes it.
  const request = frameOf(events, 'DATA', 'c2s');
  const body = Buffer.from(Point.encode({ latitude: 409146138, longitude: -746188906 }).finish());
  t.equal(request.raw!.hex, `000016000100000001${grpcMessage(body).toString('hex')}`, 'the bytes on the wire');
  t.same(leaves(request.raw!), [
    [0, '000016', 'Length 22'],
    [3, '00', 'Type 0x0 DATA'],
    [4, '01', 'Flags 0x01: END_STREAM'],
    [5, '00000001', 'Stream Identifier 1'],
    [9, '00', 'Compressed-Flag 0: not compressed'],
    [10, '00000011', 'Message-Length 17'],
    [14, '08', 'tag 8 = field 1 << 3 | wire type 0 (VARINT)'],
    [15, '9aa68cc301', 'varint 409146138'],
    [20, '10', 'tag 16 = field 2 << 3 | wire type 0 (VARINT)'],
    [21, '969f989cfdffffffff01', 'varint 18446744072963362710 = int32 -746188906'],
  ]);
  t.same(outline(request.raw!.ranges).slice(5), [
    'Data',
    '  message 1 (whole)',
    '    prefix (PROTOCOL-HTTP2 Length-Prefixed-Message)',
    '      Compressed-Flag 0: not compressed',
    '      Message-Length 17',
    '    body: routeguide.Point, 17 bytes',
    '      1 latitude: 409146138',
    '        tag 8 = field 1 << 3 | wire type 0 (VARINT)',
    '        varint 409146138',
    '      2 longitude: -746188906',
    '        tag 16 = field 2 << 3 | wire type 0 (VARINT)',
    '        varint 18446744072963362710 = int32 -746188906',
  ]);
  const message = events.find((e): e is MessageEvent => e.kind === 'message' && e.dir === 'c2s')!;
  t.equal(message.raw!.hex, grpcMessage(body).toString('hex'), "the message's own bytes: prefix and body");
  t.same(
    outline(message.raw!.ranges),
    outline(request.raw!.ranges)
      .slice(7)
      .map((l) => l.slice(4)),
    'annotated as in its frame',
  );

  // The response: a string field, and a nested message (the location).
  const response = frameOf(events, 'DATA', 's2c');
  t.same(outline(response.raw!.ranges).slice(10), [
    '    body: routeguide.Feature, 79 bytes',
    '      1 name: "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"',
    '        tag 10 = field 1 << 3 | wire type 2 (LEN)',
    '        length 58',
    '        UTF-8 "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"',
    '      2 location (routeguide.Point)',
    '        tag 18 = field 2 << 3 | wire type 2 (LEN)',
    '        length 17',
    '        1 latitude: 409146138',
    '          tag 8 = field 1 << 3 | wire type 0 (VARINT)',
    '          varint 409146138',
    '        2 longitude: -746188906',
    '          tag 16 = field 2 << 3 | wire type 0 (VARINT)',
    '          varint 18446744072963362710 = int32 -746188906',
  ]);

  // The request headers: the frame header, then each representation.
  const requestHeaders = frameOf(events, 'HEADERS', 'c2s');
  t.same(leaves(requestHeaders.raw!).slice(0, 8), [
    [0, requestHeaders.length.toString(16).padStart(6, '0'), `Length ${requestHeaders.length}`],
    [3, '01', 'Type 0x1 HEADERS'],
    [4, '04', 'Flags 0x04: END_HEADERS'],
    [5, '00000001', 'Stream Identifier 1'],
    [9, '83', '1|0000011 indexed field (RFC 7541 §6.1): index 3 in the static table'],
    [10, '86', '1|0000110 indexed field (RFC 7541 §6.1): index 6 in the static table'],
    [11, '04', '0000|0100 literal without indexing (RFC 7541 §6.2.2): name index 4 in the static table'],
    [12, '98', '1|0011000 value: H = 1, Huffman-coded, length 24'],
  ]);
  t.same(leaves(requestHeaders.raw!)[8].slice(2), ['value "/routeguide.RouteGuide/GetFeature" (Huffman-coded)']);
  t.equal(leaves(requestHeaders.raw!)[8][1].length, 48, '24 bytes of Huffman code');
  const fragment = requestHeaders.raw!.ranges[1];
  t.equal(fragment.what, 'Field Block Fragment (HPACK, RFC 7541)');
  t.same(
    fragment.parts!.map((p) => p.what),
    requestHeaders.headers!.map(([name, value]) => `${name}: ${value}`),
    'one range per header field, in order',
  );

  // The trailers: grpc-status, its name Huffman-coded, its value one plain byte.
  const trailers = frameOf(events, 'HEADERS', 's2c', 1);
  t.same(leaves(trailers.raw!).slice(2), [
    [4, '05', 'Flags 0x05: END_STREAM END_HEADERS'],
    [5, '00000001', 'Stream Identifier 1'],
    [
      9,
      '40',
      '01|000000 literal with incremental indexing (RFC 7541 §6.2.1): name index 0: the name follows as a string literal',
    ],
    [10, '88', '1|0001000 name: H = 1, Huffman-coded, length 8'],
    [11, '9acac8b21234da8f', 'name "grpc-status" (Huffman-coded)'],
    [19, '01', '0|0000001 value: H = 0, plain, length 1'],
    [20, '30', 'value "0" (plain octets)'],
  ]);
});

t.test('--max-body: the bytes shown stop there, the ranges still cover the frame', async (t) => {
  const events = await getFeatureThroughTap(t, 20);
  const response = frameOf(events, 'DATA', 's2c');
  t.equal(response.raw!.hex.length, 2 * (9 + 20), 'the header and 20 bytes of payload');
  t.same(coverage(response.raw!.ranges, 0, 9 + 84), []);
  t.same(response.raw!.ranges.at(-1), { at: 29, bytes: 64, what: '64 more bytes, not shown (--max-body)' });
  t.same(
    outline(response.raw!.ranges).slice(5, 12),
    [
      'Data (20 of its 84 bytes)',
      '  message 1 (whole) (20 of its 84 bytes)',
      '    prefix (PROTOCOL-HTTP2 Length-Prefixed-Message)',
      '      Compressed-Flag 0: not compressed',
      '      Message-Length 79',
      '    body: routeguide.Feature, 79 bytes (15 of its 79 bytes)',
      '      1 name: "Berkshire Valley Management Area Trail, Jefferson, NJ, USA" (15 of its 60 bytes)',
    ],
    'a range cut short says how much of it is shown',
  );
});

// ---- every kind of frame, fed whole and in random chunks ----

const hpackRequest = (path: string) => hpackBlock([[':method', 'POST'], [':path', path], ...REQUEST.slice(3)]);

/** A client→server stream that exercises every frame type and every way a message can lie in DATA frames. */
function clientBytes(): Buffer {
  const block = hpackRequest('/routeguide.RouteGuide/RouteChat');
  const note = (text: string) =>
    grpcMessage(RouteNote.encode({ location: { latitude: 1, longitude: -2 }, message: text }).finish());
  const two = Buffer.concat([note('first'), note('second')]);
  const split = note('split across three frames, the prefix too');
  return Buffer.concat([
    PREFACE,
    h2frame(
      0x4,
      0,
      0,
      settingsPayload([
        [4, 1 << 20],
        [2, 0],
      ]),
    ),
    windowUpdate(0, 983041),
    // HEADERS with PADDED and PRIORITY, its block continued in a CONTINUATION frame.
    h2frame(
      0x1,
      F.PADDED | F.PRIORITY,
      1,
      padded(Buffer.concat([u32(0x80000003), Buffer.from([15]), block.subarray(0, 20)]), 3),
    ),
    h2frame(0x9, F.END_HEADERS, 1, block.subarray(20)),
    data(1, two),
    data(1, padded(split.subarray(0, 3), 4), F.PADDED), // 3 of the prefix's 5 bytes
    data(1, split.subarray(3, 20)), // the rest of the prefix and part of the body
    data(1, split.subarray(20)), // its end
    h2frame(0x2, 0, 3, Buffer.from([0, 0, 0, 1, 200])), // PRIORITY
    ping('0102030405060708'),
    h2frame(0xfa, 0x3, 0, Buffer.from('an extension')), // an unknown type
    h2frame(0x8, 0, 1, u32(0)), // WINDOW_UPDATE of 0: a frame error
    rstStream(1, 8),
    settingsAck(),
    goaway(1, 0, 'bye'),
  ]);
}

function serverBytes(): Buffer {
  return Buffer.concat([
    settings([[3, 100]]),
    settingsAck(),
    headers(1, RESPONSE),
    data(1, grpcMessage(RouteNote.encode({ message: 'reply' }).finish())),
    h2frame(0x1, F.END_HEADERS | F.END_STREAM, 1, hpackBlock([['grpc-status', '0']], [0])),
    ping('0102030405060708', true),
  ]);
}

function decodeInChunks(random: (() => number) | undefined): TapEvent[] {
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 1,
    clock: () => 0,
    schemas: { lookup: () => ({ requestType: RouteNote, responseType: RouteNote, source: 'proto' }) },
    emit: (e) => events.push(e),
    maxBody: 0,
    hex: true,
  });
  for (const [dir, bytes] of [
    ['c2s', clientBytes()],
    ['s2c', serverBytes()],
  ] as const) {
    for (let at = 0; at < bytes.length;) {
      const n = random ? 1 + Math.floor(random() * 40) : bytes.length;
      decoder.feed(dir, bytes.subarray(at, at + n));
      at += n;
    }
  }
  decoder.close();
  return events;
}

t.test('every frame type, every byte of it covered exactly once, however the bytes were cut', async (t) => {
  const whole = decodeInChunks(undefined);
  const frames = whole.filter((e): e is FrameEvent => e.kind === 'frame');
  t.same(
    frames.map((f) => f.type),
    [
      'SETTINGS',
      'WINDOW_UPDATE',
      'HEADERS',
      'CONTINUATION',
      'DATA',
      'DATA',
      'DATA',
      'DATA',
      'PRIORITY',
      'PING',
      'UNKNOWN',
      'WINDOW_UPDATE',
      'RST_STREAM',
      'SETTINGS',
      'GOAWAY',
      'SETTINGS',
      'SETTINGS',
      'HEADERS',
      'DATA',
      'HEADERS',
      'PING',
    ],
  );
  for (const f of frames) {
    t.equal(f.raw?.hex.length, 2 * (9 + f.length), `${f.dir} ${f.type} at ${f.offset}: all its bytes`);
    t.same(coverage(f.raw?.ranges, 0, 9 + f.length), [], `${f.dir} ${f.type} at ${f.offset}: each byte once`);
  }
  for (const m of whole.filter((e): e is MessageEvent => e.kind === 'message')) {
    t.same(coverage(m.raw?.ranges, 0, 5 + m.wireBytes), [], `message ${m.dir} ${m.index}: each byte once`);
  }
  const random = prng(7);
  for (let run = 0; run < 20; run++) {
    t.same(decodeInChunks(random), whole, `random chunking ${run + 1}: the same events, the same ranges`);
  }

  const [, , opening, continuation, two, start, middle, end, priority, , unknown, bad] = frames;
  // The block ends in the CONTINUATION frame: decoded there, the HEADERS frame shows its fragment as bytes.
  t.same(outline(opening.raw!.ranges).slice(5), [
    'Pad Length 3',
    'Stream Dependency 3, exclusive (E = 1)',
    'Weight 16 (sent as 15)',
    'Field Block Fragment (HPACK, RFC 7541)',
    'Padding: 3 bytes, zero',
  ]);
  t.same(outline(continuation.raw!.ranges).slice(5, 11), [
    'Field Block Fragment (HPACK, RFC 7541)',
    '  :path: /routeguide.RouteGuide/RouteChat (34 of its 40 bytes)',
    '    name ":path" (plain octets) (1 of its 5 bytes)',
    '    0|0100000 value: H = 0, plain, length 32',
    '    value "/routeguide.RouteGuide/RouteChat" (plain octets)',
    '  :authority: localhost',
  ]);
  t.same(
    two.raw!.ranges[1].parts!.map((p) => p.what),
    ['message 1 (whole)', 'message 2 (whole)'],
    'two messages in one DATA frame',
  );
  t.same(outline(start.raw!.ranges).slice(5), [
    'Pad Length 4',
    'Data',
    '  message 3 (start of it)',
    '    prefix (PROTOCOL-HTTP2 Length-Prefixed-Message) (3 of its 5 bytes)',
    '      Compressed-Flag',
    '      Message-Length (2 of its 4 bytes)',
    'Padding: 4 bytes, zero',
  ]);
  t.same(outline(middle.raw!.ranges).slice(5, 10), [
    'Data',
    '  message 3 (middle of it)',
    '    prefix (PROTOCOL-HTTP2 Length-Prefixed-Message) (2 of its 5 bytes)',
    '      Message-Length (2 of its 4 bytes)',
    '    body, a piece of it (the message is not complete in this frame: its fields are shown on the message)',
  ]);
  t.match(outline(end.raw!.ranges).slice(5, 8), [
    'Data',
    '  message 3 (end of it)',
    /^ {4}body: routeguide\.RouteNote, \d+ bytes \(\d+ of its \d+ bytes\)$/,
  ]);
  t.same(outline(priority.raw!.ranges).slice(5), ['Stream Dependency 1', 'Weight 201 (sent as 200)']);
  t.same(outline(unknown.raw!.ranges).slice(1), [
    '  Length 12',
    '  Type 0xfa unknown: the receiver ignores the frame (RFC 9113 §5.5)',
    '  Flags 0x03',
    '  Stream Identifier 0',
    'payload of a frame type this tap does not know',
  ]);
  t.match(outline(bad.raw!.ranges).at(-1), /^payload: not read further \(WINDOW_UPDATE: a window increment of 0/);
  const split = whole.find((e): e is MessageEvent => e.kind === 'message' && e.index === 3)!;
  t.match(outline(split.raw!.ranges), [
    'prefix (PROTOCOL-HTTP2 Length-Prefixed-Message)',
    '  Compressed-Flag 0: not compressed',
    /^ {2}Message-Length \d+$/,
    /^body: routeguide\.RouteNote/,
  ]);
  const sizeUpdate = frames.at(-2)!;
  t.equal(outline(sizeUpdate.raw!.ranges)[6], '  dynamic table size update to 0');
});

t.test('off by default: no event has bytes, and NDJSON writes them only when asked', async (t) => {
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 1,
    clock: () => 0,
    emit: (e) => events.push(e),
    maxBody: 0,
  });
  decoder.feed('c2s', clientBytes());
  decoder.feed('s2c', serverBytes());
  decoder.close();
  t.ok(events.length > 20);
  t.same(
    events.filter((e) => 'raw' in e),
    [],
    'no raw',
  );
  const withHex = decodeInChunks(undefined);
  for (let i = 0; i < withHex.length; i++) {
    const e = withHex[i];
    const line = ndjsonLine(e, false);
    const { raw: _raw, ...without } = e as TapEvent & { raw?: RawBytes };
    t.same(JSON.parse(line), JSON.parse(JSON.stringify(without)), `${e.kind} ${i}: without its bytes`);
    t.same(JSON.parse(ndjsonLine(e)), JSON.parse(JSON.stringify(e)), `${e.kind} ${i}: with them`);
  }
});

t.test(
  "a throw of the tap's own once a schema lookup answers: an error event and decoding stopped, not an unhandled rejection",
  async (t) => {
    // A type whose every property throws: laying out the frame's messages, and decoding them, fail.
    const broken = new Proxy(RouteNote, {
      get() {
        throw new Error('a type that cannot be read');
      },
    });
    const events: TapEvent[] = [];
    const decoder = new ConnectionDecoder({
      conn: 1,
      clock: () => 0,
      schemas: { lookup: () => Promise.resolve({ requestType: broken, responseType: broken, source: 'proto' }) },
      emit: (e) => events.push(e),
      maxBody: 0,
      hex: true,
    });
    const note = grpcMessage(RouteNote.encode({ message: 'held for the schema' }).finish());
    decoder.feed('c2s', Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, note)]));
    t.notOk(
      events.some((e) => e.kind === 'frame' && e.type === 'DATA'),
      'the DATA frame waits for the lookup',
    );
    await new Promise((resolve) => setImmediate(resolve));
    const failed = {
      kind: 'error',
      rule: 'tap',
      fatal: true,
      note: /^the decoder failed: Error: a type that cannot be read/,
    };
    t.same(
      events.map((e) => e.kind),
      ['connection', 'frame', 'frame', 'error', 'error'],
    );
    t.match(
      events.slice(3),
      [failed, failed],
      "the DATA frame's bytes, then its message: each a failure of the tap's own",
    );
    t.ok(decoder.undecodable, 'the connection is not decoded further');
    decoder.feed('c2s', data(1, note));
    decoder.close();
    t.same(
      events.slice(5).map((e) => e.kind),
      ['call'],
      'no frame after it, only the call summed up',
    );
  },
);
