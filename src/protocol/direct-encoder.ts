// SPEED ONLY — not on the reading path: protobuf-encoding.ts encodes every message, with the same
// bytes, without this file (schema.ts falls back to it for anything not covered here).
//
// Protobuf encoding straight into the buffer that goes on the wire, in two passes: the first
// measures the message (and checks every value's JavaScript type), the second writes it.
//
// protobuf-encoding.ts, like protobufjs's encoder, records one small object per field written and
// then copies into a buffer; for the small messages gRPC services exchange most, those objects cost
// more than the bytes. This encoder allocates nothing but the output buffer: a RouteNote costs 170 ns
// instead of 390, a Feature 250 instead of 540 (docs/benchmarks.md: "Encoding", which helps every row
// that sends messages — (a) and (c) to (f)). test/protocol/direct-encoder.test.ts holds its bytes
// equal to protobuf-encoding.ts's, test/protocol/canonical-bytes-encoding.test.ts to protobuf-go's.
//
// It covers the field types of proto3 messages without 64-bit integers: double, float, the 32-bit
// integers, bool, string, bytes, enums (as numbers), nested messages, and repeated fields of any of
// these. A type with another field (int64 and friends, maps, groups, proto2 `required`) has no direct
// encoder, and a message holding a value of an unexpected type (an enum by name, bytes as base64, an
// int32 out of range, …) is reported as NOT_HANDLED: protobuf-encoding.ts encodes both.
//
// Which fields are written, and in which order, is protobuf-encoding.ts's rule (protobuf-go's): a
// field with explicit presence (a message, a oneof member, an `optional` field) when it is an own
// property that is not null or undefined; a proto3 scalar field only when it is also not its
// default (0, false, "", empty bytes; -0 is written); a repeated field when its array is not empty.
// The fields outside oneofs go first, by number, then the oneof members.
//
// Like protobufjs, it generates a pair of functions per message type, so that every field is read
// with its name written in the code (a loop over field names would make each read a slow lookup).
// The generated code reads the fields, and measures and writes the common values and nested
// messages itself (see "flat code" below); other values go through the helpers below. For
// routeguide.RouteNote { Point location = 1; string message = 2; } the measure function is (with
// SIZE(x) standing for varintSize's expression, written out in the code):
//
//   function measure(m, depth) {
//     if (depth > 100) return -1;
//     let size = 0, v, n;
//     v = m["location"];
//     if (v != null && hasOwn.call(m, "location")) {
//       if (typeof v !== 'object' || v === null || Array.isArray(v)) return -1;
//       if (depth > 99) return -1;
//       const slot1 = state.top++, m1 = v;
//       let size1 = 0, v1;
//       v1 = m1["latitude"];
//       if (v1 != null && v1 !== 0 && hasOwn.call(m1, "latitude")) {
//         if (typeof v1 !== 'number' || (v1 | 0) !== v1) return -1;
//         size1 += 1 + (v1 < 0 ? 10 : SIZE(v1));
//       }
//       v1 = m1["longitude"];
//       … as latitude …
//       sizes[slot1] = size1;
//       size += 1 + SIZE(size1) + size1;
//     }
//     v = m["message"];
//     if (v != null && v !== "" && hasOwn.call(m, "message")) {
//       if (typeof v !== 'string') return -1;
//       n = Buffer.byteLength(v, 'utf8'); sizes[state.top++] = n;
//       size += 1 + SIZE(n) + n;
//     }
//     return size;
//   }
//
// and the write function takes the same walk: `out[pos++] = 10;`, the size of the location from
// `sizes[state.next++]` as a varint, its fields, then `out[pos++] = 18;` and the message's string.

import protobuf from 'protobufjs';
import { reachableTypes } from './reachable-types.js';
import { fieldsInWireOrder, hasExplicitPresence } from './protobuf-encoding.js';

/** A value the direct encoder does not take; protobufjs encodes the message instead. */
export const NOT_HANDLED = -1;

export interface DirectEncoder {
  /** The encoded size of `message`, or NOT_HANDLED. Must be followed by `write()` of the same message. */
  measure(message: object): number;
  /** Writes the message measured last into `target` at `offset`; returns the offset after it. */
  write(message: object, target: Buffer, offset: number): number;
}

