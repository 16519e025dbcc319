// Protobuf encoding as protobuf-go writes it (grpc-go's codec), for any message type protobufjs loads:
// the same values give the same bytes (test/interop/canonical-bytes-go.test.ts compares them with grpc-go's).
// protobufjs's own encoder differs in two ways: it writes every field that is set on the object, a
// proto3 `0` or `""` included, and it writes oneof members in field-number order.
//
// Which fields go on the wire (protobuf.dev/programming-guides/field_presence):
//   - a field with explicit presence, when it is set: message fields, oneof members, proto3
//     `optional` fields, proto2 `optional` fields — at their default value too;
//   - a proto3 field without it (a plain scalar or enum), only when it is not its default: 0, false,
//     "", empty bytes. A float or double -0 is written: protobuf-go compares the bits, not the value;
//   - a repeated field or map, when it has elements.
// "Set" is what protobufjs means by it: an own property that is not null or undefined (instances of
// the generated classes keep defaults on their prototype).
//
// In which order: the fields outside any oneof by number, then the members of oneofs, oneof by oneof
// in declaration order — protobuf-go writes oneofs last. Repeated numbers are packed in proto3 (as
// the field says). Map entries carry their key and their value, default or not, and go in key
// order, as protobuf-go's deterministic mode writes them (its default order is random).
//
// A plain object whose values do not have the wire types (an enum by name, bytes as base64, an int64
// as a string) goes through protobufjs's `fromObject` first.

import protobuf from 'protobufjs';

const { Type, Enum, MapField, util } = protobuf;

// protobufjs's tables: the wire type of each scalar type, of the packable ones, of map key types.
const basicWireType: Record<string, number> = protobuf.types.basic;
const packedWireType: Record<string, number> = protobuf.types.packed;
const mapKeyWireType: Record<string, number> = protobuf.types.mapKey;

/** Encodes `message` of `type` into `writer` (a new one by default); throws on a value it cannot encode. */
export function encodeMessage(
  type: protobuf.Type,
  message: unknown,
  writer: protobuf.Writer = protobuf.Writer.create(),
): protobuf.Writer {
  const object = (message ?? {}) as Record<string, unknown>;
  const ready = object instanceof type.ctor || type.verify(object) === null;
  writeFields(type, ready ? object : (type.fromObject(object) as unknown as Record<string, unknown>), writer, 0);
  return writer;
}

/** True when the field is written whenever it is set, even at its default value. */
export function hasExplicitPresence(field: protobuf.Field): boolean {
  if (field.repeated || field.map) return false;
  return field.resolvedType instanceof Type || field.hasPresence;
}

const ordered = new WeakMap<protobuf.Type, readonly protobuf.Field[]>();

/** The fields of `type` in the order protobuf-go writes them (see the top of this file). */
export function fieldsInWireOrder(type: protobuf.Type): readonly protobuf.Field[] {
  let fields = ordered.get(type);
  if (!fields) {
    const oneofIndex = (field: protobuf.Field) =>
      field.partOf && !field.partOf.isProto3Optional ? type.oneofsArray.indexOf(field.partOf) : -1;
    fields = [...type.fieldsArray].sort((a, b) => oneofIndex(a) - oneofIndex(b) || a.id - b.id);
    for (const field of fields) field.resolve();
    ordered.set(type, fields);
  }
  return fields;
}

// Wire types (protobuf.dev/programming-guides/encoding).
const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;

const hasOwn = (object: object, name: string) => Object.hasOwn(object, name);

function writeFields(type: protobuf.Type, message: Record<string, unknown>, writer: protobuf.Writer, depth: number) {
  if (depth > util.recursionLimit) throw new Error('max depth exceeded');
  for (const field of fieldsInWireOrder(type)) {
    const value = message[field.name];
    if (value == null || !hasOwn(message, field.name)) continue;
    if (field instanceof MapField) writeMap(field, value as Record<string, unknown>, writer, depth);
    else if (field.repeated) writeRepeated(field, value as unknown[], writer, depth);
    else if (hasExplicitPresence(field) || !isDefault(field, value)) writeValue(field, field.id, value, writer, depth);
  }
}

/** The proto3 default of a field without explicit presence. */
function isDefault(field: protobuf.Field, value: unknown): boolean {
  switch (field.type) {
    case 'string':
      return value === '';
    case 'bytes':
      return (value as { length: number }).length === 0;
    case 'bool':
      return value === false;
    case 'double':
    case 'float':
      return Object.is(value, 0); // -0 is not the default
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      // A Long, a number, or a decimal string.
      return typeof value === 'object' ? isZeroLong(value as protobuf.Long) : Number(value) === 0;
    default:
      return value === 0; // 32-bit integers, and enums (by number once verified or converted)
  }
}

