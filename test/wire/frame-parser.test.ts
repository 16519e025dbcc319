// The tap's HTTP/2 frame parser (RFC 9113): the preface, every frame type with its flags by name,
// padding removed, SETTINGS and error codes, unknown types; malformed frames as error events naming
// offset and rule; CONTINUATION reassembly; and the same events for any chunking of the bytes.

import t, { type Test } from 'tap';
import { FrameParser, type ParseEvent } from '../../src/wire/h2/frame-parser.js';
import { decodeFrame, isFrameError, type Frame, type FrameError } from '../../src/wire/h2/frame-decode.js';
import { HeaderBlockAssembler, MAX_HEADER_BLOCK_SIZE } from '../../src/wire/h2/header-blocks.js';
import { flagNames, frameTypeName, undefinedFlagBits } from '../../src/wire/h2/frame-types.js';
import { settingName } from '../../src/wire/h2/settings.js';
import { cutAt, h2frame, padded, PREFACE, randomCuts, settingsPayload, u32 } from '../helpers/h2-frames.js';
import { prng } from '../helpers/rng.js';

// One of each frame type, with the flags each defines, padding, priority, and an unknown type.
const HPACK_BLOCK = Buffer.from('82864184f1e3c2e5f23a6ba0ab90f4ff', 'hex'); // RFC 7541 C.4.1
const FRAMES: Buffer[] = [
  h2frame(
    0x4,
    0,
    0,
    settingsPayload([
      [0x1, 4096],
      [0x3, 100],
      [0x4, 1048576],
      [0x5, 16384],
      [0x6, 8192],
      [0x2, 0],
      [0xff, 7],
    ]),
  ),
  h2frame(0x4, 0x1, 0, Buffer.alloc(0)),
  h2frame(0x8, 0, 0, u32(983041)),
  h2frame(0x1, 0x4 | 0x8 | 0x20, 1, padded(Buffer.concat([u32(0x80000003), Buffer.from([15]), HPACK_BLOCK]), 6)),
  h2frame(0x1, 0x0, 3, HPACK_BLOCK.subarray(0, 5)),
  h2frame(0x9, 0x0, 3, HPACK_BLOCK.subarray(5, 9)),
  h2frame(0x9, 0x4, 3, HPACK_BLOCK.subarray(9)),
  h2frame(0x0, 0x8, 1, padded(Buffer.from('0000000005hello'.replace(/^0000000005/, ''), 'latin1'), 3)),
  h2frame(0x0, 0x1, 1, Buffer.from([0, 0, 0, 0, 0])),
  h2frame(0x0, 0x1, 3, Buffer.alloc(0)),
  h2frame(0x2, 0, 5, Buffer.concat([u32(1), Buffer.from([255])])),
  h2frame(0x3, 0, 1, u32(0x8)),
  h2frame(0x5, 0x4 | 0x8, 1, padded(Buffer.concat([u32(2), HPACK_BLOCK]), 2)),
  h2frame(0x6, 0, 0, Buffer.from('0102030405060708', 'hex')),
  h2frame(0x6, 0x1, 0, Buffer.from('0102030405060708', 'hex')),
  h2frame(0x8, 0, 1, u32(65535)),
  h2frame(0x7, 0, 0, Buffer.concat([u32(5), u32(0xb), Buffer.from('too_many_pings')])),
  h2frame(0xfa, 0xff, 9, Buffer.from('extension')),
];
const CLIENT_BYTES = Buffer.concat([PREFACE, ...FRAMES]);

/** Events as plain values (payload bytes in hex), so that runs can be compared. */
function plain(events: ParseEvent[]): unknown[] {
  return events.map((e) =>
    e.kind === 'frame' ? { ...e, frame: { ...e.frame, payload: e.frame.payload.toString('hex') } } : e,
  );
}

function parseChunks(chunks: Buffer[], clientSide = true): unknown[] {
  const parser = new FrameParser(clientSide);
  const events = chunks.flatMap((c) => parser.push(c));
  return plain([...events, ...parser.end()]);
}

