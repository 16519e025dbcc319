// A protobuf message's bytes, for the hex view (protobuf.dev "Encoding"): each field as its tag — one
// varint holding the field number and the wire type, (number << 3) | type — then its value: a varint,
// 8 or 4 little-endian bytes, or a LEN's length and its bytes (a nested message's own fields). Made
// from where the wire-format reader found each field (wire-format.ts, `layout`); named and read as
// the schema says when there is one (a negative int32 is a 10-byte varint, a sint is zigzagged).

import protobuf from 'protobufjs';
import type { ByteRange, WireField } from '../events.js';
import { range } from '../raw-bytes.js';
import type { FieldBytes } from './wire-format.js';

const WIRE_TYPES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32'];
const WIRE_NUMBER = { varint: 0, i64: 1, len: 2, group: 3, i32: 5 } as const;

/** The ranges of `fields` (read with their `layout`), offsets as in the layout. */
export function fieldRanges(
  fields: readonly WireField[],
  layout: readonly FieldBytes[],
  type?: protobuf.Type,
): ByteRange[] {
  return fields.map((f, i) => fieldRange(f, layout[i], type?.fieldsById[f.field]));
}

function fieldRange(f: WireField, b: FieldBytes, schema: protobuf.Field | undefined): ByteRange {
  schema?.resolve();
  const name = schema ? `${f.field} ${schema.name}` : `field ${f.field}`;
  const wire = WIRE_NUMBER[f.wire];
  const parts = [range(b.at, b.tagEnd - b.at, tagText(f.field, wire))];
  if ('message' in f || 'fields' in f) {
    const nestedType = schema?.resolvedType instanceof protobuf.Type ? schema.resolvedType : undefined;
    const nested = 'message' in f ? f.message : f.fields;
    if ('message' in f) parts.push(range(b.tagEnd, b.valueAt - b.tagEnd, `length ${b.end - b.valueAt}`));
    parts.push(...fieldRanges(nested, b.fields ?? [], nestedType));
    if ('fields' in f) {
      const egroup = parts[parts.length - 1].at + parts[parts.length - 1].bytes;
      parts.push(range(egroup, b.end - egroup, tagText(f.field, 4)));
    }
    const what = nestedType
      ? `${name} (${nestedType.fullName.replace(/^\./, '')})`
      : `${name} (${f.wire === 'len' ? 'a nested message' : 'a group'})`;
    return range(b.at, b.end - b.at, what, parts);
  }
  const value = valueText(f, schema);
  if (f.wire === 'len') {
    parts.push(range(b.tagEnd, b.valueAt - b.tagEnd, `length ${b.end - b.valueAt}`));
    if (b.end > b.valueAt) parts.push(range(b.valueAt, b.end - b.valueAt, value));
  } else {
    parts.push(range(b.valueAt, b.end - b.valueAt, value));
  }
  return range(b.at, b.end - b.at, `${name}: ${shortValue(f, schema)}`, parts);
}

/** A tag: field number and wire type in one varint. */
function tagText(field: number, wire: number): string {
  return `tag ${field * 8 + wire} = field ${field} << 3 | wire type ${wire} (${WIRE_TYPES[wire]})`;
}

/** The value's bytes, in words: what they encode, and how the schema's type reads them. */
function valueText(f: WireField, schema: protobuf.Field | undefined): string {
  const type = schema?.type;
  if ('string' in f) return `UTF-8 ${JSON.stringify(f.string)}`;
  if ('bytes' in f) return `${Buffer.from(f.bytes, 'base64').length} bytes`;
  if (f.wire === 'varint') {
    const read = type ? readVarint(BigInt(f.value), schema) : undefined;
    return `varint ${f.value}${read === undefined || read === String(f.value) ? '' : ` = ${type} ${read}`}`;
  }
  if (f.wire === 'i64') {
    const bits = BigInt(f.hex);
    if (type === 'fixed64') return `little-endian ${f.hex} = fixed64 ${bits}`;
    if (type === 'sfixed64') return `little-endian ${f.hex} = sfixed64 ${BigInt.asIntN(64, bits)}`;
    return `little-endian ${f.hex} = double ${f.double}`;
  }
  if (f.wire === 'i32') {
    const bits = Number(f.hex);
    if (type === 'fixed32') return `little-endian ${f.hex} = fixed32 ${bits}`;
    if (type === 'sfixed32') return `little-endian ${f.hex} = sfixed32 ${bits | 0}`;
    return `little-endian ${f.hex} = float ${f.float}`;
  }
  return '';
}

/** The value for the field's line: the text, the number as the schema reads it. */
function shortValue(f: WireField, schema: protobuf.Field | undefined): string {
  if ('string' in f) return JSON.stringify(f.string);
  if ('bytes' in f) return `${Buffer.from(f.bytes, 'base64').length} bytes`;
  if (f.wire === 'varint') return (schema && readVarint(BigInt(f.value), schema)) ?? String(f.value);
  if (f.wire === 'i64' || f.wire === 'i32') return valueText(f, schema).replace(/^.* = \S+ /, '');
  return '';
}

/** A varint as the field's type reads it (protobuf.dev "Encoding": signed ints, zigzag, bool, enum). */
function readVarint(v: bigint, field: protobuf.Field): string | undefined {
  switch (field.type) {
    case 'int32':
      return String(BigInt.asIntN(32, v));
    case 'int64':
      return String(BigInt.asIntN(64, v));
    case 'uint32':
    case 'uint64':
      return String(v);
    case 'sint32':
    case 'sint64':
      return String((v >> 1n) ^ -(v & 1n));
    case 'bool':
      return v === 0n ? 'false' : 'true';
    default: {
      const e = field.resolvedType;
      if (e instanceof protobuf.Enum) return e.valuesById[Number(v)] ?? String(v);
      return undefined;
    }
  }
}
