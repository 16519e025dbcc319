// The tap's connection decoder on byte-exact conversations: the events of a whole call (frames,
// header blocks, messages split and joined, the call summary), the same events for any chunking,
// the notes that name protocol rules, the warnings for deviations, fatal decoding errors that stop
// decoding without stopping anything else, HPACK bounded by the peer's acknowledged SETTINGS, and
// events held in order while a schema is looked up.

import { gzipSync } from 'node:zlib';
import t from 'tap';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { ConnectionDecoder } from '../../src/wire/connection.js';
import type { Direction, TapEvent } from '../../src/wire/events.js';
import { TapSchemas } from '../../src/cli/tap-schemas.js';
import type { SchemaLookup, SchemaSource } from '../../src/wire/protobuf/schemas.js';
import { cutAt, h2frame, randomCuts } from '../helpers/h2-frames.js';
import { prng } from '../helpers/rng.js';
import {
  data,
  F,
  goaway,
  grpcMessage,
  headers,
  hpackBlock,
  OK_TRAILERS,
  ping,
  PREFACE,
  REQUEST,
  RESPONSE,
  rstStream,
  settings,
  settingsAck,
  windowUpdate,
} from '../helpers/h2-conversation.js';

const root = routeGuideDefinition().service.root;
const RouteNote = root.lookupType('routeguide.RouteNote');
const note = (message: string, longitude: number) =>
  Buffer.from(RouteNote.encode({ location: { latitude: 0, longitude }, message }).finish());
const withProto = () => new TapSchemas({ protoRoot: root });

type Step = [Direction, Buffer];

/** Feeds the steps in order (each direction's bytes cut as given), closes, returns the events without `t`. */
function decode(steps: Step[], schemas = withProto(), maxBody = 0): Record<string, unknown>[] {
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({ conn: 1, clock: () => 0, schemas, emit: (e) => events.push(e), maxBody });
  for (const [dir, bytes] of steps) decoder.feed(dir, bytes);
  decoder.close();
  return events.map(({ t: _t, ...rest }) => rest);
}

const kinds = (events: Record<string, unknown>[]) =>
  events.map((e) => (e.kind === 'frame' ? `${e.dir as string} ${e.type as string}` : (e.kind as string)));
const of = (events: Record<string, unknown>[], kind: string) => events.filter((e) => e.kind === kind) as any[];
const warnings = (events: Record<string, unknown>[]) => of(events, 'warning').map((w) => `${w.rule}: ${w.note}`);

// A RouteChat: the request block split over HEADERS + CONTINUATION; the second note split over two
// DATA frames (inside its prefix); two replies in one DATA frame; trailers.
const m1 = grpcMessage(note('First message', 1));
const m2 = grpcMessage(note('Second message', 2));
const requestBlock = hpackBlock(REQUEST);
const CLIENT = Buffer.concat([
  PREFACE,
  settings([[0x4, 1048576]]),
  h2frame(0x1, 0, 1, requestBlock.subarray(0, 20)),
  h2frame(0x9, F.END_HEADERS, 1, requestBlock.subarray(20)),
  data(1, Buffer.concat([m1, m2.subarray(0, 3)])),
  data(1, m2.subarray(3)),
  data(1, Buffer.alloc(0), F.END_STREAM),
]);
const SERVER = Buffer.concat([
  settings([[0x3, 100]]),
  settingsAck(),
  headers(1, RESPONSE),
  data(1, Buffer.concat([m1, m2])),
  headers(1, OK_TRAILERS, F.END_HEADERS | F.END_STREAM),
]);