// Wire types (protobuf's encoding spec).
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/**
 * Per covered field type: its wire type, the helpers that measure and write one value, and the test
 * of `v` (known not to be null) that is false for the proto3 default, which a field without explicit
 * presence does not write (protobuf-encoding.ts). A value of the wrong JavaScript type passes the
 * test and is then refused by the measure helper.
 */
const SCALARS: Record<string, { wireType: number; measure: string; write: string; notDefault: (v: string) => string }> =
  {
    double: {
      wireType: I64,
      measure: 'measureDouble',
      write: 'writeDouble',
      notDefault: (v) => `(${v} !== 0 || 1 / ${v} < 0)`,
    },
    float: {
      wireType: I32,
      measure: 'measureFloat',
      write: 'writeFloat',
      notDefault: (v) => `(${v} !== 0 || 1 / ${v} < 0)`,
    },
    int32: { wireType: VARINT, measure: 'measureInt32', write: 'writeInt32', notDefault: (v) => `${v} !== 0` },
    uint32: { wireType: VARINT, measure: 'measureUint32', write: 'writeUint32', notDefault: (v) => `${v} !== 0` },
    sint32: { wireType: VARINT, measure: 'measureSint32', write: 'writeSint32', notDefault: (v) => `${v} !== 0` },
    fixed32: { wireType: I32, measure: 'measureFixed32', write: 'writeFixed32', notDefault: (v) => `${v} !== 0` },
    sfixed32: { wireType: I32, measure: 'measureSfixed32', write: 'writeSfixed32', notDefault: (v) => `${v} !== 0` },
    bool: { wireType: VARINT, measure: 'measureBool', write: 'writeBool', notDefault: (v) => `${v} !== false` },
    string: { wireType: LEN, measure: 'measureString', write: 'writeString', notDefault: (v) => `${v} !== ""` },
    bytes: { wireType: LEN, measure: 'measureBytes', write: 'writeBytes', notDefault: (v) => `${v}.length !== 0` },
  };

// protobufjs's limit (util.recursionLimit); deeper messages go to protobufjs, which throws.
const MAX_DEPTH = 100;

// Called as hasOwn.call(m, name) by the generated code.
// eslint-disable-next-line @typescript-eslint/unbound-method
const hasOwn = Object.prototype.hasOwnProperty;

// The first pass records the byte length of every nested message, packed run and string here, in
// the order the second pass meets them: `state.top` is where the first pass adds, `state.next` where
// the second reads. Encoding is synchronous, so one list serves every encoder.
const sizes: number[] = [];
const state = { top: 0, next: 0 };

// One encoder per type, however many methods use it.
const encoders = new WeakMap<protobuf.Type, DirectEncoder | null>();

/** A direct encoder for `type`, or undefined when one of the types it reaches has a field it does not cover. */
export function directEncoder(type: protobuf.Type): DirectEncoder | undefined {
  let encoder = encoders.get(type);
  if (encoder === undefined) encoders.set(type, (encoder = compile(type) ?? null));
  return encoder ?? undefined;
}

function compile(type: protobuf.Type): DirectEncoder | undefined {
  const types = reachableTypes(type, covered);
  if (!types) return undefined;
  // Generated functions call each other through these lists, by the index of their type.
  const measures: Measure[] = [];
  const writes: Write[] = [];
  for (const t of types) {
    const [measure, write] = generate(t, types, measures, writes);
    measures.push(measure);
    writes.push(write);
  }
  return {
    measure(message) {
      state.top = 0;
      return measures[0](message, 0);
    },
    write(message, target, offset) {
      state.next = 0;
      return writes[0](message, target, offset);
    },
  };
}

/** Whether a field is one this encoder writes: no map, no proto2 group or required field, no 64-bit integer. */
function covered(field: protobuf.Field): boolean {
  if (field.map || field.required || field.delimited) return false;
  const resolved = field.resolvedType;
  // int64, uint64, sint64, fixed64, sfixed64 are not in SCALARS.
  return resolved instanceof protobuf.Type || resolved instanceof protobuf.Enum || Object.hasOwn(SCALARS, field.type);
}

type Measure = (message: object, depth: number) => number;
type Write = (message: object, out: Buffer, pos: number) => number;

/**
 * Generates the measure and write functions of one message type (see the example at the top).
 * A nested message type is generated into its parent's functions (see "flat code" below) unless it
 * contains itself; then, and for repeated messages, it is called through `measures` and `writes`,
 * by its index in `types`.
 */
