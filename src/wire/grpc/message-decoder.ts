// One reassembled message → its event: the prefix in hex, inflated per grpc-encoding with the
// receive limit every stack uses (4 MiB, checked as it inflates), decoded with the call's schema as
// proto3 JSON, or shown as its wire format when there is no schema or the bytes do not fit it.

import protobuf from 'protobufjs';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FramingError,
  PREFIX_SIZE,
  decompress,
  isSupportedEncoding,
} from '../../../framing/index.js';
import type { Direction, MessageEvent } from '../events.js';
import { messageReader } from '../../protocol/protobuf-reader.js';
import { toProto3Json, typeName } from '../protobuf/proto-json.js';
import type { SchemaLookup } from '../protobuf/schemas.js';
import { decodeWireFormat } from '../protobuf/wire-format.js';
import { rawBytes, shownBytes } from '../raw-bytes.js';
import type { Finding } from './header-rules.js';
import type { AssembledMessage } from './message-assembler.js';
import { messageRanges } from './message-layout.js';

export interface DecodeContext {
  t: number;
  conn: number;
  dir: Direction;
  stream: number;
  method: string | null;
  /** grpc-encoding of this direction's messages (from the request or response headers). */
  encoding: string | undefined;
  /** Messages larger than this many bytes are shown cut short (0: never). */
  maxBody: number;
  /** The hex view: the message's bytes, and what each one is (`raw`). */
  hex: boolean;
}

export interface DecodedMessage {
  event: MessageEvent;
  /** Decompressed body size (what the call summary counts). */
  bytes: number;
  warnings: Finding[];
}

/** The prefix's length in hex, as the tap shows it: `0x00000021`. */
function lengthHex(n: number): string {
  // Speed only: the messages of a stream are often all the same size, so the last one is kept.
  if (n !== lastLength) {
    lastLength = n;
    lastLengthHex = `0x${n.toString(16).padStart(8, '0')}`;
  }
  return lastLengthHex;
}
let lastLength = -1;
let lastLengthHex = '';

export function decodeMessage(m: AssembledMessage, ctx: DecodeContext, schema: SchemaLookup): DecodedMessage {
  const warnings: Finding[] = [];
  const event: MessageEvent = {
    t: ctx.t,
    conn: ctx.conn,
    dir: ctx.dir,
    kind: 'message',
    stream: ctx.stream,
    method: ctx.method,
    index: m.index,
    prefix: { flag: m.compressed ? '0x01' : '0x00', length: lengthHex(m.body.length) },
    frames: m.frames,
    wireBytes: m.body.length,
    bytes: m.body.length,
    schema: 'missing' in schema ? 'none' : schema.source,
  };
  const notes: string[] = [];
  if (m.frames > 1) notes.push(`spread over ${m.frames} DATA frames`);
  let body: Buffer | undefined = m.body;
  if (m.compressed) {
    const encoding = ctx.encoding ?? 'identity';
    if (encoding === 'identity') {
      // PROTOCOL-HTTP2 "Message-Encoding"; compression.md: flag 1 with identity → INTERNAL.
      warnings.push({
        rule: 'PROTOCOL-HTTP2 Length-Prefixed-Message',
        note: `Compressed-Flag 1 without a grpc-encoding: the receiver fails the call with INTERNAL`,
      });
      body = undefined;
    } else if (!isSupportedEncoding(encoding)) {
      notes.push(`compressed with ${encoding}, which the tap cannot inflate`);
      body = undefined;
    } else {
      const inflated = decompress(encoding, m.body, DEFAULT_MAX_MESSAGE_SIZE);
      if (inflated instanceof FramingError) {
        warnings.push({ rule: `compression.md (${encoding})`, note: inflated.message });
        body = undefined;
      } else {
        event.encoding = encoding;
        event.bytes = inflated.length;
        notes.push(`Compressed-Flag 1: ${encoding}, ${m.body.length} → ${inflated.length} bytes`);
        body = inflated;
      }
    }
  }
  if (body !== undefined) describeBody(event, body, schema, ctx.maxBody, notes);
  if ('missing' in schema) notes.push(`no schema: ${schema.missing}`);
  if (notes.length > 0) event.note = notes.join('; ');
  if (ctx.hex) {
    const prefix = Buffer.alloc(PREFIX_SIZE);
    prefix[0] = m.compressed ? 1 : 0;
    prefix.writeUInt32BE(m.body.length, 1);
    const whole = { compressed: m.compressed, body: m.body, encoding: event.encoding ?? ctx.encoding };
    // Fields named by the schema only when the body decoded with it.
    const type = event.schema === 'none' ? undefined : schemaType(schema, ctx.dir);
    event.raw = rawBytes([prefix, m.body], messageRanges(whole, type), shownBytes(PREFIX_SIZE, ctx.maxBody));
  }
  return { event, bytes: event.bytes, warnings };
}

function describeBody(event: MessageEvent, body: Buffer, schema: SchemaLookup, maxBody: number, notes: string[]): void {
  const cut = maxBody > 0 && body.length > maxBody;
  if (!('missing' in schema)) {
    const type = event.dir === 'c2s' ? schema.requestType : schema.responseType;
    event.messageType = typeName(type);
    try {
      const json = toProto3Json(type, type.decode(messageReader(body)));
      if (cut) event.truncated = shorten(JSON.stringify(json), maxBody);
      else event.message = json;
      return;
    } catch (error) {
      const reason =
        error instanceof protobuf.util.ProtocolError || error instanceof Error ? error.message : String(error);
      notes.push(`does not decode as ${event.messageType} (${reason}): wire format below`);
      event.schema = 'none';
    }
  }
  const dump = decodeWireFormat(body);
  if (dump.error) notes.push(`not protobuf from byte ${dump.error.offset}: ${dump.error.message}`);
  if (cut) event.truncated = shorten(JSON.stringify(dump.fields), maxBody);
  else event.wireFields = dump.fields;
}

/** The message type of `dir` in a call's schema, once known. */
export function schemaType(
  schema: SchemaLookup | Promise<SchemaLookup> | undefined,
  dir: Direction,
): protobuf.Type | undefined {
  if (schema === undefined || schema instanceof Promise || 'missing' in schema) return undefined;
  return dir === 'c2s' ? schema.requestType : schema.responseType;
}

function shorten(text: string, max: number): string {
  return `${text.slice(0, max)}…`;
}
