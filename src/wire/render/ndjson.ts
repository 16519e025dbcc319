// NDJSON: one event per line, exactly the event model (events.ts): each line parses back into the
// event it was written from. Every line is ASCII: characters past U+007F are written as JSON escapes
// (\u00e9, a pair of escapes past U+FFFF), as Python's json.dumps does by default — the same values
// once parsed, and bytes that can go to the output without encoding (render/output.ts).

import type { FrameEvent, MessageEvent, TapEvent } from '../events.js';

export function ndjsonLine(event: TapEvent): string {
  if (event.kind === 'message') return messageLine(event);
  if (event.kind === 'frame' && event.type === 'DATA') return dataFrameLine(event);
  return `${str(event)}\n`;
}

/** The line that says output was dropped because the reader could not keep up. */
export function ndjsonDropped(count: number, t: number): string {
  return `${JSON.stringify({ t, kind: 'dropped', count })}\n`;
}

/** JSON text of `value`, in ASCII (RFC 8259 §7: any character may be escaped). */
function str(value: unknown): string {
  const text = JSON.stringify(value);
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, escapeUnit) : text;
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;
const escapeUnit = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

// ---- Speed only: the two events a stream of messages is made of, written field by field ----
//
// Node 20's JSON.stringify takes about 1.1 µs for a DATA frame event and 1.7 µs for a message
// event: with two of each per RouteChat note, more than half of the tap's CPU time with --json
// (micro-benchmark of the connection decoder on 100,000 notes: 10.4 µs per note with
// JSON.stringify, see the README's bench figures for what it gives end to end). These two writers
// give the same JSON (test/wire-render.test.ts parses their lines back into the events) in a
// fraction of that; values that could need escaping still go through JSON.stringify (str above).

function dataFrameLine(e: FrameEvent): string {
  let line = `{"t":${e.t},"conn":${e.conn},"dir":"${e.dir}","kind":"frame","type":"DATA","stream":${e.stream},"flags":[`;
  for (let i = 0; i < e.flags.length; i++) line += i === 0 ? `"${e.flags[i]}"` : `,"${e.flags[i]}"`;
  line += `],"length":${e.length},"offset":${e.offset}`;
  if (e.padding !== undefined) line += `,"padding":${e.padding}`;
  if (e.segments !== undefined) {
    line += ',"segments":[';
    for (let i = 0; i < e.segments.length; i++) {
      const s = e.segments[i];
      line += `${i === 0 ? '' : ','}{"message":${s.message},"at":${s.at},"bytes":${s.bytes},"part":"${s.part}"}`;
    }
    line += ']';
  }
  if (e.note !== undefined) line += `,"note":${str(e.note)}`;
  return `${line}}\n`;
}

function messageLine(e: MessageEvent): string {
  let line =
    `{"t":${e.t}${messageHead(e)}${e.index},` +
    `"prefix":{"flag":"${e.prefix.flag}","length":"${e.prefix.length}"},"frames":${e.frames},` +
    `"wireBytes":${e.wireBytes},"bytes":${e.bytes}`;
  if (e.encoding !== undefined) line += `,"encoding":${str(e.encoding)}`;
  line += messageSchema(e);
  if (e.message !== undefined) line += `,"message":${str(e.message)}`;
  if (e.wireFields !== undefined) line += `,"wireFields":${str(e.wireFields)}`;
  if (e.truncated !== undefined) line += `,"truncated":${str(e.truncated)}`;
  if (e.note !== undefined) line += `,"note":${str(e.note)}`;
  return `${line}}\n`;
}

// The fields that stay the same for every message of a stream in one direction, written once per
// stream and direction: `,"conn":…,"dir":…,"kind":"message","stream":…,"method":…,"index":`.
// Speed only, like the rest of this section: with the ASCII output (render/output.ts), 8.6 → 7.7 µs
// per RouteChat note for decoding and writing (the same measurement as above, best of 8 runs).
const heads = {
  c2s: { conn: -1, stream: -1, method: null as string | null, text: '' },
  s2c: { conn: -1, stream: -1, method: null as string | null, text: '' },
};

function messageHead(e: MessageEvent): string {
  const head = heads[e.dir];
  if (head.conn !== e.conn || head.stream !== e.stream || head.method !== e.method) {
    head.conn = e.conn;
    head.stream = e.stream;
    head.method = e.method;
    const method = e.method === null ? 'null' : str(e.method);
    head.text = `,"conn":${e.conn},"dir":"${e.dir}","kind":"message","stream":${e.stream},"method":${method},"index":`;
  }
  return head.text;
}

// Likewise `,"schema":…,"messageType":…` (the type is absent without a schema).
const schemas = {
  c2s: { schema: '', messageType: undefined as string | undefined, text: '' },
  s2c: { schema: '', messageType: undefined as string | undefined, text: '' },
};

function messageSchema(e: MessageEvent): string {
  const last = schemas[e.dir];
  if (last.schema !== e.schema || last.messageType !== e.messageType) {
    last.schema = e.schema;
    last.messageType = e.messageType;
    last.text = `,"schema":"${e.schema}"` + (e.messageType === undefined ? '' : `,"messageType":${str(e.messageType)}`);
  }
  return last.text;
}