function generate(type: protobuf.Type, types: protobuf.Type[], measures: Measure[], writes: Write[]): [Measure, Write] {
  const measure = [`if (depth > ${MAX_DEPTH}) return -1;`, 'let size = 0, v, n;'];
  const write = ['let v, n, t;'];
  generateFields(type, types, { measure, write }, 0, [type]);
  measure.push('return size;');
  write.push('return pos;');
  const scope: Record<string, unknown> = { ...HELPERS, measures, writes };
  const source = `return [function measure(m, depth) {\n${measure.join('\n')}\n}, function write(m, out, pos) {\n${write.join('\n')}\n}];`;
  // Generating code is what makes this encoder fast (see the top of the file); the source is built
  // from field numbers and JSON-quoted field names only.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...Object.keys(scope), source) as (...helpers: unknown[]) => [Measure, Write];
  return factory(...Object.values(scope));
}

// ---- flat code ----
// A RouteNote is measured and written by one generated function each instead of a dozen helper
// calls: the fields of a nested message are handled in its parent's functions (unless its type
// contains itself), and so are the values of the common scalars (32-bit varints, bools, strings).
// What this buys is warm-up: each small function that gets hot is compiled on its own before its
// callers are, and on a run of 100,000 notes those compilations cost more than the encoding does.
// Measured in a fresh process framing RouteNotes into a slab as the client's writer does (CPU time,
// 3 rounds each, on a loaded 2-core machine): 6.4 to 6.9 → 3.2 to 3.5 µs per note for 20,000 notes,
// 2.12 to 2.16 → 1.39 to 1.44 µs for 100,000 (building the notes took 1.25 to 1.30 and 0.53 to 0.55);
// our client's RouteChat (bench row (h)), 100,000 notes without warm-up, 7.47 → 6.80 µs of CPU per
// note (docs/benchmarks.md, "(h) Our client against node:http2's own ceiling").