t.test('a whole call: frames, header blocks, messages, the summary', async (t) => {
  const events = decode([
    ['c2s', CLIENT],
    ['s2c', SERVER],
    ['c2s', settingsAck()],
  ]);
  t.same(kinds(events), [
    'connection',
    'c2s SETTINGS',
    'c2s HEADERS',
    'c2s CONTINUATION',
    'c2s DATA',
    'message',
    'c2s DATA',
    'message',
    'c2s DATA',
    's2c SETTINGS',
    's2c SETTINGS',
    's2c HEADERS',
    's2c DATA',
    'message',
    'message',
    's2c HEADERS',
    'call',
    'c2s SETTINGS',
  ]);
  t.same(warnings(events), [], 'nothing to flag');
  const frames = of(events, 'frame');
  t.match(frames[1], { type: 'HEADERS', flags: [], note: /continues in CONTINUATION/ });
  t.match(frames[2], {
    type: 'CONTINUATION',
    flags: ['END_HEADERS'],
    headers: REQUEST.map(([n, v]) => [n, v, 'literal without indexing, name literal (plain), value plain']),
    headerBlock: { bytes: requestBlock.length, frames: 2 },
    note: 'Request-Headers: call /routeguide.RouteGuide/RouteChat',
  });
  t.same(frames[3].segments, [
    { message: 1, at: 0, bytes: m1.length, part: 'whole' },
    { message: 2, at: m1.length, bytes: 3, part: 'start' },
  ]);
  t.same(frames[4].segments, [{ message: 2, at: 0, bytes: m2.length - 3, part: 'end' }]);
  t.match(frames[5], { flags: ['END_STREAM'], length: 0, note: 'half-close: END_STREAM on an empty DATA frame' });
  t.match(frames[7], { flags: ['ACK'], note: /the server applied the client's SETTINGS/ });
  t.match(frames[9], { segments: [{ part: 'whole' }, { part: 'whole' }], note: '2 messages in one DATA frame' });
  t.match(frames[10], { headers: [['grpc-status', '0']], note: /Trailers: .* grpc-status 0 \(OK\)/ });
  t.match(frames[11], { flags: ['ACK'], note: /the client applied the server's SETTINGS/ });

  const messages = of(events, 'message');
  t.same(
    messages.map((m) => [m.dir, m.index, m.frames, m.messageType, m.schema, m.message]),
    [
      [
        'c2s',
        1,
        1,
        'routeguide.RouteNote',
        'proto',
        { location: { latitude: 0, longitude: 1 }, message: 'First message' },
      ],
      [
        'c2s',
        2,
        2,
        'routeguide.RouteNote',
        'proto',
        { location: { latitude: 0, longitude: 2 }, message: 'Second message' },
      ],
      [
        's2c',
        1,
        1,
        'routeguide.RouteNote',
        'proto',
        { location: { latitude: 0, longitude: 1 }, message: 'First message' },
      ],
      [
        's2c',
        2,
        1,
        'routeguide.RouteNote',
        'proto',
        { location: { latitude: 0, longitude: 2 }, message: 'Second message' },
      ],
    ],
  );
  t.same(messages[0].prefix, { flag: '0x00', length: `0x${(m1.length - 5).toString(16).padStart(8, '0')}` });
  t.match(messages[1], { note: 'spread over 2 DATA frames', method: '/routeguide.RouteGuide/RouteChat' });
  t.match(of(events, 'call')[0], {
    stream: 1,
    method: '/routeguide.RouteGuide/RouteChat',
    status: 0,
    statusName: 'OK',
    end: 'trailers',
    messages: { c2s: 2, s2c: 2 },
    wireBytes: { c2s: m1.length + m2.length, s2c: m1.length + m2.length },
    messageBytes: { c2s: m1.length + m2.length - 10, s2c: m1.length + m2.length - 10 },
  });
  t.ok(
    events.every((e) => JSON.parse(JSON.stringify(e)) !== undefined && !JSON.stringify(e).includes('"type":"Buffer"')),
    'every event is plain JSON',
  );
});

t.test('any chunking of either direction gives the same events', async (t) => {
  const whole = JSON.stringify(
    decode([
      ['c2s', CLIENT],
      ['s2c', SERVER],
    ]),
  );
  let differ = 0;
  for (let cut = 1; cut < CLIENT.length; cut++) {
    const steps: Step[] = cutAt(CLIENT, [cut]).map((b) => ['c2s', b]);
    if (JSON.stringify(decode([...steps, ['s2c', SERVER]])) !== whole) differ++;
  }
  for (let cut = 1; cut < SERVER.length; cut++) {
    const steps: Step[] = cutAt(SERVER, [cut]).map((b) => ['s2c', b]);
    if (JSON.stringify(decode([['c2s', CLIENT], ...steps])) !== whole) differ++;
  }
  t.equal(differ, 0, `every two-chunk split of both directions (${CLIENT.length + SERVER.length - 2})`);
  for (let seed = 1; seed <= 100; seed++) {
    const random = prng(seed);
    const steps: Step[] = [
      ...cutAt(CLIENT, randomCuts(CLIENT.length, random, 1 + (seed % 17))).map((b): Step => ['c2s', b]),
      ...cutAt(SERVER, randomCuts(SERVER.length, random, 1 + (seed % 13))).map((b): Step => ['s2c', b]),
    ];
    if (JSON.stringify(decode(steps)) !== whole) t.fail(`seed ${seed}`);
  }
  t.pass('100 random chunkings');
});

/** A client that opened stream 1 with REQUEST, then `client`; a server that answers with `server`. */
function call(client: Buffer[], server: Buffer[], request = REQUEST): Record<string, unknown>[] {
  return decode([
    ['c2s', Buffer.concat([PREFACE, settings(), headers(1, request), ...client])],
    ['s2c', Buffer.concat([settings(), ...server])],
  ]);
}

/** Each completed header block as "dir kind [statusName]". */
const blockKinds = (events: Record<string, unknown>[]) =>
  of(events, 'frame')
    .filter((f) => f.headerBlock)
    .map((f) => [f.dir, f.headerBlock.kind, f.headerBlock.statusName].filter((x) => x !== undefined).join(' '));

t.test("each header block says what it is, from its stream's state", async (t) => {
  t.same(blockKinds(call([], [headers(1, RESPONSE), headers(1, OK_TRAILERS, F.END_HEADERS | F.END_STREAM)])), [
    'c2s request',
    's2c response',
    's2c trailers OK',
  ]);
  t.same(
    blockKinds(call([], [headers(1, [...RESPONSE, ['grpc-status', '12']], F.END_HEADERS | F.END_STREAM)])),
    ['c2s request', 's2c trailers-only UNIMPLEMENTED'],
    'the first response block with END_STREAM: Trailers-Only',
  );
  t.same(
    blockKinds(call([], [headers(1, [...RESPONSE, ['grpc-status', '5']])])),
    ['c2s request', 's2c response'],
    'grpc-status without END_STREAM: Response-Headers, not Trailers-Only',
  );
  t.same(
    blockKinds(call([], [headers(1, RESPONSE), headers(1, [['grpc-status', '17']], F.END_HEADERS | F.END_STREAM)])),
    ['c2s request', 's2c response', 's2c trailers'],
    'a grpc-status that is not one of the codes has no name',
  );

  const secondRequest = call([headers(1, [['x-trailer', 'v']], F.END_HEADERS | F.END_STREAM)], []);
  t.same(blockKinds(secondRequest), ['c2s request', 'c2s unexpected']);
  t.match(warnings(secondRequest), [/a second HEADERS from the client/]);
  const afterTrailers = call(
    [],
    [headers(1, RESPONSE), headers(1, OK_TRAILERS, F.END_HEADERS | F.END_STREAM), headers(1, OK_TRAILERS)],
  );
  t.same(blockKinds(afterTrailers), ['c2s request', 's2c response', 's2c trailers OK', 's2c unexpected']);
  t.match(warnings(afterTrailers), [/HEADERS after the trailers/]);
  const unopened = call([], [headers(3, RESPONSE)]);
  t.same(blockKinds(unopened), ['c2s request', 's2c unexpected']);
  t.match(warnings(unopened), [/HEADERS on stream 3, which the client has not opened/]);

  const pushed = call(
    [],
    [h2frame(0x5, F.END_HEADERS, 1, Buffer.concat([Buffer.from([0, 0, 0, 2]), hpackBlock([[':method', 'GET']])]))],
  );
  t.same(blockKinds(pushed), ['c2s request', 's2c push-promise']);
});

t.test('notes: Trailers-Only, RST_STREAM CANCEL, GOAWAY, PING, WINDOW_UPDATE, and more', async (t) => {
  const trailersOnly = call(
    [data(1, grpcMessage(note('x', 1)), F.END_STREAM)],
    [
      headers(
        1,
        [...RESPONSE, ['grpc-status', '12'], ['grpc-message', 'no such method']],
        F.END_HEADERS | F.END_STREAM,
      ),
    ],
  );
  t.match(of(trailersOnly, 'frame').at(-1), {
    note: 'Trailers-Only: HEADERS with END_STREAM carries grpc-status 12 (UNIMPLEMENTED), no DATA',
  });
  t.match(of(trailersOnly, 'call')[0], {
    status: 12,
    statusName: 'UNIMPLEMENTED',
    statusMessage: 'no such method',
    end: 'trailers-only',
  });

  const cancelled = call([data(1, grpcMessage(note('x', 1))), rstStream(1, 0x8)], []);
  t.match(
    of(cancelled, 'frame').find((f) => f.type === 'RST_STREAM'),
    {
      type: 'RST_STREAM',
      errorCode: 'CANCEL',
      note: 'RST_STREAM CANCEL: the client cancelled → CANCELLED',
    },
  );
  t.match(of(cancelled, 'call')[0], { status: 1, statusName: 'CANCELLED', end: 'rst_stream' });

  const afterTrailers = call(
    [data(1, grpcMessage(note('x', 1)))],
    [headers(1, [...RESPONSE, ['grpc-status', '3']], F.END_HEADERS | F.END_STREAM), rstStream(1, 0)],
  );
  t.match(of(afterTrailers, 'frame').at(-1), { note: /RST_STREAM NO_ERROR after the status: early server closure/ });
  t.match(of(afterTrailers, 'call')[0], { status: 3, end: 'trailers-only' });
  // The same after a request that had half-closed: the call's summary is out before the reset.
  const afterEnded = call(
    [data(1, grpcMessage(note('x', 1)), F.END_STREAM)],
    [headers(1, [...RESPONSE, ['grpc-status', '12']], F.END_HEADERS | F.END_STREAM), rstStream(1, 0)],
  );
  t.match(of(afterEnded, 'frame').at(-1), { note: /RST_STREAM NO_ERROR after the status: early server closure/ });
  t.notMatch(of(afterEnded, 'frame').at(-1)?.note, /INTERNAL/);

  const misc = decode([
    ['c2s', Buffer.concat([PREFACE, settings(), ping('0102030405060708'), windowUpdate(0, 1000)])],
    [
      's2c',
      Buffer.concat([
        settings(),
        ping('0102030405060708', true),
        goaway(0x7fffffff, 0),
        goaway(1, 0),
        goaway(0, 0xb, 'too_many_pings'),
        h2frame(0x2, 0, 3, Buffer.from([0, 0, 0, 1, 15])),
        h2frame(0xfa, 0, 0, Buffer.from('x')),
      ]),
    ],
  ]);
  const notes = of(misc, 'frame').map((f) => f.note as string);
  t.match(notes, [
    /the client's first frame/,
    /PING \(RFC 9113 §6.7\): the client asks for a PING ACK/,
    /the client lets the server send 1000 more bytes on the connection/,
    /the server's first frame/,
    /PING ACK .*answers the client's PING, 0\.000 ms later/,
    /graceful shutdown announced/,
    'GOAWAY (RFC 9113 §6.8): graceful shutdown, last stream id 1: streams above it were not processed and may be retried',
    /too_many_pings/,
    /PRIORITY .*deprecated/,
    /frame type 0xfa is not defined/,
  ]);
  t.same(warnings(misc), []);
});

t.test('warnings: what PROTOCOL-HTTP2 and RFC 9113 require, flagged', async (t) => {
  const without = (name: string) => REQUEST.filter(([n]) => n !== name);
  const cases: [string, Record<string, unknown>[], RegExp][] = [
    ['missing te', call([], [], without('te')), /te: trailers is missing/],
    [
      'wrong content-type',
      call([], [], [...without('content-type'), ['content-type', 'text/plain']]),
      /content-type "text\/plain" is not application\/grpc/,
    ],
    ['GET', call([], [], [[':method', 'GET'], ...without(':method')]), /:method GET: gRPC calls are POST/],
    [
      'bad timeout',
      call([], [], [...REQUEST, ['grpc-timeout', '1x']]),
      /PROTOCOL-HTTP2 Timeout: malformed grpc-timeout "1x"/,
    ],
    [
      'DATA before HEADERS',
      decode([['c2s', Buffer.concat([PREFACE, settings(), data(3, grpcMessage(note('x', 1)))])]]),
      /DATA before HEADERS: stream 3 was never opened/,
    ],
    [
      'DATA before the response HEADERS',
      call([], [data(1, grpcMessage(note('x', 1)))]),
      /DATA before the response HEADERS/,
    ],
    [
      'trailers without grpc-status',
      call([], [headers(1, RESPONSE), headers(1, [['grpc-message', 'x']], F.END_HEADERS | F.END_STREAM)]),
      /trailers without grpc-status/,
    ],
    [
      'non-200 :status',
      call([], [headers(1, [[':status', '503']], F.END_HEADERS | F.END_STREAM)]),
      /:status 503, not 200/,
    ],
    [
      'compressed flag without grpc-encoding',
      call([data(1, grpcMessage(gzipSync(note('x', 1)), 1))], []),
      /Compressed-Flag 1 without a grpc-encoding/,
    ],
    [
      'reserved flag bits in the prefix',
      call([data(1, grpcMessage(note('x', 1), 2))], []),
      /invalid Compressed-Flag 2/,
    ],
    [
      'a message over 4 MiB',
      call([data(1, Buffer.from([0, 0, 0x50, 0, 0]))], []),
      /Received message larger than max \(5242880 vs\. 4194304\)/,
    ],
    [
      'undefined frame flags',
      call([h2frame(0x0, 0x2, 1, Buffer.alloc(0))], []),
      /flag bits 0x02 are not defined for DATA/,
    ],
    [
      'the R bit',
      call([h2frame(0x8, 0, 1, Buffer.from([0, 0, 0, 1]), true)], []),
      /reserved bit before the stream identifier/,
    ],
    [
      'first frame not SETTINGS',
      decode([['c2s', Buffer.concat([PREFACE, headers(1, REQUEST)])]]),
      /the client's first frame is HEADERS: it must be SETTINGS/,
    ],
    [
      'an oversized frame',
      call([data(1, Buffer.alloc(16385))], []),
      /a 16385-byte payload, above the receiver's SETTINGS_MAX_FRAME_SIZE of 16384/,
    ],
    [
      'even stream id',
      decode([['c2s', Buffer.concat([PREFACE, settings(), headers(2, REQUEST)])]]),
      /client opens odd-numbered streams/,
    ],
    [
      'response without trailers',
      call([], [headers(1, RESPONSE), data(1, Buffer.alloc(0), F.END_STREAM)]),
      /the response ends on DATA, without trailers/,
    ],
    [
      'uppercase and connection-specific fields',
      call([], [], [...REQUEST, ['X-Custom', 'v'], ['connection', 'keep-alive']]),
      /field name "X-Custom" has uppercase letters/,
    ],
    ['binary metadata not base64', call([], [], [...REQUEST, ['trace-bin', '!!!']]), /trace-bin is not base64/],
    [
      'grpc-message not percent-encoded',
      call(
        [],
        [headers(1, [...RESPONSE, ['grpc-status', '2'], ['grpc-message', '100% sure']], F.END_HEADERS | F.END_STREAM)],
      ),
      /grpc-message is not percent-encoded/,
    ],
    [
      'a stream ended inside a message',
      call([data(1, grpcMessage(note('x', 1)).subarray(0, 8), F.END_STREAM)], []),
      /stream ended inside a message/,
    ],
    [
      'PUSH_PROMISE after ENABLE_PUSH 0',
      decode([
        ['c2s', Buffer.concat([PREFACE, settings([[0x2, 0]]), headers(1, REQUEST)])],
        ['s2c', Buffer.concat([settings(), settingsAck()])],
        ['c2s', settingsAck()],
        [
          's2c',
          h2frame(0x5, F.END_HEADERS, 1, Buffer.concat([Buffer.from([0, 0, 0, 2]), hpackBlock([[':method', 'GET']])])),
        ],
      ]),
      /PUSH_PROMISE after the client disabled push/,
    ],
  ];
  for (const [name, events, expected] of cases) {
    const found = warnings(events);
    t.ok(
      found.some((w) => expected.test(w)),
      name,
      { found },
    );
  }
  const clean = call(
    [data(1, grpcMessage(note('x', 1)), F.END_STREAM)],
    [headers(1, RESPONSE), headers(1, OK_TRAILERS, 5)],
  );
  t.same(warnings(clean), [], 'a well-formed call has none');
});

t.test('fatal errors: decoding stops, with one error naming offset and rule; nothing throws', async (t) => {
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 7,
    clock: () => 0,
    schemas: withProto(),
    emit: (e) => events.push(e),
    maxBody: 0,
  });
  decoder.feed('c2s', Buffer.concat([PREFACE, settings()]));
  // Index 200 is in neither table: RFC 7541 §2.3.3.
  decoder.feed('c2s', h2frame(0x1, F.END_HEADERS, 1, Buffer.from([0xff, 0x49])));
  const fatal = events.filter((e) => e.kind === 'error');
  t.equal(fatal.length, 1);
  t.match(fatal[0], {
    kind: 'error',
    fatal: true,
    conn: 7,
    stream: 1,
    rule: /RFC 7541/,
    note: /undecodable from here/,
  });
  t.equal(decoder.undecodable, true);
  const before = events.length;
  decoder.feed('c2s', Buffer.from('anything at all'));
  decoder.feed('s2c', Buffer.from('anything at all'));
  decoder.end('c2s');
  t.equal(events.length, before, 'nothing more is decoded');

  const http1 = decode([['c2s', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]]);
  t.match(of(http1, 'error'), [{ fatal: true, rule: 'RFC 9113 §3.4', offset: 0, note: /HTTP\/1\.x/ }]);

  const interrupted = decode([
    ['c2s', Buffer.concat([PREFACE, settings(), h2frame(0x1, 0, 1, hpackBlock(REQUEST)), data(1, Buffer.alloc(1))])],
  ]);
  t.match(of(interrupted, 'error'), [
    { fatal: true, rule: 'RFC 9113 §6.10', note: /DATA on stream 1 inside the header block/ },
  ]);

  // A CONTINUATION with no header block open loses HPACK's thread; what its frame header breaks
  // (a flag CONTINUATION does not define) is still said before the fatal error.
  const stray = decode([
    ['c2s', Buffer.concat([PREFACE, settings(), h2frame(0x9, F.END_HEADERS | 0x1, 1, Buffer.alloc(2))])],
  ]);
  t.same(
    stray.slice(-3).map((e) => e.kind),
    ['frame', 'warning', 'error'],
  );
  t.match(stray.at(-2), { kind: 'warning', note: /flag bits 0x01 are not defined for CONTINUATION/ });
  t.match(stray.at(-1), { kind: 'error', fatal: true, rule: 'RFC 9113 §6.10' });

  const badFrame = call([h2frame(0x3, 0, 1, Buffer.alloc(3)), data(1, grpcMessage(note('after', 1)))], []);
  t.match(of(badFrame, 'error'), [{ rule: 'RFC 9113 §6.4', note: /length 3, must be 4/ }]);
  t.equal(of(badFrame, 'error')[0].fatal, undefined, 'a malformed frame that is not a header block is not fatal');
  t.equal(of(badFrame, 'message').length, 1, 'decoding goes on after it');
});

t.test('HPACK: each direction bounded by the SETTINGS_HEADER_TABLE_SIZE the peer sent, from its ACK', async (t) => {
  const withUpdate = (stream: number, size: number) => h2frame(0x1, F.END_HEADERS, stream, hpackBlock(REQUEST, [size]));
  const events = decode([
    ['c2s', Buffer.concat([PREFACE, settings()])],
    ['s2c', settings([[0x1, 100]])],
    // Not yet acknowledged: 4096 is still the limit.
    ['c2s', withUpdate(1, 4096)],
    ['c2s', settingsAck()],
    // Acknowledged: the next block must bring the table down to 100 at most, and may not go above.
    ['c2s', withUpdate(3, 100)],
    ['c2s', withUpdate(5, 4096)],
  ]);
  const frames = of(events, 'frame').filter((f) => f.type === 'HEADERS');
  t.same(
    frames.map((f) => f.headerBlock?.tableSizeUpdates),
    [[4096], [100], undefined],
  );
  t.match(
    of(events, 'frame').find((f) => f.type === 'SETTINGS' && f.dir === 'c2s' && f.flags.includes('ACK')),
    {
      note: /client→server header blocks may use a 100-byte HPACK dynamic table/,
    },
  );
  t.match(of(events, 'error'), [{ fatal: true, stream: 5, rule: /RFC 7541/ }]);
});

t.test('compressed messages are inflated per grpc-encoding', async (t) => {
  const body = note('compressed note', 9);
  const events = call(
    [data(1, grpcMessage(gzipSync(body), 1), F.END_STREAM)],
    [],
    [...REQUEST, ['grpc-encoding', 'gzip']],
  );
  const [m] = of(events, 'message');
  t.match(m, {
    prefix: { flag: '0x01' },
    encoding: 'gzip',
    bytes: body.length,
    message: { message: 'compressed note' },
    note: new RegExp(`Compressed-Flag 1: gzip, ${gzipSync(body).length} → ${body.length} bytes`),
  });
  t.match(of(events, 'frame')[1], { note: /messages may be gzip-compressed/ });
});

t.test('without a schema: the wire format; --max-body cuts long messages', async (t) => {
  const events = call([data(1, grpcMessage(note('First message', 1)), F.END_STREAM)], [], REQUEST);
  t.equal(of(events, 'message')[0].schema, 'proto');
  const bare = decode(
    [
      [
        'c2s',
        Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, grpcMessage(note('First message', 1)))]),
      ],
    ],
    new TapSchemas(),
  );
  t.match(of(bare, 'message')[0], {
    schema: 'none',
    wireFields: [
      {
        field: 1,
        wire: 'len',
        message: [
          { field: 1, wire: 'varint', value: 0 },
          { field: 2, wire: 'varint', value: 1 },
        ],
      },
      { field: 2, wire: 'len', string: 'First message' },
    ],
    note: /no schema: no --proto files, and --no-reflection/,
  });
  const cut = decode(
    [
      [
        'c2s',
        Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, grpcMessage(note('A'.repeat(100), 1)))]),
      ],
    ],
    withProto(),
    20,
  );
  t.match(of(cut, 'message')[0], { truncated: '{"location":{"latitu…', message: undefined });
});

