// NDJSON: one event per line, exactly the event model (events.ts): each line parses back into the
// event it was written from. Every line is ASCII: characters past U+007F are written as JSON escapes
// (\u00e9, a pair of escapes past U+FFFF), as Python's json.dumps does by default — the same values
// once parsed, and bytes that go to the output as they are (render/output.ts).
//
// Most events are written as JSON.stringify writes them. The two that a stream of messages is made
// of — a DATA frame and a message — are written field by field into bytes (render/ascii-json.ts);
// see below for what that buys. `ndjsonLine` gives any line as a string.

import type { FrameEvent, MessageEvent, RawBytes, TapEvent } from '../events.js';
import { AsciiJson, asciiBytes } from './ascii-json.js';

/**
 * Writes `event`'s line, newline included, after what `out` holds. `withRaw`: with the bytes of the
 * hex view when the event has them (`routeguide tap --hex`); without, the line is as if the event had
 * none (the web view may have asked for them, the NDJSON reader did not).
 */
export function writeNdjsonLine(event: TapEvent, out: AsciiJson, withRaw = true): void {
  if (event.kind === 'message') return messageLine(event, out, withRaw);
  if (event.kind === 'frame' && event.type === 'DATA') return dataFrameLine(event, out, withRaw);
  out.raw(asciiJson(withRaw || !('raw' in event) ? event : { ...event, raw: undefined }));
  out.raw('\n');
}

const scratch = new AsciiJson();

/** `event`'s line as a string, newline included. */
export function ndjsonLine(event: TapEvent, withRaw = true): string {
  scratch.reset();
  writeNdjsonLine(event, scratch, withRaw);
  return scratch.text();
}

/** The line that says output was dropped because the reader could not keep up. */
export function ndjsonDropped(count: number, t: number): string {
  return `${JSON.stringify({ t, kind: 'dropped', count })}\n`;
}

/** JSON text of `value`, in ASCII (RFC 8259 §7: any character may be escaped). */
function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  return NON_ASCII.test(text) ? text.replace(NON_ASCII_ALL, escapeUnit) : text;
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;
const escapeUnit = (unit: string) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

// ---- Speed only: the two events a stream of messages is made of, written field by field ----
//
// A RouteChat note makes three to four of these lines (its DATA frame and its message each way;
// a server that sends several replies in one DATA frame makes fewer frames). Written field by field
// into bytes, the connection decoder and the NDJSON of 100,000 recorded RouteChat notes take 5.4 µs
// per note, against 7.5 µs when the lines were strings (best of 36 runs each); see
// docs/tap.md and docs/benchmarks.md for what it gives end to end. How:
//   - the fields that repeat from one line to the next (the connection, direction, stream and
//     method; the message type; the prefix) are encoded once and copied as bytes;
//   - values that are always ASCII and need no escaping (a flag's name, a segment's part) are
//     copied as they are;
//   - the other events go through JSON.stringify above, which keeps `out.value` to the shapes of
//     messages: fed the shapes of every event, V8's code for it made these lines 1.7 µs per note
//     slower.
// They give the same JSON as JSON.stringify (test/wire/render.test.ts parses their lines back into
// the events).

function dataFrameLine(e: FrameEvent, out: AsciiJson, withRaw: boolean): void {
  out.raw('{"t":');
  out.number(e.t);
  out.bytes(dataHead(e));
  for (let i = 0; i < e.flags.length; i++) {
    out.raw(i === 0 ? '"' : ',"');
    out.raw(e.flags[i]);
    out.raw('"');
  }
  out.raw('],"length":');
  out.number(e.length);
  out.raw(',"offset":');
  out.number(e.offset);
  if (e.padding !== undefined) {
    out.raw(',"padding":');
    out.number(e.padding);
  }
  if (e.segments !== undefined) {
    out.raw(',"segments":[');
    for (let i = 0; i < e.segments.length; i++) {
      const s = e.segments[i];
      out.raw(i === 0 ? '{"message":' : ',{"message":');
      out.number(s.message);
      out.raw(',"at":');
      out.number(s.at);
      out.raw(',"bytes":');
      out.number(s.bytes);
      out.raw(',"part":"');
      out.raw(s.part);
      out.raw('"}');
    }
    out.raw(']');
  }
  if (e.note !== undefined) {
    out.raw(',"note":');
    out.string(e.note);
  }
  if (withRaw && e.raw !== undefined) rawField(e.raw, out);
  out.raw('}\n');
}