t.test('the preface and every frame type, in one chunk', async (t) => {
  const events = parseChunks([CLIENT_BYTES]) as {
    kind: string;
    frame?: { type: number; offset: number; streamId: number; length: number };
  }[];
  t.same(events[0], { kind: 'preface', offset: 0 });
  const frames = events.slice(1);
  t.equal(frames.length, FRAMES.length);
  t.same(
    frames.map((e) => frameTypeName(e.frame!.type) ?? `0x${e.frame!.type.toString(16)}`),
    [
      'SETTINGS',
      'SETTINGS',
      'WINDOW_UPDATE',
      'HEADERS',
      'HEADERS',
      'CONTINUATION',
      'CONTINUATION',
      'DATA',
      'DATA',
      'DATA',
      'PRIORITY',
      'RST_STREAM',
      'PUSH_PROMISE',
      'PING',
      'PING',
      'WINDOW_UPDATE',
      'GOAWAY',
      '0xfa',
    ],
  );
  // Offsets count from the first byte of the direction: the first frame follows the 24-byte preface.
  let offset = 24;
  for (const [i, e] of frames.entries()) {
    t.equal(e.frame!.offset, offset, `frame ${i} offset`);
    offset += FRAMES[i].length;
  }
});

t.test('every split point gives the same events', async (t) => {
  const whole = parseChunks([CLIENT_BYTES]);
  let same = 0;
  for (let cut = 1; cut < CLIENT_BYTES.length; cut++) {
    const split = parseChunks(cutAt(CLIENT_BYTES, [cut]));
    if (JSON.stringify(split) === JSON.stringify(whole)) same++;
    else t.same(split, whole, `split at ${cut}`);
  }
  t.equal(same, CLIENT_BYTES.length - 1, `all ${CLIENT_BYTES.length - 1} two-chunk splits`);
  t.same(
    parseChunks(
      cutAt(
        CLIENT_BYTES,
        Array.from({ length: CLIENT_BYTES.length - 1 }, (_, i) => i + 1),
      ),
    ),
    whole,
    'one byte at a time',
  );
});

t.test('random chunkings give the same events (seeded)', async (t) => {
  const whole = JSON.stringify(parseChunks([CLIENT_BYTES]));
  for (let seed = 1; seed <= 200; seed++) {
    const cuts = randomCuts(CLIENT_BYTES.length, prng(seed), 1 + (seed % 40));
    const got = JSON.stringify(parseChunks(cutAt(CLIENT_BYTES, cuts)));
    if (got !== whole) t.fail(`seed ${seed}: cuts ${cuts.join(',')}`);
  }
  t.pass('200 random chunkings');
});

t.test('server side: no preface, frames from byte 0', async (t) => {
  const events = parseChunks([FRAMES[0], FRAMES[1]], false) as { kind: string; frame: { offset: number } }[];
  t.same(
    events.map((e) => [e.kind, e.frame.offset]),
    [
      ['frame', 0],
      ['frame', FRAMES[0].length],
    ],
  );
});

t.test('not a preface: an error event naming what it looks like, then nothing more', async (t) => {
  const http1 = parseChunks([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]) as {
    kind: string;
    error: { offset: number; rule: string; message: string };
  }[];
  t.equal(http1.length, 1);
  t.match(http1[0].error, { offset: 0, rule: 'RFC 9113 §3.4', message: /HTTP\/1\.x/ });
  const tls = parseChunks([Buffer.from('16030100', 'hex'), Buffer.from('whatever')]) as typeof http1;
  t.match(tls[0].error.message, /TLS handshake/);
  const late = parseChunks([PREFACE.subarray(0, 10), Buffer.from('XXXXXXXXXXXXXXXXXXXXXXXX')]) as typeof http1;
  t.match(late[0].error, { offset: 10, message: /byte 10 is 0x58/ });
  t.equal(late.length, 1);
});