/** The lines that measure and write the fields of `type` held in `m<level>`. */
function generateFields(
  type: protobuf.Type,
  types: protobuf.Type[],
  code: { measure: string[]; write: string[] },
  level: number,
  path: protobuf.Type[],
): void {
  const { measure, write } = code;
  // Level 0 is the function's own message; nested levels get their own names.
  const m = level === 0 ? 'm' : `m${level}`;
  const v = level === 0 ? 'v' : `v${level}`;
  const size = level === 0 ? 'size' : `size${level}`;
  const depth = level === 0 ? 'depth' : `depth + ${level}`;
  for (const field of fieldsInWireOrder(type)) {
    const name = JSON.stringify(field.name);
    const resolved = field.resolvedType;
    const nested = resolved instanceof protobuf.Type ? types.indexOf(resolved) : -1;
    const scalarType = resolved instanceof protobuf.Enum ? 'int32' : field.type;
    const scalar = SCALARS[scalarType];
    // proto3 packs repeated numbers (not strings, bytes or messages) unless told otherwise.
    const packed = field.repeated && field.packed && nested < 0 && scalar.wireType !== LEN;
    const key = field.id * 8 + (packed || nested >= 0 ? LEN : scalar.wireType);
    const keyBytes = varintBytes(key);
    const writeKey = keyBytes.map((byte) => `out[pos++] = ${byte};`).join(' ');
    measure.push(`${v} = ${m}[${name}];`);
    write.push(`${v} = ${m}[${name}];`);
    if (!field.repeated) {
      const present = hasExplicitPresence(field)
        ? `${v} != null && hasOwn.call(${m}, ${name})`
        : `${v} != null && ${scalar.notDefault(v)} && hasOwn.call(${m}, ${name})`;
      measure.push(`if (${present}) {`);
      write.push(`if (${present}) {`, `  ${writeKey}`);
      if (nested >= 0 && !path.includes(resolved as protobuf.Type)) {
        // The nested message's fields, here (measureMessage and writeMessage, written out).
        const inner = level + 1;
        measure.push(
          `  if (typeof ${v} !== 'object' || ${v} === null || Array.isArray(${v})) return -1;`,
          `  if (depth > ${MAX_DEPTH - inner}) return -1;`,
          `  const slot${inner} = state.top++, m${inner} = ${v};`,
          `  let size${inner} = 0, v${inner};`,
        );
        write.push(
          `  n = sizes[state.next++];`,
          `  ${writeVarintOf('n')}`,
          `  const m${inner} = ${v};`,
          `  let v${inner};`,
        );
        const from = [measure.length, write.length];
        generateFields(resolved as protobuf.Type, types, code, inner, [...path, resolved as protobuf.Type]);
        indent(measure, from[0]);
        indent(write, from[1]);
        measure.push(
          `  sizes[slot${inner}] = size${inner};`,
          `  ${size} += ${keyBytes.length} + ${varintSizeOf(`size${inner}`)} + size${inner};`,
        );
      } else if (nested >= 0) {
        measure.push(
          `  n = measureMessage(${v}, ${depth}, measures[${nested}]);`,
          '  if (n < 0) return -1;',
          `  ${size} += ${keyBytes.length} + n;`,
        );
        write.push(`  pos = writeMessage(out, pos, ${v}, writes[${nested}]);`);
      } else if (Object.hasOwn(FLAT_SCALARS, scalarType)) {
        const flat = FLAT_SCALARS[scalarType];
        measure.push(`  ${flat.measure(v, `${size} += ${keyBytes.length} + `)}`);
        write.push(`  ${flat.write(v)}`);
      } else {
        measure.push(
          `  n = ${scalar.measure}(${v});`,
          '  if (n < 0) return -1;',
          `  ${size} += ${keyBytes.length} + n;`,
        );
        write.push(`  pos = ${scalar.write}(out, pos, ${v});`);
      }
      measure.push('}');
      write.push('}');
      continue;
    }
    measure.push(
      `if (${v} != null && hasOwn.call(${m}, ${name})) {`,
      nested >= 0
        ? `  n = measureRepeatedMessages(${v}, ${keyBytes.length}, ${depth}, measures[${nested}]);`
        : `  n = ${packed ? 'measurePacked' : 'measureRepeated'}(${v}, ${keyBytes.length}, ${scalar.measure});`,
      '  if (n < 0) return -1;',
      `  ${size} += n;`,
      '}',
    );
    write.push(`if (${v} != null && hasOwn.call(${m}, ${name})) {`);
    if (packed) {
      write.push(
        `  if (${v}.length > 0) { ${writeKey} pos = writeVarint(out, pos, sizes[state.next++]); }`,
        `  for (let i = 0; i < ${v}.length; i++) pos = ${scalar.write}(out, pos, ${v}[i]);`,
      );
    } else {
      write.push(
        `  for (let i = 0; i < ${v}.length; i++) {`,
        `    ${writeKey}`,
        nested >= 0
          ? `    pos = writeMessage(out, pos, ${v}[i], writes[${nested}]);`
          : `    pos = ${scalar.write}(out, pos, ${v}[i]);`,
        '  }',
      );
    }
    write.push('}');
  }
}

/** Indents the generated lines from `from` on, one level. */
function indent(lines: string[], from: number): void {
  for (let i = from; i < lines.length; i++) lines[i] = `  ${lines[i]}`;
}

/** writeVarint(out, pos, x), written out: the variable `x` ends up overwritten. */
const writeVarintOf = (x: string): string =>
  `while (${x} > 0x7f) { out[pos++] = (${x} & 0x7f) | 0x80; ${x} >>>= 7; } out[pos++] = ${x};`;

/** varintSize(x), written out. */
const varintSizeOf = (x: string): string =>
  `(${x} < 0x80 ? 1 : ${x} < 0x4000 ? 2 : ${x} < 0x200000 ? 3 : ${x} < 0x10000000 ? 4 : 5)`;

/**
 * The common scalars written out: `measure(v, add)` refuses what the helper of SCALARS refuses
 * (return -1) and adds the value's size with `add`; `write(v)` writes the value at pos.
 */
