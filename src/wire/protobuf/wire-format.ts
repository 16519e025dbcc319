// Protobuf without a schema: the wire format read as it is (protobuf.dev "Encoding"), like
// `protoc --decode_raw`. Each field is its number, its wire type and its value:
//
//   0 VARINT  a base-128 varint (shown unsigned; a sint would need the schema to be unzigzagged)
//   1 I64     8 bytes little-endian (shown in hex, and as the double they would be)
//   2 LEN     a varint length, then that many bytes: a nested message when they parse as one,
//             else text when they are printable UTF-8, else bytes (base64)
//   3 SGROUP / 4 EGROUP   a group (deprecated), its fields between the two tags
//   5 I32     4 bytes little-endian (hex, and as a float)
//
// Never throws: bytes that are not a protobuf message give the fields read so far and an error
// naming the offset.

import type { WireField } from '../events.js';
import type { WireError } from '../wire-error.js';

export interface WireDump {
  fields: WireField[];
  error?: WireError;
  /** When asked (for the hex view): where each field lies, in the same order and nesting as `fields`. */
  layout?: FieldBytes[];
}

/**
 * Where one field lies in the bytes read: its tag from `at`, its value from `valueAt` (after a LEN's
 * length) to `end`; a nested message's or a group's own fields (a group's EGROUP tag ends it).
 */
export interface FieldBytes {
  at: number;
  tagEnd: number;
  valueAt: number;
  end: number;
  fields?: FieldBytes[];
}

/** Nested messages deeper than this are shown as bytes (a schema-less guess must not recurse without bound). */
const MAX_DEPTH = 32;

/** `withLayout`: also say where each field lies (`layout`). */
export function decodeWireFormat(bytes: Uint8Array, withLayout = false): WireDump {
  const reader = new Reader(bytes, withLayout);
  const layout: FieldBytes[] | undefined = withLayout ? [] : undefined;
  const fields = reader.fields(0, undefined, bytes.length, layout);
  const dump: WireDump = reader.error ? { fields, error: reader.error } : { fields };
  if (layout) dump.layout = layout;
  return dump;
}

class Reader {
  pos = 0;
  error: WireError | undefined;
  constructor(
    private readonly buf: Uint8Array,
    private readonly withLayout: boolean,
  ) {}

  /** Fields until `end`, or until the EGROUP of `group`; where each lies into `layout`, when given. */
  fields(depth: number, group: number | undefined, end: number, layout?: FieldBytes[]): WireField[] {
    const out: WireField[] = [];
    while (this.pos < end && !this.error) {
      const at = this.pos;
      const tag = this.varint(end);
      if (tag === undefined) return out;
      const tagEnd = this.pos;
      let valueAt = tagEnd;
      let nested: FieldBytes[] | undefined;
      const field = Number(tag >> 3n);
      const wire = Number(tag & 7n);
      if (field === 0 || field > 536_870_911) return this.fail(at, `field number ${field} is outside 1..2^29-1`, out);
      switch (wire) {
        case 0: {
          const v = this.varint(end);
          if (v === undefined) return out;
          out.push({ field, wire: 'varint', value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString() });
          break;
        }
        case 1: {
          if (end - this.pos < 8) return this.fail(at, `field ${field}: an I64 needs 8 bytes`, out);
          const view = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
          out.push({
            field,
            wire: 'i64',
            hex: hex64(view.readBigUInt64LE(0)),
            double: jsonNumber(view.readDoubleLE(0)),
          });
          this.pos += 8;
          break;
        }
        case 5: {
          if (end - this.pos < 4) return this.fail(at, `field ${field}: an I32 needs 4 bytes`, out);
          const view = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, 4);
          const u = view.readUInt32LE(0);
          out.push({
            field,
            wire: 'i32',
            hex: `0x${u.toString(16).padStart(8, '0')}`,
            float: jsonNumber(view.readFloatLE(0)),
          });
          this.pos += 4;
          break;
        }
        case 2: {
          const length = this.varint(end);
          if (length === undefined) return out;
          if (length > BigInt(end - this.pos))
            return this.fail(at, `field ${field}: a LEN of ${length} bytes, only ${end - this.pos} left`, out);
          const start = this.pos;
          const stop = start + Number(length);
          const value = this.lenValue(start, stop, depth);
          out.push({ field, wire: 'len', ...value.value });
          valueAt = start;
          nested = value.layout;
          this.pos = stop;
          break;
        }
        case 3: {
          if (depth >= MAX_DEPTH) return this.fail(at, `groups nested deeper than ${MAX_DEPTH}`, out);
          nested = layout && [];
          const fields = this.fields(depth + 1, field, end, nested);
          if (this.error) return out;
          out.push({ field, wire: 'group', fields });
          break;
        }
        case 4:
          if (group === field) return out;
          return this.fail(at, `field ${field}: an EGROUP without its SGROUP`, out);
        default:
          return this.fail(at, `field ${field}: wire type ${wire} does not exist`, out);
      }
      if (layout)
        layout.push(
          nested ? { at, tagEnd, valueAt, end: this.pos, fields: nested } : { at, tagEnd, valueAt, end: this.pos },
        );
    }
    if (group !== undefined && !this.error) return this.fail(this.pos, `group ${group} has no EGROUP`, out);
    return out;
  }

  /** What a LEN value most likely is: text, a nested message (and where its fields lie), or bytes. */
  private lenValue(
    start: number,
    stop: number,
    depth: number,
  ): { value: { string: string } | { message: WireField[] } | { bytes: string }; layout?: FieldBytes[] } {
    const slice = this.buf.subarray(start, stop);
    const text = printableText(slice);
    if (text !== undefined) return { value: { string: text } };
    if (depth < MAX_DEPTH && slice.length > 0) {
      const nested = new Reader(slice, this.withLayout);
      const layout: FieldBytes[] | undefined = this.withLayout ? [] : undefined;
      const fields = nested.fields(depth + 1, undefined, slice.length, layout);
      if (!nested.error) return { value: { message: fields }, layout: layout && shiftFields(layout, start) };
    }
    return { value: { bytes: Buffer.from(slice).toString('base64') } };
  }

  private varint(end: number): bigint | undefined {
    const at = this.pos;
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= end) {
        this.fail(at, 'a varint cut short', []);
        return undefined;
      }
      const byte = this.buf[this.pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    this.fail(at, 'a varint longer than 10 bytes', []);
    return undefined;
  }

  private fail(offset: number, message: string, out: WireField[]): WireField[] {
    this.error ??= { offset, rule: 'protobuf encoding', message };
    return out;
  }
}

function shiftFields(layout: FieldBytes[], by: number): FieldBytes[] {
  return layout.map((f) => ({
    at: f.at + by,
    tagEnd: f.tagEnd + by,
    valueAt: f.valueAt + by,
    end: f.end + by,
    ...(f.fields ? { fields: shiftFields(f.fields, by) } : {}),
  }));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text when they are valid UTF-8 without control characters (tab and newlines allowed). */
function printableText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return '';
  for (const b of bytes) if (b < 0x20 ? b !== 0x09 && b !== 0x0a && b !== 0x0d : b === 0x7f) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function hex64(v: bigint): string {
  return `0x${v.toString(16).padStart(16, '0')}`;
}

/** JSON has no NaN or Infinity: those are spelled as proto3 JSON spells them. */
function jsonNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}
