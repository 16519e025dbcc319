// SPEED ONLY — not on the reading path: protobufjs decodes every message, to the same objects,
// without this file (schema.ts's `deserialize`; `deserializeIn` tries this decoder first).
//
// Protobuf decoding of a message that lies in a Buffer, straight from the bytes: no reader object,
// no view of the message. It builds what protobufjs's generated decoder builds — an instance of the
// type's constructor (`type.ctor`), with the fields found on the wire set on it in wire order, the
// last one winning — and reads every value as protobufjs's Reader does (protobuf-reader.ts), varints
// included: a ten-byte negative int32 is its first five bytes, the rest skipped unread.
//
// It takes only the canonical case and gives up on anything else, returning undefined: a key it
// does not expect (an unknown field, a known one with another wire type), a value that runs past
// the end of its message, nesting deeper than protobufjs allows. The caller then decodes the bytes
// with protobufjs, which accepts or refuses them as it always does; what this decoder refuses is
// therefore exactly what protobuf-reader.ts refuses, with the same error.
// test/protocol/direct-decoder.test.ts holds both to the same objects on valid and mangled bytes.
//
// The messages src/call/reader.ts decodes in place (client and server) go through it. Measured in
// alternating rounds of 200,000 RouteChat notes on a loaded 2-core machine (docs/benchmarks.md,
// "(h) Our client against node:http2's own ceiling"): our client (bench row (h)) used 3.56 → 3.36
// µs of CPU per note with it (medians of 8 rounds, 7 lower with it); our server, driven by the Go
// load generator as in row (c), 4.05 → 3.95 µs (medians of 5 rounds, all lower with it).
//
// It covers proto3 message types whose fields are single (not repeated, not maps, not in a oneof)
// int32, uint32, sint32, bool, enums (as numbers), strings and messages of such types. A type with
// another field has no direct decoder. For routeguide.RouteNote { Point location = 1; string
// message = 2; } the generated code is (VARINT(x, end) standing for `readVarint` below: a one-byte
// varint read in place, a longer one by readUint32, and `return undefined` where that gives up):
//
//   function decode(b, end, depth) {
//     if (depth > 100) return undefined;
//     let p = cursor.pos, t, v, n;
//     const m = new Ctor0();
//     while (p < end) {
//       VARINT(t, end)
//       switch (t) {
//         case 10: {
//           VARINT(n, end)
//           const end1 = p + n;
//           if (end1 > end || depth > 99) return undefined;
//           const m1 = new Ctor1();
//           while (p < end1) {
//             VARINT(t, end1)
//             switch (t) {
//               case 8:
//                 VARINT(v, end1)
//                 m1["latitude"] = v | 0;
//                 break;
//               case 16: … "longitude" as "latitude" …
//               default:
//                 return undefined;
//             }
//           }
//           m["location"] = m1;
//           break;
//         }
//         case 18:
//           VARINT(n, end)
//           if (p + n > end) return undefined;
//           m["message"] = b.toString(undefined, p, p + n);
//           p += n;
//           break;
//         default:
//           return undefined;
//       }
//     }
//     cursor.pos = p;
//     return m;
//   }

import protobuf from 'protobufjs';
import { reachableTypes } from './reachable-types.js';

/** Decodes the message in bytes[start, end), or returns undefined when protobufjs must. */
export type DirectDecoder = (bytes: Uint8Array, start: number, end: number) => unknown;

// protobufjs's limit (Reader.recursionLimit); deeper messages go to protobufjs, which throws.
const MAX_DEPTH = 100;

// Wire types (protobuf's encoding spec).
const VARINT = 0;
const LEN = 2;

/** The varint types covered, and the conversion protobufjs's Reader applies to the uint32 read. */
const VARINTS: Record<string, string> = {
  int32: 'v | 0',
  uint32: 'v',
  sint32: '((v >>> 1) ^ -(v & 1)) | 0',
  bool: 'v !== 0',
};

// Where the decoding stands in the buffer. Decoding is synchronous, so one cursor serves every decoder.
const cursor = { pos: 0 };

type Decode = (b: Buffer, end: number, depth: number) => unknown;

