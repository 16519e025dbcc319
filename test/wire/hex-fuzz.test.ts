// The hex view on hostile bytes (seeded, repeatable): random HTTP/2 conversations — frames of every
// type with random flags, streams and padding, header blocks from RFC 7541's examples and our own
// encoding with bytes flipped, gRPC messages whose prefix lies or whose body is random or
// compressed, protobuf bodies mutated under a schema of every field kind — then the same bytes
// with bytes flipped, cut out or repeated, fed in random chunks. With the hex view on, the decoder
// never throws and never reports a failure of its own (rule "tap"), every frame's and message's
// ranges still cover its bytes exactly once, and the terminal, NDJSON and hexRows (the web view's
// lines) render every event.

import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import t from 'tap';
import { routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { testServiceDefinition } from '../../src/services/testing/definition.js';
import { ConnectionDecoder } from '../../src/wire/connection.js';
import type { ByteRange, Direction, TapEvent } from '../../src/wire/events.js';
import { encodeHuffman } from '../../src/wire/hpack/index.js';
import type { SchemaLookup, SchemaSource } from '../../src/wire/protobuf/schemas.js';
import { hexRows } from '../../src/wire/render/describe.js';
import { ndjsonLine } from '../../src/wire/render/ndjson.js';
import { renderTerminal } from '../../src/wire/render/terminal.js';
import { h2frame, PREFACE, settingsPayload, u32 } from '../helpers/h2-frames.js';
import { grpcMessage, hpackBlock, hpackInteger, REQUEST, RESPONSE } from '../helpers/h2-conversation.js';
import { C2, C3, C4, C5, C6 } from '../helpers/rfc7541-examples.js';
import { prng } from '../helpers/rng.js';

const SEED = 21;
const RUNS = 400;

const routeGuide = routeGuideDefinition().service.root;
const RouteNote = routeGuide.lookupType('routeguide.RouteNote');
const Feature = routeGuide.lookupType('routeguide.Feature');
const testing = testServiceDefinition().service.root;
const SimpleRequest = testing.lookupType('grpc.testing.SimpleRequest');
const SimpleResponse = testing.lookupType('grpc.testing.SimpleResponse');
/** A message with a field of every kind the schema can name (scalars, enum, nested, repeated, map, oneof). */
const Every = protobuf
  .parse(
    `syntax = "proto3";
    package fuzz;
    enum Kind { ZERO = 0; ONE = 1; }
    message Every {
      int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; sint64 s64 = 6;
      fixed32 f32 = 7; fixed64 f64 = 8; sfixed32 sf32 = 9; sfixed64 sf64 = 10; float fl = 11;
      double db = 12; bool b = 13; string s = 14; bytes by = 15; Kind k = 16; Every nested = 17;
      repeated int32 packed = 18; repeated string names = 19; map<string, Every> children = 20;
      oneof choice { string text = 21; Every other = 22; }
    }`,
  )
  .root.lookupType('fuzz.Every');

const TYPES = [RouteNote, Feature, SimpleRequest, SimpleResponse, Every];
const RFC_BLOCKS = [C2, C3, C4, C5, C6].flat().map((step) => Buffer.from(step.block.replace(/\s+/g, ''), 'hex'));

type Random = () => number;

function fuzzer(random: Random) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  /** `b` with a few of its bytes replaced (or as it is). */
  const flipped = (b: Buffer, chance = 0.5): Buffer => {
    const out = Buffer.from(b);
    if (out.length === 0 || random() > chance) return out;
    for (let n = 1 + int(3); n > 0; n--) out[int(out.length)] = int(256);
    return out;
  };
  const stream = () => pick([0, 1, 1, 1, 3, 3, 5, 2, 0x7fffffff]);

  /**
   * `fields` as literals with incremental indexing (RFC 7541 §6.2.1), Huffman-coded; `again`: each
   * then sent again as an index into the dynamic table (§6.1).
   */
  const huffmanBlock = (fields: [string, string][], again = false): Buffer => {
    const literal = (text: string) => {
      const coded = encodeHuffman(Buffer.from(text, 'latin1'));
      return [...hpackInteger(coded.length, 7, 0x80), ...coded];
    };
    const out = fields.flatMap(([name, value]) => [0x40, ...literal(name), ...literal(value)]);
    const indexed = again ? fields.flatMap((_, i) => hpackInteger(62 + i, 7, 0x80)) : [];
    return Buffer.from([...out, ...indexed]);
  };

  const block = (): Buffer => {
    const path = pick(['/routeguide.RouteGuide/RouteChat', '/grpc.testing.TestService/UnaryCall', '/fuzz.F/Every']);
    const request: [string, string][] = REQUEST.map(([n, v]) => [n, n === ':path' ? path : v]);
    const extra: [string, string][] = random() < 0.3 ? [['grpc-encoding', pick(['gzip', 'identity', 'x'])]] : [];
    return flipped(
      pick([
        () => hpackBlock([...request, ...extra]),
        () => hpackBlock([...RESPONSE, ...extra]),
        () => huffmanBlock([...request.slice(2), ['x-padding', 'p'.repeat(int(300))], ...extra], true),
        () => hpackBlock([['grpc-status', String(int(17))]], random() < 0.3 ? [int(5000)] : []),
        () => pick(RFC_BLOCKS),
        () => bytes(int(40)),
      ])(),
      0.3,
    );
  };

  const message = (): Buffer => {
    const type = pick(TYPES);
    const body = pick([
      () => flipped(Buffer.from(type.encode(type.fromObject(sample(type))).finish()), 0.4),
      () => bytes(int(60)),
      () => gzipSync(Buffer.from(RouteNote.encode({ message: 'compressed' }).finish())),
      () => Buffer.alloc(0),
    ])();
    const out = grpcMessage(body, pick([0, 0, 0, 1, 2, 255]));
    if (random() < 0.15) out.writeUInt32BE(pick([0, 1, int(100), 0xffffffff]), 1); // the prefix lies
    return out;
  };

  /** Values for `type`'s fields, some of them set: a random nesting depth, ends at depth 3. */
  const sample = (type: protobuf.Type, depth = 0): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const field of type.fieldsArray) {
      if (random() < 0.5) continue;
      field.resolve();
      if (field.resolvedType instanceof protobuf.Type) {
        if (depth < 3 && !field.map && !field.repeated) out[field.name] = sample(field.resolvedType, depth + 1);
        continue;
      }
      const value = scalar(field.type);
      if (value === undefined) continue;
      if (field.map) out[field.name] = { k: value };
      else out[field.name] = field.repeated ? [value, value] : value;
    }
    return out;
  };
  const scalar = (kind: string): unknown => {
    if (kind === 'string') return pick(['', 'First message', 'é\u0000\u001b[2J']);
    if (kind === 'bytes') return bytes(int(10));
    if (kind === 'bool') return random() < 0.5;
    if (kind === 'float' || kind === 'double') return pick([0, -1.5, 1e300, NaN]);
    if (kind === 'Kind') return pick([0, 1, 7]);
    if (/int|fixed/.test(kind)) return pick([0, 1, -1, 2147483647, -2147483648, 300]);
    return undefined;
  };

  const payload = (type: number): Buffer => {
    const pad = (body: Buffer) => {
      const n = int(6);
      return Buffer.concat([Buffer.from([random() < 0.1 ? int(256) : n]), body, Buffer.alloc(n)]);
    };
    switch (type) {
      case 0x0: {
        const data = Buffer.concat(Array.from({ length: int(3) }, message));
        const cut = random() < 0.3 ? data.subarray(int(data.length + 1)) : data; // a message's middle or end
        return random() < 0.2 ? pad(cut) : cut;
      }
      case 0x1:
        return pick([
          () => block(),
          () => pad(block()),
          () => Buffer.concat([u32(int(8)), Buffer.from([int(256)]), block()]),
        ])();
      case 0x9:
        return block();
      case 0x5:
        return Buffer.concat([u32(stream()), block()]);
      case 0x4:
        return flipped(
          settingsPayload([[pick([1, 2, 3, 4, 5, 6, 8, 0x99]), pick([0, 1, 100, 2 ** 31, 2 ** 32 - 1])]]),
          0.2,
        );
      case 0x3:
      case 0x8:
        return u32(pick([0, 1, 8, 2 ** 31 - 1, 2 ** 32 - 1]));
      case 0x7:
        return Buffer.concat([u32(stream()), u32(int(16)), bytes(int(8))]);
      case 0x6:
        return bytes(8);
      case 0x2:
        return bytes(5);
      default:
        return bytes(int(20));
    }
  };

  const frame = (): Buffer => {
    const type = pick([0x0, 0x0, 0x0, 0x1, 0x1, 0x9, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, int(256)]);
    const flags = random() < 0.6 ? pick([0, 0x1, 0x4, 0x5, 0x8, 0x20, 0x2d]) : int(256);
    let body = payload(type);
    if (random() < 0.05) body = body.subarray(0, int(body.length + 1)); // shorter than its fields
    return h2frame(type, flags, stream(), body);
  };

  /** A frame a peer may send on an open call: mostly DATA of stream 1 (its messages), now and then a PING or a WINDOW_UPDATE. */
  const fairFrame = (): Buffer =>
    pick([
      () => h2frame(0x0, 0, 1, Buffer.concat(Array.from({ length: 1 + int(3) }, message))),
      () => h2frame(0x0, 0, 1, message()),
      () => h2frame(0x6, 0, 0, bytes(8)),
      () => h2frame(0x8, 0, pick([0, 1]), u32(1 + int(100_000))),
    ])();

  /**
   * One direction's bytes: its opening (the call's headers on stream 1), then frames — in a hostile
   * run any frame and maybe cuts, repeats and flips across frames, else frames a peer may send, the
   * messages' bodies still random or mutated.
   */
  const side = (dir: Direction, hostile: boolean): Buffer => {
    const opening = dir === 'c2s' ? [PREFACE] : [];
    const fields = dir === 'c2s' ? REQUEST : RESPONSE;
    // Huffman-coded, a long value's length past its 7-bit prefix (RFC 7541 §5.1)
    const open = pick([hpackBlock(fields), huffmanBlock([...fields, ['x-padding', 'p'.repeat(int(300))]])]);
    let out: Buffer = Buffer.concat([
      ...opening,
      h2frame(0x4, 0, 0, settingsPayload([[4, 1 << 20]])),
      h2frame(0x1, 0x4, 1, open),
      ...Array.from({ length: 1 + int(12) }, hostile ? frame : fairFrame),
    ]);
    if (!hostile) return out;
    if (random() < 0.3) {
      const at = int(out.length);
      const n = int(30);
      out = pick([
        () => Buffer.concat([out.subarray(0, at), out.subarray(at + n)]),
        () => Buffer.concat([out.subarray(0, at + n), out.subarray(at)]),
        () => flipped(out, 1),
      ])();
    }
    return out;
  };

  const schemas = (): SchemaSource | undefined => {
    const lookup = (): SchemaLookup => ({ requestType: pick(TYPES), responseType: pick(TYPES), source: 'proto' });
    return pick<SchemaSource | undefined>([
      undefined,
      { lookup },
      { lookup: () => Promise.resolve(lookup()) },
      { lookup: () => new Promise((resolve) => setImmediate(() => resolve(lookup()))) },
      { lookup: () => Promise.reject(new Error('no reflection')) },
      {
        lookup: () => {
          throw new Error('lookup failed');
        },
      },
    ]);
  };

  return { int, pick, side, schemas };
}