function messageLine(e: MessageEvent, out: AsciiJson, withRaw: boolean): void {
  out.raw('{"t":');
  out.number(e.t);
  out.bytes(messageHead(e));
  out.number(e.index);
  out.bytes(prefixFields(e));
  out.number(e.frames);
  out.raw(',"wireBytes":');
  out.number(e.wireBytes);
  out.raw(',"bytes":');
  out.number(e.bytes);
  if (e.encoding !== undefined) {
    out.raw(',"encoding":');
    out.string(e.encoding);
  }
  out.bytes(schemaFields(e));
  if (e.message !== undefined) {
    out.raw(',"message":');
    out.value(e.message);
  }
  if (e.wireFields !== undefined) {
    out.raw(',"wireFields":');
    out.value(e.wireFields);
  }
  if (e.truncated !== undefined) {
    out.raw(',"truncated":');
    out.string(e.truncated);
  }
  if (e.note !== undefined) {
    out.raw(',"note":');
    out.string(e.note);
  }
  if (withRaw && e.raw !== undefined) rawField(e.raw, out);
  out.raw('}\n');
}

/** The hex view's bytes (only with --hex: off the path the figures above measure). */
function rawField(raw: RawBytes, out: AsciiJson): void {
  out.raw(',"raw":');
  out.raw(asciiJson(raw));
}

// The repeated fields: per direction, the bytes last made and the values they were made from.

/** The bytes of some of an event's fields, made again only when the values they come from change. */
class Repeated<E> {
  private made: Uint8Array = new Uint8Array();
  private a: unknown = NaN; // equal to nothing: the first call makes the bytes
  private b: unknown;
  private c: unknown;

  constructor(private readonly text: (event: E) => string) {}

  of(event: E, a: unknown, b: unknown, c?: unknown): Uint8Array {
    if (a !== this.a || b !== this.b || c !== this.c) {
      this.a = a;
      this.b = b;
      this.c = c;
      this.made = asciiBytes(this.text(event));
    }
    return this.made;
  }
}

const perDirection = <E>(text: (event: E) => string) => ({ c2s: new Repeated(text), s2c: new Repeated(text) });

/** `,"conn":…,"dir":…,"kind":"frame","type":"DATA","stream":…,"flags":[` */
const dataHeads = perDirection<FrameEvent>(
  (e) => `,"conn":${e.conn},"dir":"${e.dir}","kind":"frame","type":"DATA","stream":${e.stream},"flags":[`,
);
const dataHead = (e: FrameEvent) => dataHeads[e.dir].of(e, e.conn, e.stream);

/** `,"conn":…,"dir":…,"kind":"message","stream":…,"method":…,"index":` */
const messageHeads = perDirection<MessageEvent>(
  (e) =>
    `,"conn":${e.conn},"dir":"${e.dir}","kind":"message","stream":${e.stream},"method":${asciiJson(e.method)},"index":`,
);
const messageHead = (e: MessageEvent) => messageHeads[e.dir].of(e, e.conn, e.stream, e.method);

/** `,"prefix":{"flag":…,"length":…},"frames":` */
const prefixes = perDirection<MessageEvent>((e) => `,"prefix":${asciiJson(e.prefix)},"frames":`);
const prefixFields = (e: MessageEvent) => prefixes[e.dir].of(e, e.prefix.flag, e.prefix.length);

/** `,"schema":…,"messageType":…` (no type without a schema) */
const schemas = perDirection<MessageEvent>(
  (e) => `,"schema":"${e.schema}"${e.messageType === undefined ? '' : `,"messageType":${asciiJson(e.messageType)}`}`,
);
const schemaFields = (e: MessageEvent) => schemas[e.dir].of(e, e.schema, e.messageType);