t.test('a stream that ends inside a frame is an error event', async (t) => {
  t.same(parseChunks([]), [], 'a connection closed before its first byte is not one');
  t.same(parseChunks([PREFACE]), [{ kind: 'preface', offset: 0 }], 'nor one closed between frames');
  const events = parseChunks([PREFACE, FRAMES[0].subarray(0, 20)]) as {
    kind: string;
    error?: { offset: number; message: string };
  }[];
  t.same(
    events.map((e) => e.kind),
    ['preface', 'error'],
  );
  t.match(events[1].error, { offset: 24, message: /inside a 42-byte frame payload \(11 bytes\)/ });
  const header = parseChunks([PREFACE, FRAMES[0].subarray(0, 4)]) as typeof events;
  t.match(header[1].error!.message, /inside a frame header \(4 of 9 bytes\)/);
});

// ---- decodeFrame ----

function decoded(bytes: Buffer): Frame | FrameError {
  const [event] = new FrameParser(false).push(bytes);
  if (event.kind !== 'frame') throw new Error('no frame');
  return decodeFrame(event.frame);
}

function ok(t: Test, bytes: Buffer): Frame {
  const f = decoded(bytes);
  if (isFrameError(f)) {
    t.fail(f.message);
    throw new Error(f.message);
  }
  return f;
}

t.test('each type decoded: flags by name, padding removed and shown, fields', async (t) => {
  const settings = ok(t, FRAMES[0]);
  t.equal(settings.type, 'SETTINGS');
  if (settings.type === 'SETTINGS')
    t.same(
      settings.settings.map((s) => [settingName(s.id), s.value]),
      [
        ['SETTINGS_HEADER_TABLE_SIZE', 4096],
        ['SETTINGS_MAX_CONCURRENT_STREAMS', 100],
        ['SETTINGS_INITIAL_WINDOW_SIZE', 1048576],
        ['SETTINGS_MAX_FRAME_SIZE', 16384],
        ['SETTINGS_MAX_HEADER_LIST_SIZE', 8192],
        ['SETTINGS_ENABLE_PUSH', 0],
        ['0x00ff', 7],
      ],
    );
  t.same(ok(t, FRAMES[1]).flagNames, ['ACK']);

  const headers = ok(t, FRAMES[3]);
  t.same(headers.flagNames, ['END_HEADERS', 'PADDED', 'PRIORITY']);
  if (headers.type === 'HEADERS') {
    t.same(headers.padding, { length: 6, nonZero: false });
    t.same(headers.priority, { exclusive: true, dependency: 3, weight: 16 });
    t.same(headers.fragment, HPACK_BLOCK);
  }
  const data = ok(t, FRAMES[7]);
  t.same(data.flagNames, ['PADDED']);
  if (data.type === 'DATA') {
    t.same(data.padding, { length: 3, nonZero: false });
    t.equal(data.data.toString(), 'hello');
  }
  t.same(ok(t, FRAMES[8]).flagNames, ['END_STREAM']);
  const priority = ok(t, FRAMES[10]);
  if (priority.type === 'PRIORITY') t.same(priority.priority, { exclusive: false, dependency: 1, weight: 256 });
  const rst = ok(t, FRAMES[11]);
  if (rst.type === 'RST_STREAM') t.equal(rst.errorCode, 8);
  const push = ok(t, FRAMES[12]);
  if (push.type === 'PUSH_PROMISE') {
    t.equal(push.promisedStreamId, 2);
    t.same(push.fragment, HPACK_BLOCK);
    t.same(push.padding, { length: 2, nonZero: false });
  }
  const ping = ok(t, FRAMES[14]);
  t.same(ping.flagNames, ['ACK']);
  if (ping.type === 'PING') t.equal(ping.opaque.toString('hex'), '0102030405060708');
  const window = ok(t, FRAMES[15]);
  if (window.type === 'WINDOW_UPDATE') t.equal(window.increment, 65535);
  const goaway = ok(t, FRAMES[16]);
  if (goaway.type === 'GOAWAY')
    t.same([goaway.lastStreamId, goaway.errorCode, goaway.debugData.toString()], [5, 11, 'too_many_pings']);
  const unknown = ok(t, FRAMES[17]);
  t.equal(unknown.type, 'UNKNOWN');
  t.equal(unknown.typeCode, 0xfa);
  t.same(unknown.flagNames, []);
  t.equal(unknown.undefinedFlags, 0, 'an unknown type has no undefined flags of ours');
});

