// The human view: one line per event — time since the tap started, connection, stream, direction,
// what it is — and what it holds indented below it, then the note naming the rule it shows.
//
//      7.049 ms  #1 s1   C→S HEADERS [END_HEADERS] 113 bytes
//                        :method: POST                                   indexed (static 3)
//                        …
//                        ↳ Request-Headers: call /routeguide.RouteGuide/RouteChat

import type { CallEvent, ConnectionEvent, FrameEvent, MessageEvent, TapEvent, WireField } from '../events.js';

export interface TerminalOptions {
  color: boolean;
}

const INDENT = ' '.repeat(22);

type Paint = (code: string, text: string) => string;

export function renderTerminal(event: TapEvent, options: TerminalOptions): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_, text) => text;
  const time = `${event.t.toFixed(3).padStart(10)} ms`;
  const stream = event.stream === undefined ? '' : `s${event.stream}`;
  const arrow = event.dir === 'c2s' ? paint('36', 'C→S') : event.dir === 's2c' ? paint('35', 'S→C') : '   ';
  const head = `${paint('2', time)}  #${String(event.conn).padEnd(3)}${stream.padEnd(6)}${arrow} `;
  const lines = [head + headline(event, paint)];
  for (const line of details(event, paint)) lines.push(INDENT + line);
  if (event.note && event.kind !== 'warning' && event.kind !== 'error')
    lines.push(INDENT + paint('2', `↳ ${printable(event.note)}`));
  return `${lines.join('\n')}\n`;
}