const FLAT_SCALARS: Record<string, { measure: (v: string, add: string) => string; write: (v: string) => string }> = {
  int32: {
    measure: (v, add) =>
      `if (typeof ${v} !== 'number' || (${v} | 0) !== ${v}) return -1; ${add}(${v} < 0 ? 10 : ${varintSizeOf(v)});`,
    // writeNegativeVarint, written out: bits 0..27 in four bytes, bits 28..31 then ones, nine ones, 1.
    write: (v) =>
      `if (${v} < 0) { n = ${v} >>> 0; ${'out[pos++] = (n & 0x7f) | 0x80; n >>>= 7; '.repeat(4)}` +
      `out[pos++] = n | 0xf0; ${'out[pos++] = 0xff; '.repeat(4)}out[pos++] = 1; } else { n = ${v}; ${writeVarintOf('n')} }`,
  },
  uint32: {
    measure: (v, add) => `if (typeof ${v} !== 'number' || ${v} >>> 0 !== ${v}) return -1; ${add}${varintSizeOf(v)};`,
    write: (v) => `n = ${v}; ${writeVarintOf('n')}`,
  },
  bool: {
    measure: (v, add) => `if (typeof ${v} !== 'boolean') return -1; ${add}1;`,
    write: (v) => `out[pos++] = ${v} ? 1 : 0;`,
  },
  string: {
    measure: (v, add) =>
      `if (typeof ${v} !== 'string') return -1; n = Buffer.byteLength(${v}, 'utf8'); sizes[state.top++] = n; ${add}${varintSizeOf('n')} + n;`,
    // writeString, written out.
    write: (v) =>
      `n = sizes[state.next++]; t = n; ${writeVarintOf('t')} ` +
      `if (n !== ${v}.length) pos += out.write(${v}, pos, n, 'utf8'); ` +
      `else if (n > ${SHORT_STRING}) pos += out.write(${v}, pos, n, 'latin1'); ` +
      `else for (let i = 0; i < n; i++) out[pos++] = ${v}.charCodeAt(i);`,
  },
};

function varintBytes(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}

// ---- first pass: a value's size without its key (-1: not handled) ----

function measureMessage(value: unknown, depth: number, measure: Measure): number {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NOT_HANDLED;
  const slot = state.top++;
  const size = measure(value, depth + 1);
  if (size === NOT_HANDLED) return NOT_HANDLED;
  sizes[slot] = size;
  return varintSize(size) + size;
}

/** Repeated messages: every element with its key; 0 for none. */
function measureRepeatedMessages(values: unknown, keySize: number, depth: number, measure: Measure): number {
  if (!Array.isArray(values)) return NOT_HANDLED;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const size = measureMessage(values[i], depth, measure);
    if (size === NOT_HANDLED) return NOT_HANDLED;
    total += keySize + size;
  }
  return total;
}

/** Repeated scalars, unpacked: every element with its key; 0 for none. */
function measureRepeated(values: unknown, keySize: number, measureOne: (value: unknown) => number): number {
  if (!Array.isArray(values)) return NOT_HANDLED;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const size = measureOne(values[i]);
    if (size === NOT_HANDLED) return NOT_HANDLED;
    total += keySize + size;
  }
  return total;
}

/** Repeated numbers, packed: one key and length, then the values; 0 for none. */
function measurePacked(values: unknown, keySize: number, measureOne: (value: unknown) => number): number {
  if (!Array.isArray(values)) return NOT_HANDLED;
  if (values.length === 0) return 0;
  const slot = state.top++;
  let run = 0;
  for (let i = 0; i < values.length; i++) {
    const size = measureOne(values[i]);
    if (size === NOT_HANDLED) return NOT_HANDLED;
    run += size;
  }
  sizes[slot] = run;
  return keySize + varintSize(run) + run;
}

const isInt32 = (value: unknown): value is number => typeof value === 'number' && (value | 0) === value;
const isUint32 = (value: unknown): value is number => typeof value === 'number' && value >>> 0 === value;

// A negative int32 is written as the 64-bit two's complement: ten bytes.
const measureInt32 = (value: unknown): number => (!isInt32(value) ? NOT_HANDLED : value < 0 ? 10 : varintSize(value));
const measureUint32 = (value: unknown): number => (isUint32(value) ? varintSize(value) : NOT_HANDLED);
const measureSint32 = (value: unknown): number => (isInt32(value) ? varintSize(zigzag(value)) : NOT_HANDLED);
const measureFixed32 = (value: unknown): number => (isUint32(value) ? 4 : NOT_HANDLED);
const measureSfixed32 = (value: unknown): number => (isInt32(value) ? 4 : NOT_HANDLED);
const measureFloat = (value: unknown): number => (typeof value === 'number' ? 4 : NOT_HANDLED);
const measureDouble = (value: unknown): number => (typeof value === 'number' ? 8 : NOT_HANDLED);
const measureBool = (value: unknown): number => (typeof value === 'boolean' ? 1 : NOT_HANDLED);
const measureBytes = (value: unknown): number =>
  value instanceof Uint8Array ? varintSize(value.length) + value.length : NOT_HANDLED;

