// The tap's renderers: NDJSON lines that parse back into exactly the events (its field-by-field
// writers included), and the human view — one line per event with time, connection, stream,
// direction, type and flags, the content indented below, the note last; colour only when asked.

import t from 'tap';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { ConnectionDecoder } from '../../src/wire/connection.js';
import type { Direction, FrameEvent, MessageEvent, TapEvent } from '../../src/wire/events.js';
import { TapSchemas } from '../../src/cli/tap-schemas.js';
import { AsciiJson } from '../../src/wire/render/ascii-json.js';
import { ndjsonDropped, ndjsonLine } from '../../src/wire/render/ndjson.js';
import { renderTerminal, terminalDropped } from '../../src/wire/render/terminal.js';
import { h2frame, padded } from '../helpers/h2-frames.js';
import {
  data,
  F,
  grpcMessage,
  headers,
  OK_TRAILERS,
  PREFACE,
  REQUEST,
  RESPONSE,
  settings,
} from '../helpers/h2-conversation.js';

const ESC = '\x1b';
const root = routeGuideDefinition().service.root;
const RouteNote = root.lookupType('routeguide.RouteNote');
const note = (message: string, longitude: number) =>
  Buffer.from(RouteNote.encode({ location: { latitude: 0, longitude }, message }).finish());

function conversation(schemas = new TapSchemas({ protoRoot: root })): TapEvent[] {
  const events: TapEvent[] = [];
  const decoder = new ConnectionDecoder({
    conn: 3,
    clock: () => 12.5,
    schemas,
    emit: (e) => events.push(e),
    maxBody: 0,
  });
  const steps: [Direction, Buffer][] = [
    [
      'c2s',
      Buffer.concat([
        PREFACE,
        settings([[4, 65535]]),
        headers(
          1,
          REQUEST.filter(([n]) => n !== 'te'),
        ),
      ]),
    ],
    ['c2s', h2frame(0x0, F.PADDED, 1, padded(grpcMessage(note('First "quoted" message ✓', 1)), 4))],
    ['c2s', data(1, Buffer.alloc(0), F.END_STREAM)],
    ['s2c', Buffer.concat([settings(), headers(1, RESPONSE), data(1, grpcMessage(note('reply', 2)).subarray(0, 7))])],
    ['s2c', Buffer.concat([data(1, grpcMessage(note('reply', 2)).subarray(7)), headers(1, OK_TRAILERS, 5)])],
  ];
  for (const [dir, bytes] of steps) decoder.feed(dir, bytes);
  decoder.close();
  return events;
}

t.test('NDJSON: every line parses back into its event, whichever writer made it', async (t) => {
  const events = [...conversation(), ...conversation(new TapSchemas())];
  const extra: TapEvent[] = [
    {
      t: 1.25,
      conn: 1,
      dir: 's2c',
      kind: 'message',
      stream: 3,
      method: null,
      index: 2,
      prefix: { flag: '0x01', length: '0x00000010' },
      frames: 3,
      wireBytes: 16,
      bytes: 40,
      encoding: 'gzip',
      schema: 'none',
      truncated: '[{"field":1…',
      note: 'a "note" with\nnewline and \u2028, é and 🦆',
    },
    {
      t: 0,
      conn: 2,
      dir: 'c2s',
      kind: 'frame',
      type: 'DATA',
      stream: 5,
      flags: ['END_STREAM', 'PADDED'],
      length: 10,
      offset: 99,
      padding: 3,
      segments: [{ message: 4, at: 0, bytes: 6, part: 'middle' }],
    },
  ];
  let fast = 0;
  for (const event of [...events, ...extra]) {
    const line = ndjsonLine(event);
    t.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
    t.match(line, /^[\x00-\x7f]*$/, 'ASCII only: other characters as JSON escapes'); // eslint-disable-line no-control-regex
    t.same(
      JSON.parse(line),
      JSON.parse(JSON.stringify(event)),
      `${event.kind} ${'type' in event ? String(event.type) : ''}`,
    );
    if (event.kind === 'message' || (event.kind === 'frame' && event.type === 'DATA')) fast++;
  }
  t.ok(fast >= 8, `the field-by-field writers were exercised (${fast} events)`);

  // Lines of other connections, streams and message types in between: what a line shares with the
  // one before it is never taken from another stream's.
  const other = (e: TapEvent): TapEvent =>
    e.kind === 'message'
      ? {
          ...e,
          conn: 9,
          stream: 7,
          method: '/x.Y/Z',
          messageType: 'x.Note',
          prefix: { flag: '0x01', length: '0x00000100' },
        }
      : { ...e, conn: 9, stream: 7 };
  const flipped = (e: TapEvent): TapEvent => ({ ...e, dir: e.dir === 'c2s' ? 's2c' : 'c2s' });
  for (const event of events.flatMap((e) => [e, other(e), flipped(e)])) {
    t.same(JSON.parse(ndjsonLine(event)), JSON.parse(JSON.stringify(event)), 'interleaved');
  }
  t.same(JSON.parse(ndjsonDropped(12, 3.5)), { t: 3.5, kind: 'dropped', count: 12 });
});