t.test('flag tables: every type, defined and undefined bits', async (t) => {
  t.same(flagNames(0x1, 0xff), ['END_STREAM', 'END_HEADERS', 'PADDED', 'PRIORITY']);
  t.equal(undefinedFlagBits(0x1, 0xff), 0xff & ~0x2d);
  t.same(flagNames(0x0, 0x9), ['END_STREAM', 'PADDED']);
  t.same(flagNames(0x5, 0x0c), ['END_HEADERS', 'PADDED']);
  t.same(flagNames(0x9, 0x05), ['END_HEADERS']);
  t.equal(undefinedFlagBits(0x9, 0x05), 0x01);
  t.same(flagNames(0x7, 0x01), []);
  t.equal(undefinedFlagBits(0x7, 0x01), 0x01);
  t.equal(frameTypeName(0xa), undefined);
});

t.test('malformed frames: one table, each naming its rule and the receiver error code', async (t) => {
  const cases: [string, Buffer, string, string, RegExp][] = [
    ['DATA on stream 0', h2frame(0x0, 0, 0, Buffer.from('x')), '§6.1', 'PROTOCOL_ERROR', /stream identifier 0/],
    [
      'DATA padding too long',
      h2frame(0x0, 0x8, 1, Buffer.from([4, 1, 2, 3])),
      '§6.1',
      'PROTOCOL_ERROR',
      /Pad Length 4/,
    ],
    ['DATA PADDED, empty', h2frame(0x0, 0x8, 1), '§6.1', 'PROTOCOL_ERROR', /empty payload/],
    ['HEADERS on stream 0', h2frame(0x1, 0x4, 0, HPACK_BLOCK), '§6.2', 'PROTOCOL_ERROR', /stream identifier 0/],
    [
      'HEADERS PRIORITY, short',
      h2frame(0x1, 0x24, 1, Buffer.from([0, 0])),
      '§6.2',
      'FRAME_SIZE_ERROR',
      /PRIORITY flag/,
    ],
    ['PRIORITY length 4', h2frame(0x2, 0, 1, u32(0)), '§6.3', 'FRAME_SIZE_ERROR', /length 4, must be 5/],
    ['RST_STREAM on stream 0', h2frame(0x3, 0, 0, u32(8)), '§6.4', 'PROTOCOL_ERROR', /stream identifier 0/],
    ['RST_STREAM length 3', h2frame(0x3, 0, 1, Buffer.alloc(3)), '§6.4', 'FRAME_SIZE_ERROR', /length 3, must be 4/],
    ['SETTINGS on a stream', h2frame(0x4, 0, 1), '§6.5', 'PROTOCOL_ERROR', /belongs to the connection/],
    [
      'SETTINGS ACK with payload',
      h2frame(0x4, 0x1, 0, settingsPayload([[1, 1]])),
      '§6.5',
      'FRAME_SIZE_ERROR',
      /ACK with a 6-byte/,
    ],
    ['SETTINGS length 7', h2frame(0x4, 0, 0, Buffer.alloc(7)), '§6.5', 'FRAME_SIZE_ERROR', /multiple of 6/],
    ['ENABLE_PUSH 2', h2frame(0x4, 0, 0, settingsPayload([[2, 2]])), '§6.5.2', 'PROTOCOL_ERROR', /ENABLE_PUSH 2/],
    [
      'INITIAL_WINDOW_SIZE 2^31',
      h2frame(0x4, 0, 0, settingsPayload([[4, 2 ** 31]])),
      '§6.5.2',
      'FLOW_CONTROL_ERROR',
      /2\^31-1/,
    ],
    ['MAX_FRAME_SIZE 100', h2frame(0x4, 0, 0, settingsPayload([[5, 100]])), '§6.5.2', 'PROTOCOL_ERROR', /2\^14/],
    ['PUSH_PROMISE short', h2frame(0x5, 0x4, 1, Buffer.alloc(3)), '§6.6', 'FRAME_SIZE_ERROR', /promised stream/],
    ['PING length 7', h2frame(0x6, 0, 0, Buffer.alloc(7)), '§6.7', 'FRAME_SIZE_ERROR', /must be 8/],
    ['PING on a stream', h2frame(0x6, 0, 1, Buffer.alloc(8)), '§6.7', 'PROTOCOL_ERROR', /belongs to the connection/],
    ['GOAWAY length 7', h2frame(0x7, 0, 0, Buffer.alloc(7)), '§6.8', 'FRAME_SIZE_ERROR', /at least 8/],
    ['WINDOW_UPDATE of 0', h2frame(0x8, 0, 1, u32(0)), '§6.9', 'PROTOCOL_ERROR', /increment of 0/],
    ['WINDOW_UPDATE length 5', h2frame(0x8, 0, 1, Buffer.alloc(5)), '§6.9', 'FRAME_SIZE_ERROR', /must be 4/],
    ['CONTINUATION on stream 0', h2frame(0x9, 0x4, 0), '§6.10', 'PROTOCOL_ERROR', /stream identifier 0/],
  ];
  for (const [name, bytes, section, code, message] of cases) {
    const result = decoded(bytes);
    if (!isFrameError(result)) {
      t.fail(`${name}: decoded without error`);
      continue;
    }
    t.match(result, { rule: `RFC 9113 ${section}`, code, message, offset: section === '§6.5.2' ? 9 : 0 }, name);
  }
  const late = decoded(
    h2frame(
      0x4,
      0,
      0,
      settingsPayload([
        [1, 1],
        [5, 1],
      ]),
    ),
  );
  t.equal(isFrameError(late) && late.offset, 9 + 6, 'a bad SETTINGS parameter is named at its own offset');
  const nonZero = ok(t, h2frame(0x0, 0x8, 1, padded(Buffer.from('x'), 2, 0xee)));
  t.same(nonZero.type === 'DATA' && nonZero.padding, { length: 2, nonZero: true }, 'non-zero padding is shown');
  const r = ok(t, h2frame(0x0, 0, 1, Buffer.from('x'), true));
  t.equal(r.reservedBit, true, 'the R bit is reported');
  t.equal(r.streamId, 1, 'and not part of the stream id');
});