/** Problems with how `ranges` cover [from, to): each byte once, each range's parts covering it exactly. */
function coverage(ranges: readonly ByteRange[], from: number, to: number): string[] {
  const problems: string[] = [];
  let at = from;
  for (const r of ranges) {
    if (r.at !== at) problems.push(`${r.what}: starts at ${r.at}, expected ${at}`);
    if (!(r.bytes > 0)) problems.push(`${r.what}: ${r.bytes} bytes`);
    if (r.parts) problems.push(...coverage(r.parts, r.at, r.at + r.bytes).map((p) => `${r.what} › ${p}`));
    at = r.at + r.bytes;
  }
  if (at !== to) problems.push(`ends at ${at}, expected ${to}`);
  return problems;
}

/** What is wrong with one event of the hex view, rendered every way the tap renders it. */
function problemsOf(e: TapEvent): string[] {
  renderTerminal(e, { color: false, hex: true });
  JSON.parse(ndjsonLine(e));
  if (e.kind === 'error' && e.rule === 'tap') return [`a failure of the tap's own: ${e.note}`];
  if ((e.kind !== 'frame' && e.kind !== 'message') || !e.raw) return [];
  hexRows(e.raw);
  const size = e.kind === 'frame' ? 9 + e.length : 5 + e.wireBytes;
  const problems = coverage(e.raw.ranges, 0, size);
  if (e.raw.hex.length % 2 !== 0 || e.raw.hex.length > 2 * size) problems.push(`${e.raw.hex.length} hex digits`);
  return problems.map((p) => `${e.kind} ${e.dir}${e.kind === 'frame' ? ` ${e.type}` : ''}: ${p}`);
}