function measureString(value: unknown): number {
  if (typeof value !== 'string') return NOT_HANDLED;
  const length = Buffer.byteLength(value, 'utf8');
  sizes[state.top++] = length;
  return varintSize(length) + length;
}

// ---- second pass: one value, after its key ----

function writeMessage(out: Buffer, pos: number, value: object, write: Write): number {
  pos = writeVarint(out, pos, sizes[state.next++]);
  return write(value, out, pos);
}

const writeInt32 = (out: Buffer, pos: number, value: number): number =>
  value < 0 ? writeNegativeVarint(out, pos, value) : writeVarint(out, pos, value);
const writeUint32 = writeVarint;
const writeSint32 = (out: Buffer, pos: number, value: number): number => writeVarint(out, pos, zigzag(value));
const writeFixed32 = (out: Buffer, pos: number, value: number): number => out.writeUInt32LE(value, pos);
const writeSfixed32 = (out: Buffer, pos: number, value: number): number => out.writeInt32LE(value, pos);
const writeFloat = (out: Buffer, pos: number, value: number): number => out.writeFloatLE(value, pos);
const writeDouble = (out: Buffer, pos: number, value: number): number => out.writeDoubleLE(value, pos);

function writeBool(out: Buffer, pos: number, value: boolean): number {
  out[pos] = value ? 1 : 0;
  return pos + 1;
}

function writeBytes(out: Buffer, pos: number, value: Uint8Array): number {
  pos = writeVarint(out, pos, value.length);
  out.set(value, pos);
  return pos + value.length;
}

// Strings: Buffer.byteLength measures them (a fast native call). A string is ASCII exactly when
// its UTF-8 length equals its length: short ASCII strings are copied in JavaScript, longer ones by
// Buffer as latin1 (the same bytes for ASCII, and the cheapest native copy); any other string by
// Buffer's UTF-8 writer, which agrees with Buffer.byteLength on every string (a lone surrogate
// becomes U+FFFD, three bytes).
const SHORT_STRING = 24;

function writeString(out: Buffer, pos: number, value: string): number {
  const length = sizes[state.next++];
  pos = writeVarint(out, pos, length);
  if (length !== value.length) return pos + out.write(value, pos, length, 'utf8');
  if (length > SHORT_STRING) return pos + out.write(value, pos, length, 'latin1');
  for (let i = 0; i < length; i++) out[pos++] = value.charCodeAt(i);
  return pos;
}

// ---- varints ----

/** Bytes of an unsigned 32-bit integer as a varint. */
function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  while (value > 0x7f) {
    out[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[pos++] = value;
  return pos;
}

/** A negative int32 as protobuf writes it: the 64-bit two's complement, ten bytes. */
function writeNegativeVarint(out: Buffer, pos: number, value: number): number {
  let low = value >>> 0;
  for (let i = 0; i < 4; i++) {
    out[pos++] = (low & 0x7f) | 0x80;
    low >>>= 7;
  }
  // Bits 28..31 of the value, then bits 32..63, all ones.
  out[pos++] = (low & 0x0f) | 0x70 | 0x80;
  for (let i = 0; i < 4; i++) out[pos++] = 0xff;
  out[pos++] = 0x01;
  return pos;
}

/** Everything generated code may call, by name. */
const HELPERS: Record<string, unknown> = {
  hasOwn,
  sizes,
  state,
  writeVarint,
  writeNegativeVarint,
  measureMessage,
  measureRepeatedMessages,
  measureRepeated,
  measurePacked,
  writeMessage,
  measureInt32,
  measureUint32,
  measureSint32,
  measureFixed32,
  measureSfixed32,
  measureFloat,
  measureDouble,
  measureBool,
  measureBytes,
  measureString,
  writeInt32,
  writeUint32,
  writeSint32,
  writeFixed32,
  writeSfixed32,
  writeFloat,
  writeDouble,
  writeBool,
  writeBytes,
  writeString,
};