t.test('the byte writer: the text JSON.stringify gives, with everything past ASCII escaped', async (t) => {
  const escaped = (value: unknown) =>
    JSON.stringify(value).replace(/[\u0080-\uffff]/g, (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const write = (value: unknown) => {
    const out = new AsciiJson();
    out.value(value);
    return out.text();
  };
  // Every UTF-16 code unit, lone surrogates and controls included, in strings and as keys.
  const units = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c)).join('');
  t.equal(write(units), escaped(units), 'all 65,536 code units');
  t.equal(write({ [units.slice(0, 300)]: 1 }), escaped({ [units.slice(0, 300)]: 1 }), 'keys');
  const values = [
    0,
    -0,
    7,
    -7,
    2147483647,
    2147483648,
    -2147483649,
    1.5,
    1e21,
    1e-7,
    NaN,
    Infinity,
    -Infinity,
    true,
    false,
    null,
    '',
    'caf\u00e9 🦆',
    [],
    {},
    [1, [2, [3]], { a: [] }],
    { location: { latitude: 409146138, longitude: -746188906 }, message: 'First "quoted" message ✓' },
    { skipped: undefined, kept: 1, fn: () => 1, list: [undefined, () => 1] },
  ];
  for (const value of values) t.equal(write(value), escaped(value), JSON.stringify(value));
});