// One decoder per type, however many methods use it.
const decoders = new WeakMap<protobuf.Type, DirectDecoder | null>();

/** A direct decoder for `type`, or undefined when one of the types it reaches has a field it does not cover. */
export function directDecoder(type: protobuf.Type): DirectDecoder | undefined {
  let decoder = decoders.get(type);
  if (decoder === undefined) decoders.set(type, (decoder = compile(type) ?? null));
  return decoder ?? undefined;
}

function compile(type: protobuf.Type): DirectDecoder | undefined {
  const types = reachableTypes(type, covered);
  if (!types) return undefined;
  // Generated functions call each other through this list, by the index of their type.
  const decodes: Decode[] = [];
  for (const t of types) decodes.push(generate(t, types, decodes));
  const decode = decodes[0];
  return (bytes, start, end) => {
    // protobuf-reader.ts reads a Buffer's strings with Buffer's UTF-8 decoder, and any other
    // Uint8Array with protobufjs's own: only the first is what this decoder matches.
    if (!Buffer.isBuffer(bytes)) return undefined;
    cursor.pos = start;
    return decode(bytes, end, 0);
  };
}

/** Whether a field is one this decoder reads (see the top of the file). */
function covered(field: protobuf.Field): boolean {
  if (field.repeated || field.map || field.partOf || field.required || field.delimited) return false;
  if (field.name === '__proto__') return false;
  const resolved = field.resolvedType;
  return (
    resolved instanceof protobuf.Type ||
    resolved instanceof protobuf.Enum ||
    field.type === 'string' ||
    Object.hasOwn(VARINTS, field.type)
  );
}

/**
 * Generates the decode function of one message type (see the example at the top). A nested message
 * type is decoded in its parent's function (see "flat code" below) unless it contains itself; then
 * it is called through `decodes`, by its index in `types`.
 */
function generate(type: protobuf.Type, types: protobuf.Type[], decodes: Decode[]): Decode {
  const lines = [
    `if (depth > ${MAX_DEPTH}) return undefined;`,
    'let p = cursor.pos, t, v, n;',
    `const m = new Ctor${types.indexOf(type)}();`,
    'while (p < end) {',
    `  ${readVarint('t', 'end')}`,
    '  switch (t) {',
  ];
  generateCases(type, types, lines, 0, [type]);
  lines.push('    default:', '      return undefined;', '  }', '}', 'cursor.pos = p;', 'return m;');
  const scope: Record<string, unknown> = { ...HELPERS, decodes };
  types.forEach((t, i) => (scope[`Ctor${i}`] = t.ctor));
  const source = `return function decode(b, end, depth) {\n${lines.join('\n')}\n};`;
  // Generating code is what makes this decoder fast (each field stored by a name written in the
  // code); the source is built from field numbers and JSON-quoted field names only.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function(...Object.keys(scope), source) as (...helpers: unknown[]) => Decode;
  return factory(...Object.values(scope));
}

// ---- flat code ----
// A RouteNote is decoded by one generated function instead of one per type and a helper call per
// value: the fields of a nested message are read in its parent's function (unless its type contains
// itself), with the position in a local variable, and a one-byte varint — most keys and lengths — is
// read in place. What this buys is warm-up, as for the direct encoder (direct-encoder.ts, "flat
// code"): each small function that gets hot is compiled on its own before its callers are. Measured
// in a fresh process decoding RouteNotes in place from one buffer (CPU time, 3 rounds each, on a
// loaded 2-core machine): 4.0 to 4.5 → 2.2 to 3.0 µs per note for 20,000 notes, 1.28 to 1.45 →
// 1.04 to 1.08 µs for 100,000; with the encoder's flat code, our client's RouteChat (bench row (h)),
// 100,000 notes without warm-up, 4.70 → 4.07 µs of CPU per note (docs/benchmarks.md, "(h) Our
// client against node:http2's own ceiling").

