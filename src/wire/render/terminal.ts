// The human view: one line per event — time since the tap started, connection, stream, direction,
// what it is — and what it holds indented below it, then the note naming the rule it shows.
//
//      7.049 ms  #1 s1   C→S HEADERS [END_HEADERS] 113 bytes
//                        :method: POST                                   indexed (static 3)
//                        …
//                        ↳ Request-Headers: call /routeguide.RouteGuide/RouteChat

import type { CallEvent, FaultEvent, FrameEvent, MessageEvent, RawBytes, TapEvent } from '../events.js';
import {
  byteCount,
  callCounts,
  connectionText,
  faultText,
  frameFields,
  frameTypeName,
  HEX_BYTES_PER_LINE,
  hexOffset,
  hexRows,
  hpackBlockSummary,
  messageLines,
  messageSize,
  ruleText,
  segmentText,
  statusText,
} from './describe.js';

export interface TerminalOptions {
  color: boolean;
  /** Each frame's and message's bytes below it, when the event has them (--hex). */
  hex?: boolean;
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
  if (options.hex && (event.kind === 'frame' || event.kind === 'message') && event.raw && showBytes(event))
    for (const line of hexLines(event.raw, paint)) lines.push(INDENT + line);
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
      return printable(connectionText(e));
    case 'frame': {
      const flags = e.flags.length > 0 ? ` [${e.flags.join(' ')}]` : '';
      return `${paint('1', frameTypeName(e))}${flags} ${byteCount(e.length)}`;
    }
    case 'message':
      return messageLine(e, paint);
    case 'call':
      return callLine(e, paint);
    case 'warning':
      return paint('33', `WARNING ${printable(e.note ?? '')}  ${ruleText(e)}`);
    case 'error':
      return paint('31', `ERROR ${printable(e.note ?? '')}  ${ruleText(e)}`);
    case 'fault':
      return faultLine(e, paint);
  }
}

/** What the tap did (src/wire/fault/): `FAULT inject RST_STREAM 4 bytes  [rst_after_header]`. */
function faultLine(e: FaultEvent, paint: Paint): string {
  return `${paint('1;93', `FAULT ${faultText(e)}`)}  ${paint('93', `[${printable(e.fault)}]`)}`;
}

function messageLine(e: MessageEvent, paint: Paint): string {
  const type = e.messageType ?? 'message without schema';
  return `${paint('1', `message ${e.index}`)} ${type}  prefix flag ${e.prefix.flag} length ${e.prefix.length} (${messageSize(e)})`;
}

function callLine(e: CallEvent, paint: Paint): string {
  const colored = paint(e.status === 0 ? '32' : '31', statusText(e));
  const message = e.statusMessage ? ` "${printable(e.statusMessage)}"` : '';
  return `${paint('1', 'CALL')} ${e.method === null ? '(no :path)' : printable(e.method)} → ${colored}${message}, ${callCounts(e)}`;
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

/** A message's own bytes are shown when it was spread over several DATA frames: no one frame showed all of it. */
function showBytes(e: FrameEvent | MessageEvent): boolean {
  return e.kind === 'frame' || e.frames > 1;
}

/** The hex view: offset, bytes, and what they are, each part one step further in. */
function hexLines(raw: RawBytes, paint: Paint): string[] {
  const width = HEX_BYTES_PER_LINE * 3 - 1;
  return hexRows(raw).map((r) =>
    `${paint('2', hexOffset(r.at))}  ${r.hex.padEnd(width)}  ${'  '.repeat(r.depth)}${printable(r.what)}`.trimEnd(),
  );
}

function details(e: TapEvent, paint: Paint): string[] {
  if (e.kind === 'frame') return frameDetails(e, paint);
  if (e.kind === 'message') return messageLines(e);
  if (e.kind === 'fault') {
    // A frame the tap wrote is shown as a frame is; one it dropped by its header only.
    const out = e.frame && 'kind' in e.frame ? frameDetails(e.frame, paint) : [];
    if (e.was !== undefined) out.push(`was: ${e.was}`);
    return out;
  }
  return [];
}

function frameDetails(e: FrameEvent, paint: Paint): string[] {
  const out = frameFields(e).map(([label, text]) => `${label}: ${text}`);
  for (const [name, value] of e.settings ?? []) out.push(`${name} = ${value}`);
  if (e.headers) {
    for (const [name, value, how] of e.headers) {
      const field = `${printable(name)}: ${printable(value)}`;
      out.push(`${field.padEnd(48)} ${paint('2', how)}`);
    }
    if (e.headerBlock) out.push(paint('2', `(${hpackBlockSummary(e.headerBlock)})`));
  }
  for (const s of e.segments ?? []) out.push(segmentText(s));
  return out;
}
