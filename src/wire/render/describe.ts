// What the tap's views say about an event, written once: the terminal (terminal.ts) and the web
// page (web/page.ts) both put these words around what they draw. The browser loads this module as
// it is compiled, so it imports types only and uses nothing of Node's.

import type {
  ByteRange,
  CallEvent,
  ConnectionEvent,
  DataSegment,
  ErrorEvent,
  FaultEvent,
  FrameEvent,
  MessageEvent,
  RawBytes,
  WarningEvent,
  WireField,
} from '../events.js';

/** `1 byte`, `22 bytes`. */
export const byteCount = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The frame's type by name; a type this tap does not know by its number (RFC 9113 §5.5: ignored). */
export function frameTypeName(e: FrameEvent): string {
  return e.type === 'UNKNOWN' ? `UNKNOWN(0x${(e.typeCode ?? 0).toString(16)})` : e.type;
}

/** The frame's fields other than its header block, settings and messages: [label, text], in order. */
export function frameFields(e: FrameEvent): [label: string, text: string][] {
  const out: [string, string][] = [];
  if (e.padding !== undefined) out.push(['padding', `${byteCount(e.padding)} (removed)`]);
  if (e.priority) {
    const { dependency, exclusive, weight } = e.priority;
    out.push(['priority', `depends on stream ${dependency}${exclusive ? ' (exclusive)' : ''}, weight ${weight}`]);
  }
  if (e.errorCode !== undefined) out.push(['error code', e.errorCode]);
  if (e.lastStreamId !== undefined) out.push(['last stream id', String(e.lastStreamId)]);
  if (e.debugData !== undefined) out.push(['debug data', JSON.stringify(e.debugData)]);
  if (e.windowIncrement !== undefined) out.push(['window increment', String(e.windowIncrement)]);
  if (e.opaque !== undefined) out.push(['opaque data', e.opaque]);
  if (e.promisedStream !== undefined) out.push(['promised stream', String(e.promisedStream)]);
  return out;
}

/** The HPACK block around a frame's header fields: its size, its frames, the dynamic table after it (RFC 7541 §4). */
export function hpackBlockSummary(b: NonNullable<FrameEvent['headerBlock']>): string {
  const updates = b.tableSizeUpdates.length > 0 ? `, table size updates ${b.tableSizeUpdates.join(', ')}` : '';
  return (
    `HPACK block: ${byteCount(b.bytes)} in ${plural(b.frames, 'frame', 'frames')}${updates}; ` +
    `dynamic table now ${plural(b.tableEntries, 'entry', 'entries')}, ${byteCount(b.tableSize)}`
  );
}

const PART: Record<DataSegment['part'], string> = {
  whole: 'whole: 5-byte prefix and body',
  start: 'its start: the prefix here, the rest in later frames',
  middle: 'a middle piece',
  end: 'its end',
};

/** Where a piece of a gRPC message sits in a DATA frame's data. */
export function segmentText(s: DataSegment): string {
  return `bytes ${s.at}–${s.at + s.bytes - 1}: message ${s.message}, ${PART[s.part]}`;
}

/** A message's 5-byte prefix as on the wire: `00 00 00 00 11`. */
export function prefixBytes(prefix: MessageEvent['prefix']): string {
  return [prefix.flag, ...(prefix.length.slice(2).match(/../g) ?? [])].map((b) => b.replace(/^0x/, '')).join(' ');
}

/** The prefix's two fields (PROTOCOL-HTTP2 Length-Prefixed-Message). */
export function prefixFields(prefix: MessageEvent['prefix']): string {
  return `Compressed-Flag ${parseInt(prefix.flag, 16)}, Message-Length ${parseInt(prefix.length, 16)}`;
}

/** The body's size: on the wire, and inflated when it was compressed. */
export function messageSize(e: MessageEvent): string {
  return e.encoding ? `${e.wireBytes} bytes ${e.encoding}, ${e.bytes} inflated` : `${e.bytes} bytes`;
}