/** The switch cases of the fields of `type`, decoded into `m<level>` up to `end<level>`. */
function generateCases(
  type: protobuf.Type,
  types: protobuf.Type[],
  lines: string[],
  level: number,
  path: protobuf.Type[],
): void {
  const m = level === 0 ? 'm' : `m${level}`;
  const end = level === 0 ? 'end' : `end${level}`;
  const depth = level === 0 ? 'depth' : `depth + ${level}`;
  for (const field of type.fieldsArray) {
    const name = JSON.stringify(field.name);
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type && !path.includes(resolved)) {
      // readMessage, written out: the nested message's own loop, within its length.
      const inner = level + 1;
      lines.push(
        `    case ${field.id * 8 + LEN}: {`,
        `      ${readVarint('n', end)}`,
        `      const end${inner} = p + n;`,
        `      if (end${inner} > ${end} || depth > ${MAX_DEPTH - inner}) return undefined;`,
        `      const m${inner} = new Ctor${types.indexOf(resolved)}();`,
        `      while (p < end${inner}) {`,
        `        ${readVarint('t', `end${inner}`)}`,
        '        switch (t) {',
      );
      const from = lines.length;
      generateCases(resolved, types, lines, inner, [...path, resolved]);
      for (let i = from; i < lines.length; i++) lines[i] = `      ${lines[i]}`;
      lines.push(
        '          default:',
        '            return undefined;',
        '        }',
        '      }',
        `      ${m}[${name}] = m${inner};`,
        '      break;',
        '    }',
      );
    } else if (resolved instanceof protobuf.Type) {
      lines.push(
        `    case ${field.id * 8 + LEN}:`,
        '      cursor.pos = p;',
        `      v = readMessage(b, ${end}, ${depth}, decodes[${types.indexOf(resolved)}]);`,
        '      if (v === undefined) return undefined;',
        '      p = cursor.pos;',
        `      ${m}[${name}] = v;`,
        '      break;',
      );
    } else if (field.type === 'string') {
      // readString, written out (toString's default encoding is UTF-8).
      lines.push(
        `    case ${field.id * 8 + LEN}:`,
        `      ${readVarint('n', end)}`,
        `      if (p + n > ${end}) return undefined;`,
        `      ${m}[${name}] = b.toString(undefined, p, p + n);`,
        '      p += n;',
        '      break;',
      );
    } else {
      const convert = VARINTS[resolved instanceof protobuf.Enum ? 'int32' : field.type];
      lines.push(
        `    case ${field.id * 8 + VARINT}:`,
        `      ${readVarint('v', end)}`,
        `      ${m}[${name}] = ${convert};`,
        '      break;',
      );
    }
  }
}

/**
 * Reads a varint into `x` as readUint32 does, giving up (return undefined) where it returns -1: a
 * byte below 0x80 in place, anything longer through readUint32.
 */
function readVarint(x: string, end: string): string {
  return (
    `if (p < ${end} && (${x} = b[p]) < 0x80) p++; ` +
    `else { cursor.pos = p; ${x} = readUint32(b, ${end}); if (${x} < 0) return undefined; p = cursor.pos; }`
  );
}

// ---- the values, read at cursor.pos as protobufjs's Reader reads them ----

/**
 * A varint as protobufjs's Reader#uint32 reads it, or -1 where it would throw: at most five bytes
 * within `end`, the fifth contributing its low four bits; when the fifth has its high bit set, the
 * five bytes after it are skipped unread (a negative int32 is ten bytes long).
 */
function readUint32(b: Buffer, end: number): number {
  let pos = cursor.pos;
  let value = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) return -1;
    const byte = b[pos++];
    value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      cursor.pos = pos;
      return value >>> 0;
    }
  }
  if (pos >= end) return -1;
  const byte = b[pos++];
  value = (value | ((byte & 0x0f) << 28)) >>> 0;
  if (byte >= 0x80 && (pos += 5) > end) return -1;
  cursor.pos = pos;
  return value;
}

/** A nested message: its length, then its fields within it. */
function readMessage(b: Buffer, end: number, depth: number, decode: Decode): unknown {
  const length = readUint32(b, end);
  if (length < 0) return undefined;
  const stop = cursor.pos + length;
  if (stop > end) return undefined;
  const value = decode(b, stop, depth + 1);
  return cursor.pos === stop ? value : undefined;
}

/** Everything generated code may call, by name. */
const HELPERS: Record<string, unknown> = { cursor, readUint32, readMessage };