t.test('the human view', async (t) => {
  const text = conversation()
    .map((e) => renderTerminal(e, { color: false }))
    .join('');
  t.notOk(text.includes(ESC), 'no colour unless asked');
  const lines = text.split('\n');
  const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
  // The headline: time in ms, connection, stream, direction, type and flags, length.
  t.match(text, /^ {4}12\.500 ms {2}#3 {2}s1 {4}C→S HEADERS \[END_HEADERS\] \d+ bytes$/m);
  t.match(text, /^ {4}12\.500 ms {2}#3 {2}s1 {4}S→C DATA 7 bytes$/m);
  // Content indented below: every header with how HPACK sent it.
  const path = at(
    /^ {22}:path: \/routeguide\.RouteGuide\/RouteChat +literal without indexing, name literal \(plain\), value plain$/,
  );
  t.ok(path > 0, ':path with its representation');
  t.match(text, /^ {22}\(HPACK block: \d+ bytes in 1 frame; dynamic table now 0 entries, 0 bytes\)$/m);
  t.match(text, /^ {22}↳ Request-Headers: call \/routeguide\.RouteGuide\/RouteChat$/m);
  t.match(text, /WARNING te: trailers is missing .* \[PROTOCOL-HTTP2 Requests\]/);
  t.match(text, /^ {22}padding: 4 bytes \(removed\)$/m);
  t.match(text, /^ {22}bytes 0–6: message 1, its start: the prefix here, the rest in later frames$/m);
  t.match(text, /C→S message 1 routeguide\.RouteNote {2}prefix flag 0x00 length 0x000000\w\w \(\d+ bytes\)/);
  t.match(text, /^ {22}\{"location":\{"latitude":0,"longitude":1\},"message":"First \\"quoted\\" message ✓"\}$/m);
  t.match(text, /^ {22}↳ spread over 2 DATA frames$/m);
  t.match(text, /^ {22}↳ half-close: END_STREAM on an empty DATA frame$/m);
  t.match(text, /^ {22}↳ Trailers: HEADERS with END_STREAM after the messages, grpc-status 0 \(OK\)$/m);
  t.match(
    text,
    /CALL \/routeguide\.RouteGuide\/RouteChat → OK \(0\), ended by trailers; messages 1 C→S 1 S→C; wire \d+\/\d+ bytes, decoded \d+\/\d+ bytes; 0\.000 ms/,
  );
  t.match(text, /connection closed|connection preface PRI \* HTTP\/2\.0/);

  const bare = conversation(new TapSchemas())
    .map((e) => renderTerminal(e, { color: false }))
    .join('');
  t.match(bare, /message 1 message without schema/);
  t.match(
    bare,
    /^ {22}1 \(len\) \{\n {24}1 \(varint\): 0\n {24}2 \(varint\): 1\n {22}\}\n {22}2 \(len\): "First \\"quoted\\" message ✓"$/m,
  );

  const colored = conversation()
    .map((e) => renderTerminal(e, { color: true }))
    .join('');
  t.ok(colored.includes(`${ESC}[36mC→S${ESC}[0m`), 'client → server in cyan');
  t.ok(colored.includes(`${ESC}[35mS→C${ESC}[0m`), 'server → client in magenta');
  t.ok(colored.includes(`${ESC}[33mWARNING`), 'warnings in yellow');
  t.match(terminalDropped(3, { color: false }), /^… 3 events not shown: the output could not keep up/);
});

t.test('the human view of the other frames and events', async (t) => {
  const base = { t: 1, conn: 1, dir: 's2c' as const, kind: 'frame' as const, flags: [], length: 8, offset: 0 };
  const frames: [FrameEvent, RegExp][] = [
    [
      { ...base, type: 'GOAWAY', stream: 0, lastStreamId: 7, errorCode: 'NO_ERROR', debugData: 'bye' },
      /last stream id: 7\n.*debug data: "bye"/s,
    ],
    [
      { ...base, type: 'PING', stream: 0, opaque: '0102030405060708', flags: ['ACK'] },
      /PING \[ACK\] 8 bytes\n +opaque data: 0102030405060708/,
    ],
    [{ ...base, type: 'RST_STREAM', stream: 1, errorCode: 'CANCEL' }, /error code: CANCEL/],
    [{ ...base, type: 'WINDOW_UPDATE', stream: 0, windowIncrement: 5 }, /window increment: 5/],
    [
      { ...base, type: 'PRIORITY', stream: 3, priority: { exclusive: true, dependency: 1, weight: 16 } },
      /depends on stream 1 \(exclusive\), weight 16/,
    ],
    [
      { ...base, type: 'SETTINGS', stream: 0, settings: [['SETTINGS_MAX_FRAME_SIZE', 16384]] },
      /SETTINGS_MAX_FRAME_SIZE = 16384/,
    ],
    [{ ...base, type: 'UNKNOWN', typeCode: 0xfa, stream: 0 }, /UNKNOWN\(0xfa\) 8 bytes/],
    [{ ...base, type: 'PUSH_PROMISE', stream: 1, promisedStream: 2 }, /promised stream: 2/],
  ];
  for (const [event, pattern] of frames) t.match(renderTerminal(event, { color: false }), pattern, event.type);
  const cut: MessageEvent = {
    t: 1,
    conn: 1,
    dir: 'c2s',
    kind: 'message',
    stream: 1,
    method: '/x.Y/Z',
    index: 1,
    prefix: { flag: '0x01', length: '0x00000100' },
    frames: 1,
    wireBytes: 256,
    bytes: 9000,
    encoding: 'gzip',
    schema: 'proto',
    messageType: 'x.Big',
    truncated: '{"a":"aaaa…',
  };
  t.match(
    renderTerminal(cut, { color: false }),
    /\(256 bytes gzip, 9000 inflated\)\n +\{"a":"aaaa… \(cut at --max-body\)/,
  );
  t.match(
    renderTerminal(
      { t: 1, conn: 4, dir: 'c2s', kind: 'error', rule: 'RFC 7541 §2.3.3', note: 'bad index', offset: 3, fatal: true },
      { color: false },
    ),
    /#4 +C→S ERROR bad index {2}\[RFC 7541 §2\.3\.3, offset 3\]/,
  );
  t.match(
    renderTerminal(
      {
        t: 1,
        conn: 4,
        kind: 'connection',
        type: 'open',
        client: '127.0.0.1:5',
        upstream: 'h:1',
        tls: { client: { alpn: 'h2', protocol: 'TLSv1.3', cipher: 'x' } },
      },
      { color: false },
    ),
    /connection from 127\.0\.0\.1:5 → h:1, TLS from the client \(TLSv1\.3, ALPN h2\)/,
  );
  t.match(
    renderTerminal(
      {
        t: 1,
        conn: 4,
        kind: 'connection',
        type: 'close',
        client: '127.0.0.1:5',
        reason: 'upstream h:1: connect ECONNREFUSED',
      },
      { color: false },
    ),
    /not relayed: upstream h:1: connect ECONNREFUSED/,
  );
});

t.test('the human view writes control characters from the wire as escapes', async (t) => {
  const hostile = `bad${ESC}[2J\r\nline\u009b\t`;
  const escaped = 'bad\\u001b[2J\\r\\nline\\u009b\\t';
  const frame: FrameEvent = {
    t: 1,
    conn: 1,
    dir: 's2c',
    kind: 'frame',
    type: 'HEADERS',
    stream: 1,
    flags: ['END_STREAM', 'END_HEADERS'],
    length: 40,
    offset: 0,
    headers: [[`x-${hostile}`, hostile, 'literal without indexing, name literal (plain), value plain']],
    note: `Trailers: ${hostile}`,
  };
  const call: TapEvent = {
    t: 1,
    conn: 1,
    kind: 'call',
    stream: 1,
    method: `/a/${hostile}`,
    status: 2,
    statusName: 'UNKNOWN',
    statusMessage: hostile,
    end: 'trailers',
    messages: { c2s: 0, s2c: 0 },
    wireBytes: { c2s: 0, s2c: 0 },
    messageBytes: { c2s: 0, s2c: 0 },
    durationMs: 1,
  };
  const warning: TapEvent = { t: 1, conn: 1, dir: 's2c', kind: 'warning', rule: 'RFC 9113 §8.2.1', note: hostile };
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
  for (const event of [frame, call, warning]) {
    const text = renderTerminal(event, { color: false });
    t.notMatch(text, control, `${event.kind}: no control character but the line breaks`);
    t.equal(text.split('\n').length, event.kind === 'frame' ? 4 : 2, `${event.kind}: its lines only`);
    t.ok(text.includes(escaped), `${event.kind}: the escapes shown`);
  }
});