t.test(
  `hostile bytes in the hex view: ${RUNS} seeded conversations, never a throw, every byte covered once`,
  async (t) => {
    const random = prng(SEED);
    const { int, pick, side, schemas } = fuzzer(random);
    const failures: string[] = [];
    let frames = 0;
    let withBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const events: TapEvent[] = [];
      const decoder = new ConnectionDecoder({
        conn: 1,
        clock: () => 0,
        schemas: schemas(),
        emit: (e) => events.push(e),
        maxBody: pick([0, 0, 1, 7, 64]),
        hex: true,
      });
      const hostile = random() < 0.5;
      const input: Record<Direction, Buffer> = { c2s: side('c2s', hostile), s2c: side('s2c', hostile) };
      const at: Record<Direction, number> = { c2s: 0, s2c: 0 };
      try {
        while (at.c2s < input.c2s.length || at.s2c < input.s2c.length) {
          const dir: Direction =
            at.s2c >= input.s2c.length || (at.c2s < input.c2s.length && random() < 0.5) ? 'c2s' : 's2c';
          const n = 1 + int(pick([4, 40, 400]));
          decoder.feed(dir, input[dir].subarray(at[dir], at[dir] + n));
          at[dir] += n;
          if (random() < 0.1) await new Promise((resolve) => setImmediate(resolve)); // a lookup may answer meanwhile
        }
        if (random() < 0.5) decoder.end(pick(['c2s', 's2c']));
        decoder.close();
        for (const e of events) {
          if (e.kind === 'frame') frames++;
          if ((e.kind === 'frame' || e.kind === 'message') && e.raw) withBytes++;
          failures.push(...problemsOf(e).map((p) => `run ${run}: ${p}`));
        }
      } catch (error) {
        failures.push(`run ${run}: threw ${(error as Error).stack}`);
      }
    }
    t.same(failures.slice(0, 20), [], `no failure (seed ${SEED}; ${failures.length} in all)`);
    t.ok(frames > RUNS * 3, `${frames} frames decoded`);
    t.ok(withBytes > frames / 2, `${withBytes} frames and messages with their bytes`);
  },
);
