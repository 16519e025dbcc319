// NDJSON: one event per line, exactly the event model (events.ts): each line parses back into the
// event it was written from.

import type { FrameEvent, MessageEvent, TapEvent } from '../events.js';

export function ndjsonLine(event: TapEvent): string {
  if (event.kind === 'message') return messageLine(event);
  if (event.kind === 'frame' && event.type === 'DATA') return dataFrameLine(event);
  return `${JSON.stringify(event)}\n`;
}

/** The line that says output was dropped because the reader could not keep up. */
export function ndjsonDropped(count: number, t: number): string {
  return `${JSON.stringify({ t, kind: 'dropped', count })}\n`;
}

// ---- Speed only: the two events a stream of messages is made of, written field by field ----
//
// Node 20's JSON.stringify takes about 1.1 µs for a DATA frame event and 1.7 µs for a message
// event: with two of each per RouteChat note, more than half of the tap's CPU time with --json
// (micro-benchmark of the connection decoder on 100,000 notes: 10.4 µs per note with
// JSON.stringify, see the README's bench figures for what it gives end to end). These two writers
// give the same JSON (test/wire-render.test.ts parses their lines back into the events) in a
// fraction of that; values that could need escaping still go through JSON.stringify.

const str = JSON.stringify;

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
    `{"t":${e.t},"conn":${e.conn},"dir":"${e.dir}","kind":"message","stream":${e.stream},` +
    `"method":${e.method === null ? 'null' : str(e.method)},"index":${e.index},` +
    `"prefix":{"flag":"${e.prefix.flag}","length":"${e.prefix.length}"},"frames":${e.frames},` +
    `"wireBytes":${e.wireBytes},"bytes":${e.bytes}`;
  if (e.encoding !== undefined) line += `,"encoding":${str(e.encoding)}`;
  line += `,"schema":"${e.schema}"`;
  if (e.messageType !== undefined) line += `,"messageType":${str(e.messageType)}`;
  if (e.message !== undefined) line += `,"message":${str(e.message)}`;
  if (e.wireFields !== undefined) line += `,"wireFields":${str(e.wireFields)}`;
  if (e.truncated !== undefined) line += `,"truncated":${str(e.truncated)}`;
  if (e.note !== undefined) line += `,"note":${str(e.note)}`;
  return `${line}}\n`;
}