/** The line that says output was dropped because the terminal could not keep up. */
export function terminalDropped(count: number, options: TerminalOptions): string {
  const text = `… ${count} event${count === 1 ? '' : 's'} not shown: the output could not keep up (the relay did not wait)`;
  return `${options.color ? `\x1b[33m${text}\x1b[0m` : text}\n`;
}

function headline(e: TapEvent, paint: Paint): string {
  switch (e.kind) {
    case 'connection':
      return connectionLine(e);
    case 'frame': {
      const type = e.type === 'UNKNOWN' ? `UNKNOWN(0x${(e.typeCode ?? 0).toString(16)})` : e.type;
      const flags = e.flags.length > 0 ? ` [${e.flags.join(' ')}]` : '';
      return `${paint('1', type)}${flags} ${bytes(e.length)}`;
    }
    case 'message':
      return messageLine(e, paint);
    case 'call':
      return callLine(e, paint);
    case 'warning':
      return paint('33', `WARNING ${printable(e.note ?? '')}  [${e.rule}]`);
    case 'error':
      return paint(
        '31',
        `ERROR ${printable(e.note ?? '')}  [${e.rule}${e.offset === undefined ? '' : `, offset ${e.offset}`}]`,
      );
  }
}

const bytes = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

function connectionLine(e: ConnectionEvent): string {
  switch (e.type) {
    case 'open': {
      const tls = [
        e.tls?.client ? `TLS from the client (${e.tls.client.protocol}, ALPN ${String(e.tls.client.alpn)})` : '',
        e.tls?.upstream ? `TLS to the server (${e.tls.upstream.protocol}, ALPN ${String(e.tls.upstream.alpn)})` : '',
      ].filter(Boolean);
      return `connection from ${e.client} → ${e.upstream}${tls.length ? `, ${tls.join(', ')}` : ''}`;
    }
    case 'preface':
      return 'connection preface PRI * HTTP/2.0';
    case 'close':
      return e.bytes
        ? `connection closed: ${e.bytes.c2s} bytes C→S, ${e.bytes.s2c} bytes S→C${e.reason ? ` (${e.reason})` : ''}`
        : `connection from ${e.client ?? '?'} not relayed: ${e.reason ?? ''}`;
  }
}

function messageLine(e: MessageEvent, paint: Paint): string {
  const type = e.messageType ?? 'message without schema';
  const size = e.encoding ? `${e.wireBytes} bytes ${e.encoding}, ${e.bytes} inflated` : `${e.bytes} bytes`;
  return `${paint('1', `message ${e.index}`)} ${type}  prefix flag ${e.prefix.flag} length ${e.prefix.length} (${size})`;
}

function callLine(e: CallEvent, paint: Paint): string {
  const status = e.status === null ? 'status unknown' : `${e.statusName} (${e.status})`;
  const colored = paint(e.status === 0 ? '32' : '31', status);
  const message = e.statusMessage ? ` "${printable(e.statusMessage)}"` : '';
  return (
    `${paint('1', 'CALL')} ${e.method === null ? '(no :path)' : printable(e.method)} → ${colored}${message}, ended by ${e.end}; ` +
    `messages ${e.messages.c2s} C→S ${e.messages.s2c} S→C; ` +
    `wire ${e.wireBytes.c2s}/${e.wireBytes.s2c} bytes, decoded ${e.messageBytes.c2s}/${e.messageBytes.s2c} bytes; ` +
    `${e.durationMs.toFixed(3)} ms`
  );
}

/**
 * Text that may come from the wire (header fields, a status message, a note that quotes them) with
 * its control characters written as escapes (\n, \t, \u001b …): a peer must not be able to
 * break the tap's lines or send escape sequences to the terminal.
 */
function printable(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function details(e: TapEvent, paint: Paint): string[] {
  if (e.kind === 'frame') return frameDetails(e, paint);
  if (e.kind === 'message') return messageDetails(e);
  return [];
}

function frameDetails(e: FrameEvent, paint: Paint): string[] {
  const out: string[] = [];
  if (e.padding !== undefined) out.push(`padding: ${e.padding} bytes (removed)`);
  if (e.priority) {
    out.push(
      `priority: depends on stream ${e.priority.dependency}${e.priority.exclusive ? ' (exclusive)' : ''}, weight ${e.priority.weight}`,
    );
  }
  for (const [name, value] of e.settings ?? []) out.push(`${name} = ${value}`);
  if (e.headers) {
    for (const [name, value, how] of e.headers) {
      const field = `${printable(name)}: ${printable(value)}`;
      out.push(`${field.padEnd(48)} ${paint('2', how)}`);
    }
    const b = e.headerBlock;
    if (b) {
      const updates = b.tableSizeUpdates.length > 0 ? `, table size updates ${b.tableSizeUpdates.join(', ')}` : '';
      out.push(
        paint(
          '2',
          `(HPACK block: ${bytes(b.bytes)} in ${b.frames} frame${b.frames === 1 ? '' : 's'}${updates}; dynamic table now ${b.tableEntries} entr${b.tableEntries === 1 ? 'y' : 'ies'}, ${bytes(b.tableSize)})`,
        ),
      );
    }
  }
  if (e.errorCode !== undefined) out.push(`error code: ${e.errorCode}`);
  if (e.lastStreamId !== undefined) out.push(`last stream id: ${e.lastStreamId}`);
  if (e.debugData !== undefined) out.push(`debug data: ${JSON.stringify(e.debugData)}`);
  if (e.windowIncrement !== undefined) out.push(`window increment: ${e.windowIncrement}`);
  if (e.opaque !== undefined) out.push(`opaque data: ${e.opaque}`);
  if (e.promisedStream !== undefined) out.push(`promised stream: ${e.promisedStream}`);
  for (const s of e.segments ?? []) {
    const what =
      s.part === 'whole'
        ? 'whole: 5-byte prefix and body'
        : s.part === 'start'
          ? 'its start: the prefix here, the rest in later frames'
          : s.part === 'middle'
            ? 'a middle piece'
            : 'its end';
    out.push(`bytes ${s.at}–${s.at + s.bytes - 1}: message ${s.message}, ${what}`);
  }
  return out;
}

function messageDetails(e: MessageEvent): string[] {
  if (e.truncated !== undefined) return [`${e.truncated} (cut at --max-body)`];
  if (e.message !== undefined) return [JSON.stringify(e.message)];
  if (e.wireFields) return wireLines(e.wireFields, '');
  return [];
}

/** The wire format as `protoc --decode_raw` lays it out, with wire types. */
function wireLines(fields: WireField[], indent: string): string[] {
  const out: string[] = [];
  for (const f of fields) {
    if ('message' in f) {
      out.push(`${indent}${f.field} (len) {`, ...wireLines(f.message, `${indent}  `), `${indent}}`);
    } else if ('fields' in f) {
      out.push(`${indent}${f.field} (group) {`, ...wireLines(f.fields, `${indent}  `), `${indent}}`);
    } else if ('string' in f) out.push(`${indent}${f.field} (len): ${JSON.stringify(f.string)}`);
    else if ('bytes' in f) out.push(`${indent}${f.field} (len): bytes ${f.bytes} (base64)`);
    else if (f.wire === 'varint') out.push(`${indent}${f.field} (varint): ${f.value}`);
    else if (f.wire === 'i64') out.push(`${indent}${f.field} (i64): ${f.hex} (double ${f.double})`);
    else out.push(`${indent}${f.field} (i32): ${f.hex} (float ${f.float})`);
  }
  return out;
}