t.test('a schema that arrives later: events wait for it, in order, and count it', async (t) => {
  let answer!: (lookup: SchemaLookup) => void;
  const later = new Promise<SchemaLookup>((resolve) => (answer = resolve));
  const slow = { lookup: () => later } satisfies SchemaSource;
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 1,
    clock: () => 0,
    schemas: slow,
    emit: (e) => events.push(e),
    maxBody: 0,
  });
  decoder.feed('c2s', Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, grpcMessage(note('held', 1)))]));
  decoder.feed('s2c', Buffer.concat([settings(), headers(1, RESPONSE)]));
  t.same(
    events.map((e) => e.kind),
    ['connection', 'frame', 'frame', 'frame'],
    'the events after the waiting message are held',
  );
  answer({ requestType: RouteNote, responseType: RouteNote, source: 'reflection' });
  await later;
  await new Promise((r) => setImmediate(r));
  t.same(
    events.map((e) => (e.kind === 'frame' ? e.type : e.kind)),
    ['connection', 'SETTINGS', 'HEADERS', 'DATA', 'message', 'SETTINGS', 'HEADERS'],
  );
  t.match(events[4], { kind: 'message', schema: 'reflection', message: { message: 'held' } });

  // The call has its schema from now on: its next message goes out as soon as it is read.
  decoder.feed('c2s', data(1, grpcMessage(note('next', 2))));
  t.match(events.at(-1), { kind: 'message', schema: 'reflection', message: { message: 'next' } });
  decoder.feed('c2s', data(1, Buffer.alloc(0), F.END_STREAM));
  decoder.feed('s2c', headers(1, OK_TRAILERS, 5));
  t.same(
    events.slice(7).map((e) => (e.kind === 'frame' ? e.type : e.kind)),
    ['DATA', 'message', 'DATA', 'HEADERS', 'call'],
  );
  t.match(events.at(-1), { kind: 'call', messageBytes: { c2s: note('held', 1).length + note('next', 2).length } });
});