t.test('CONTINUATION reassembly', async (t) => {
  const frames = [FRAMES[4], FRAMES[5], FRAMES[6]].map((b) => ok(t, b));
  const assembler = new HeaderBlockAssembler();
  t.equal(assembler.begin(frames[0] as never), undefined);
  t.equal(assembler.expectingContinuation, true);
  t.equal(assembler.continue(frames[1] as never), undefined);
  const done = assembler.continue(frames[2] as never);
  t.ok(done && 'block' in done);
  if (done && 'block' in done) {
    t.same(done.block.block, HPACK_BLOCK);
    t.equal(done.block.continuations, 2);
    t.equal(done.block.streamId, 3);
  }
  t.equal(assembler.expectingContinuation, false);

  // A whole block in one HEADERS frame.
  const one = new HeaderBlockAssembler().begin(ok(t, FRAMES[3]) as never);
  t.ok(one && 'block' in one && one.block.continuations === 0);

  // Anything else inside an open block is a PROTOCOL_ERROR naming both streams.
  const a = new HeaderBlockAssembler();
  a.begin(frames[0] as never);
  t.match(a.other(100, 'DATA', 1), {
    offset: 100,
    rule: 'RFC 9113 §6.10',
    message: /DATA on stream 1 inside the header block of stream 3/,
  });
  const b = new HeaderBlockAssembler();
  b.begin(frames[0] as never);
  const wrongStream = ok(t, h2frame(0x9, 0x4, 5, Buffer.from([0x82])));
  t.match(b.continue(wrongStream as never), { error: { message: /CONTINUATION on stream 5/ } });
  t.match(new HeaderBlockAssembler().continue(frames[2] as never), { error: { message: /without a HEADERS/ } });

  // A block that never ends is cut off at the cap.
  const c = new HeaderBlockAssembler();
  c.begin(frames[0] as never);
  const big = ok(t, h2frame(0x9, 0, 3, Buffer.alloc(64 * 1024)));
  let result;
  for (let i = 0; i < 20 && !result; i++) result = c.continue(big as never);
  t.match(result, { error: { message: new RegExp(`over ${MAX_HEADER_BLOCK_SIZE} bytes`) } });
});