/** Where the message's type came from. */
export function schemaText(e: MessageEvent): string {
  if (e.schema === 'reflection') return 'from server reflection';
  if (e.schema === 'proto') return 'from --proto files';
  return 'none: the wire format';
}

/**
 * The message: its proto3 JSON (on one line, or indented by `indent` spaces), its wire format as
 * `protoc --decode_raw` lays it out, or its JSON cut short.
 */
export function messageLines(e: MessageEvent, indent = 0): string[] {
  if (e.truncated !== undefined) return [`${e.truncated} (cut at --max-body)`];
  if (e.message !== undefined) return JSON.stringify(e.message, null, indent).split('\n');
  if (e.wireFields) return wireLines(e.wireFields, '');
  return [];
}

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

/** A connection opening (with its TLS on either side), its preface, or its end. */
export function connectionText(e: ConnectionEvent): string {
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

/** A call's status: `OK (0)`, or why there is none. */
export function statusText(e: CallEvent): string {
  return e.status === null ? 'status unknown' : `${e.statusName} (${e.status})`;
}

/** How a call ended, and what went each way. */
export function callCounts(e: CallEvent): string {
  return (
    `ended by ${e.end}; messages ${e.messages.c2s} C→S ${e.messages.s2c} S→C; ` +
    `wire ${e.wireBytes.c2s}/${e.wireBytes.s2c} bytes, decoded ${e.messageBytes.c2s}/${e.messageBytes.s2c} bytes; ` +
    `${e.durationMs.toFixed(3)} ms`
  );
}

/** The rule a warning or an error names, and where in the bytes. */
export function ruleText(e: WarningEvent | ErrorEvent): string {
  return `[${e.rule}${e.kind === 'error' && e.offset !== undefined ? `, offset ${e.offset}` : ''}]`;
}

/** One line of the hex view: where, which bytes (none on a line that names a range of parts), what. */
export interface HexRow {
  /** Nesting: 0 for the frame's (or message's) own ranges. */
  depth: number;
  at: number;
  /** Hex digits, a space between bytes; empty on a range's own line and for bytes not shown. */
  hex: string;
  /** What the bytes are; empty on the lines that continue a long run of bytes. */
  what: string;
}

/** Bytes per line of the hex view. */
export const HEX_BYTES_PER_LINE = 8;

/**
 * The hex view's lines, as Wireshark's byte pane pairs bytes with the fields they hold: a range with
 * parts gets a line of its own, then its parts below it, one level in; a range of bytes gets its
 * bytes, 8 a line.
 */
export function hexRows(raw: RawBytes): HexRow[] {
  const rows: HexRow[] = [];
  const shown = raw.hex.length / 2;
  const walk = (ranges: readonly ByteRange[], depth: number) => {
    for (const r of ranges) {
      if (r.parts) {
        rows.push({ depth, at: r.at, hex: '', what: r.what });
        walk(r.parts, depth + 1);
        continue;
      }
      const end = Math.min(r.at + r.bytes, shown);
      if (end <= r.at) rows.push({ depth, at: r.at, hex: '', what: r.what });
      for (let at = r.at; at < end; at += HEX_BYTES_PER_LINE) {
        const hex = raw.hex.slice(2 * at, 2 * Math.min(at + HEX_BYTES_PER_LINE, end)).replace(/(..)(?!$)/g, '$1 ');
        rows.push({ depth, at, hex, what: at === r.at ? r.what : '' });
      }
    }
  };
  walk(raw.ranges, 0);
  return rows;
}

/** A hex row's offset: four hex digits at least. */
export const hexOffset = (at: number): string => at.toString(16).padStart(4, '0');
/** What the tap did, with the frame it concerns: `inject RST_STREAM 4 bytes`, `hold`. */
export function faultText(e: FaultEvent): string {
  const f = e.frame;
  if (!f) return e.action;
  return `${e.action} ${f.type}${f.flags.length > 0 ? ` [${f.flags.join(' ')}]` : ''} ${byteCount(f.length)}`;
}