t.test('a schema that never arrives: the wait is bounded, the messages shown without it', async (t) => {
  const never = { lookup: () => new Promise<SchemaLookup>(() => {}) } satisfies SchemaSource;
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 1,
    clock: () => 0,
    schemas: never,
    emit: (e) => events.push(e),
    maxBody: 0,
  });
  decoder.feed('c2s', Buffer.concat([PREFACE, settings(), headers(1, REQUEST)]));
  const frame = data(1, grpcMessage(note('waiting', 1)));
  for (let i = 0; i < 6000; i++) decoder.feed('c2s', frame);
  const shown = events.filter((e) => e.kind === 'message');
  t.ok(shown.length >= 5000, `held events went out past the bound (${shown.length} messages)`);
  t.match(shown[0], {
    schema: 'none',
    note: /the schema lookup had not answered yet/,
    wireFields: [{ field: 1 }, { field: 2 }],
  });
  decoder.close();
  t.ok(events.filter((e) => e.kind === 'message').length < 6000, 'closing: the rest still wait');
  decoder.drain();
  t.equal(events.filter((e) => e.kind === 'message').length, 6000, 'draining lets them out');
  t.match(events.at(-1), { kind: 'call', end: 'connection closed', messages: { c2s: 6000 } });
});

t.test('the connection closes while a message waits for its schema: the answer still decodes it', async (t) => {
  /** `answerMs` undefined: the lookup never answers. */
  const run = (answerMs: number | undefined, lateSchemaMs: number) =>
    new Promise<{ events: TapEvent[]; doneAt: number }>((resolve) => {
      const events: TapEvent[] = [];
      const reflection = { requestType: RouteNote, responseType: RouteNote, source: 'reflection' as const };
      const decoder = new ConnectionDecoder({
        conn: 1,
        clock: () => 0,
        schemas: {
          lookup: () =>
            new Promise<SchemaLookup>((r) => answerMs !== undefined && setTimeout(() => r(reflection), answerMs)),
        },
        emit: (e) => events.push(e),
        maxBody: 0,
        lateSchemaMs,
      });
      decoder.feed(
        'c2s',
        Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, grpcMessage(note('late', 1)))]),
      );
      const closed = Date.now();
      const last = { t: 0, conn: 1, kind: 'connection', type: 'close', bytes: { c2s: 0, s2c: 0 } } as const;
      decoder.close(last, () => resolve({ events, doneAt: Date.now() - closed }));
      t.same(
        events.map((e) => e.kind),
        ['connection', 'frame', 'frame', 'frame'],
        'closed: the message, the call and the close wait',
      );
    });

  const answered = await run(50, 5000);
  t.same(
    answered.events.map((e) => (e.kind === 'frame' ? e.type : e.kind)),
    ['connection', 'SETTINGS', 'HEADERS', 'DATA', 'message', 'call', 'connection'],
    'the answer came: every event in order, the close last',
  );
  t.match(answered.events[4], { schema: 'reflection', message: { message: 'late' } });
  t.ok(answered.doneAt < 2000, `done when the answer came, not at the grace's end (${answered.doneAt} ms)`);

  const tooLate = await run(undefined, 50);
  t.match(tooLate.events[4], { kind: 'message', schema: 'none', note: /the schema lookup had not answered yet/ });
  t.match(tooLate.events.at(-1), { kind: 'connection', type: 'close' }, 'past the grace: out without it');
  t.ok(tooLate.doneAt < 2000, `at the grace's end (${tooLate.doneAt} ms)`);
});

t.test('a schema source that throws or rejects, or none at all: the message is shown without a schema', async (t) => {
  const run = async (schemas: SchemaSource | undefined) => {
    const events: TapEvent[] = [];
    const decoder = new ConnectionDecoder({
      conn: 1,
      clock: () => 0,
      schemas,
      emit: (e) => events.push(e),
      maxBody: 0,
    });
    decoder.feed('c2s', Buffer.concat([PREFACE, settings(), headers(1, REQUEST), data(1, grpcMessage(note('x', 1)))]));
    await new Promise((r) => setImmediate(r));
    return events.filter((e) => e.kind === 'message');
  };
  const throwing = {
    lookup(): SchemaLookup {
      throw new Error('out of order');
    },
  };
  t.match(await run(throwing), [{ schema: 'none', note: /no schema: the schema lookup failed: out of order/ }]);
  const rejecting = { lookup: () => Promise.reject(new Error('gone')) };
  t.match(await run(rejecting), [{ schema: 'none', note: /no schema: the schema lookup failed: gone/ }]);
  t.match(await run(undefined), [{ schema: 'none', note: /no schema: the tap was given no schemas/ }]);
});