function isZeroLong(value: protobuf.Long): boolean {
  return value.low === 0 && value.high === 0;
}

/** One value with its key: `number` is the field number on the wire (1 and 2 inside a map entry). */
function writeValue(
  field: protobuf.Field | protobuf.MapField,
  number: number,
  value: unknown,
  writer: protobuf.Writer,
  depth: number,
) {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) {
    if (field instanceof protobuf.Field && field.delimited) {
      writer.uint32(key(number, SGROUP));
      writeFields(resolved, value as Record<string, unknown>, writer, depth + 1);
      writer.uint32(key(number, EGROUP));
    } else {
      writer.uint32(key(number, LEN)).fork();
      writeFields(resolved, value as Record<string, unknown>, writer, depth + 1);
      writer.ldelim();
    }
    return;
  }
  writer.uint32(key(number, resolved instanceof Enum ? basicWireType.int32 : basicWireType[field.type]));
  writeScalar(field, value, writer);
}

/** A scalar or enum value without its key. */
function writeScalar(field: protobuf.FieldBase, value: unknown, writer: protobuf.Writer) {
  if (field.resolvedType instanceof Enum) writer.int32(value as number);
  // Strings through Buffer, as the direct encoder writes them (a lone surrogate becomes U+FFFD).
  else if (field.type === 'string') writer.bytes(Buffer.from(value as string, 'utf8'));
  else (writer[field.type as keyof protobuf.Writer] as (value: unknown) => protobuf.Writer).call(writer, value);
}

function writeRepeated(field: protobuf.Field, values: unknown[], writer: protobuf.Writer, depth: number) {
  if (values.length === 0) return;
  const packable = field.resolvedType instanceof Enum || packedWireType[field.type] !== undefined;
  if (field.packed && packable) {
    writer.uint32(key(field.id, LEN)).fork();
    for (const value of values) writeScalar(field, value, writer);
    writer.ldelim();
  } else {
    for (const value of values) writeValue(field, field.id, value, writer, depth);
  }
}

function writeMap(field: protobuf.MapField, entries: Record<string, unknown>, writer: protobuf.Writer, depth: number) {
  const keyType = field.keyType;
  const keyField = { type: keyType, resolvedType: null } as protobuf.FieldBase;
  const keys = Object.keys(entries).map((name) => [name, mapKey(keyType, name)] as const);
  keys.sort(([, a], [, b]) => compareKeys(keyType, a, b));
  for (const [name, value] of keys) {
    writer.uint32(key(field.id, LEN)).fork();
    writer.uint32(key(1, mapKeyWireType[keyType]));
    writeScalar(keyField, value, writer);
    writeValue(field, 2, entries[name], writer, depth);
    writer.ldelim();
  }
}

/**
 * An object key as the map key it names: a string, a bool, or an integer (a number, or a decimal
 * string for 64 bits). protobufjs's decoder names 64-bit keys by an 8-character hash instead.
 */
function mapKey(keyType: string, name: string): string | number | boolean {
  if (keyType === 'string') return name;
  if (keyType === 'bool' && (name === 'true' || name === 'false')) return name === 'true';
  const wide = Object.hasOwn(protobuf.types.long, keyType);
  const unsigned = keyType === 'uint64' || keyType === 'fixed64';
  const decimal = wide && name.length === 8 && !/^-?\d+$/.test(name) ? hashToDecimal(name, unsigned) : name;
  if (keyType === 'bool' || !/^-?\d+$/.test(decimal))
    throw new Error(`map key ${JSON.stringify(name)} is not a ${keyType}`);
  return wide ? decimal : Number(decimal);
}

function hashToDecimal(hash: string, unsigned: boolean): string {
  const bits = util.LongBits.fromHash(hash);
  const value = (BigInt(bits.hi >>> 0) << 32n) | BigInt(bits.lo >>> 0);
  return (unsigned ? value : BigInt.asIntN(64, value)).toString();
}

/** Key order: numbers by value, false before true, strings by their UTF-8 bytes. */
function compareKeys(keyType: string, a: string | number | boolean, b: string | number | boolean): number {
  if (keyType === 'string') return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function key(number: number, wireType: number): number {
  return ((number << 3) | wireType) >>> 0;
}
