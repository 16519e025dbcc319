// gRPC-level mutators (PROTOCOL-HTTP2 "Length-Prefixed-Message", "Requests", "Responses"): message
// prefixes whose length lies, the Compressed-Flag set without an encoding, lengths past the maximum,
// messages cut short or split, bodies that are not protobuf, and header values a gRPC peer must
// refuse (re-encoded so that the connection's HPACK stays valid).

import type { Rng } from '../helpers/rng.js';
import { DATA, END_STREAM, frame, FRAME_HEADER_SIZE, HEADERS, PADDED, view } from './frames.js';
import { blockFrames, decodeBlocks, findBlocks, replaceBlock } from './header-blocks.js';
import { literalBlock, type Field } from './hpack-blocks.js';
import { editPiece, pickFrame, type Direction, type Mutator } from './mutator.js';

/** PROTOCOL-HTTP2: Compressed-Flag (1 byte), Message-Length (4 bytes, big-endian), Message. */
const PREFIX_SIZE = 5;
/** The default maximum message size of gRPC implementations (ours included): 4 MiB. */
const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;
/** The most bytes 'extra messages' adds to a frame. */
const MAX_EXTRA = 64 * 1024;

/** A DATA frame without padding whose payload starts with a whole prefix (messages mostly start frames). */
const messageFrame = (rng: Rng, d: Direction) =>
  pickFrame(rng, d, (f) => f.type === DATA && (f.flags & PADDED) === 0 && f.payload.length >= PREFIX_SIZE);

/** Replaces DATA piece `i` by one with `payload` (its flags and stream kept). */
function setPayload(d: Direction, i: number, payload: Buffer, flags?: number): void {
  const f = view(d.pieces[i])!;
  d.pieces[i] = { bytes: frame(DATA, flags ?? f.flags, f.streamId, payload), stream: d.pieces[i].stream };
}

function envelope(flag: number, body: Buffer, length = body.length): Buffer {
  const prefix = Buffer.alloc(PREFIX_SIZE);
  prefix[0] = flag;
  prefix.writeUInt32BE(length >>> 0, 1);
  return Buffer.concat([prefix, body]);
}

/** Bytes that are not a valid protobuf message, or barely one: bad wire types, varints and lengths. */
function badProtobuf(rng: Rng): Buffer {
  return rng.pick([
    () => rng.bytes(rng.between(1, 64)),
    () => Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length-delimited, 2^32 − 1 bytes
    () => Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // an 11-byte varint
    () => Buffer.from([0x0f]), // wire type 7
    () => Buffer.from([0x00, 0x01]), // field number 0
    () => Buffer.from([0x12, 0x05, 0x08, 0x01]), // a submessage cut short
    () => Buffer.from([0x0a, 0x03, 0xff, 0xfe, 0xfd]), // a string that is not UTF-8
    () => Buffer.alloc(0),
  ])();
}

const REQUEST_VALUES: Field[] = [
  [':path', '/routeguide.RouteGuide/Nope'],
  [':path', ''],
  [':path', 'routeguide.RouteGuide/GetFeature'],
  [':path', '/routeguide.RouteGuide/GetFeature/more'],
  [':method', 'GET'],
  ['content-type', 'text/plain'],
  ['content-type', 'application/grpc+json'],
  ['content-type', 'application/grpcx'],
  ['grpc-timeout', '0n'],
  ['grpc-timeout', '1n'],
  ['grpc-timeout', '99999999H'],
  ['grpc-timeout', '123456789S'],
  ['grpc-timeout', '1x'],
  ['grpc-timeout', '-1S'],
  ['grpc-encoding', 'gzip'],
  ['grpc-encoding', 'deflate'],
  ['grpc-encoding', 'snappy'],
  ['grpc-encoding', ''],
  ['grpc-accept-encoding', 'zstd,,gzip'],
  ['te', 'gzip'],
  ['x-md-bin', '!!!not base64'],
  ['x-md-bin', 'AAEC'],
  ['grpc-status', '0'],
  ['user-agent', 'u'.repeat(20_000)],
];

const RESPONSE_VALUES: Field[] = [
  [':status', '500'],
  [':status', '404'],
  [':status', '100'],
  [':status', 'abc'],
  ['grpc-status', ''],
  ['grpc-status', 'abc'],
  ['grpc-status', '17'],
  ['grpc-status', '-1'],
  ['grpc-status', '99999999999'],
  ['grpc-message', '%'],
  ['grpc-message', '%zz%E7%B3'],
  ['grpc-message', 'm'.repeat(20_000)],
  ['content-type', 'text/html'],
  ['grpc-encoding', 'gzip'],
  ['grpc-encoding', 'snappy'],
  ['x-md-bin', '!!!not base64'],
];

/** One change to a header list: a field set, removed, doubled, or a pseudo-header put last. */
function editFields(rng: Rng, fields: Field[], clientSide: boolean): string {
  switch (rng.int(4)) {
    case 0: {
      const [name, value] = rng.pick(clientSide ? REQUEST_VALUES : RESPONSE_VALUES);
      const at = fields.findIndex(([n]) => n === name);
      if (at >= 0) fields[at] = [name, value];
      else fields.push([name, value]);
      return `${name}: ${JSON.stringify(value.length > 40 ? `${value.slice(0, 10)}… (${value.length})` : value)}`;
    }
    case 1: {
      if (fields.length === 0) return 'nothing to remove';
      const [removed] = fields.splice(rng.int(fields.length), 1);
      return `${removed[0]} removed`;
    }
    case 2: {
      if (fields.length === 0) return 'nothing to double';
      const field = rng.pick(fields);
      fields.push(field);
      return `${field[0]} twice`;
    }
    default: {
      const pseudo = fields.findIndex(([n]) => n.startsWith(':'));
      if (pseudo < 0) return 'no pseudo-header';
      const [moved] = fields.splice(pseudo, 1);
      fields.push(moved);
      return `${moved[0]} after the regular fields`;
    }
  }
}

export const GRPC_MUTATORS: Mutator[] = [
  {
    level: 'grpc',
    name: 'lying prefix',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const real = view(d.pieces[i])!.payload.readUInt32BE(1);
      const length = rng.pick([0, real - 1, real + 1, real + rng.between(2, 1000), 0xffff_ffff]) >>> 0;
      editPiece(d, i, (b) => void b.writeUInt32BE(length, FRAME_HEADER_SIZE + 1));
      return `piece ${i}: Message-Length ${length} (was ${real})`;
    },
  },
  {
    level: 'grpc',
    name: 'compressed flag',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const flag = rng.chance(0.7) ? 1 : rng.between(2, 255);
      editPiece(d, i, (b) => void (b[FRAME_HEADER_SIZE] = flag));
      return `piece ${i}: Compressed-Flag ${flag}`;
    },
  },
  {
    level: 'grpc',
    name: 'length above the maximum',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const length = rng.pick([DEFAULT_MAX_MESSAGE + 1, 64 * 1024 * 1024, 0x7fff_ffff]);
      setPayload(d, i, envelope(0, rng.bytes(rng.int(100)), length));
      return `piece ${i}: a message declaring ${length} bytes`;
    },
  },
  {
    level: 'grpc',
    name: 'truncated message',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const f = view(d.pieces[i])!;
      const keep = rng.int(f.payload.length);
      setPayload(d, i, f.payload.subarray(0, keep), rng.chance(0.7) ? f.flags | END_STREAM : f.flags);
      return `piece ${i}: message cut to ${keep} of ${f.payload.length} bytes`;
    },
  },
  {
    level: 'grpc',
    name: 'bad protobuf',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const body = badProtobuf(rng);
      setPayload(d, i, envelope(0, body));
      return `piece ${i}: the message is ${body.toString('hex') || '(empty)'}`;
    },
  },
  {
    level: 'grpc',
    name: 'extra messages',
    apply(rng, d) {
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const f = view(d.pieces[i])!;
      const extra = rng.chance(0.5) ? f.payload : envelope(0, Buffer.alloc(0));
      // At most 64 KiB more: a frame stays far below the 2^24-byte length field however often this repeats.
      const count = Math.max(1, Math.min(rng.pick([1, 2, 100]), Math.floor(MAX_EXTRA / extra.length)));
      setPayload(d, i, Buffer.concat([f.payload, ...Array.from({ length: count }, () => extra)]));
      return `piece ${i}: ${count} more message(s) in the frame`;
    },
  },
  {
    level: 'grpc',
    name: 'prefix split',
    apply(rng, d) {
      // Valid: the 5-byte prefix cut between two DATA frames.
      const i = messageFrame(rng, d);
      if (i === undefined) return undefined;
      const f = view(d.pieces[i])!;
      const cut = rng.between(1, PREFIX_SIZE - 1);
      const stream = d.pieces[i].stream;
      d.pieces.splice(
        i,
        1,
        { bytes: frame(DATA, 0, f.streamId, f.payload.subarray(0, cut)), stream },
        { bytes: frame(DATA, f.flags, f.streamId, f.payload.subarray(cut)), stream },
      );
      return `piece ${i}: the prefix cut after ${cut} bytes, across two frames`;
    },
  },
  {
    level: 'grpc',
    name: 'early end of stream',
    apply(rng, d) {
      const i = pickFrame(rng, d, (f) => f.type === DATA || f.type === HEADERS);
      if (i === undefined) return undefined;
      editPiece(d, i, (b) => void (b[4] |= END_STREAM));
      return `piece ${i}: END_STREAM set`;
    },
  },
  {
    level: 'grpc',
    name: 'no end of stream',
    apply(rng, d) {
      // The sender never half-closes: a request (or a response) whose last message never ends it.
      const i = pickFrame(rng, d, (f) => (f.type === DATA || f.type === HEADERS) && (f.flags & END_STREAM) !== 0);
      if (i === undefined) return undefined;
      editPiece(d, i, (b) => void (b[4] &= ~END_STREAM));
      return `piece ${i}: END_STREAM cleared`;
    },
  },
  {
    level: 'grpc',
    name: 'header values',
    apply(rng, d) {
      const blocks = findBlocks(d.pieces);
      const decoded = decodeBlocks(blocks);
      if (decoded.length === 0) return undefined;
      const target = rng.int(decoded.length);
      const fields = [...decoded[target].fields];
      const what = editFields(rng, fields, d.clientSide);
      // Every decodable block again as literals without indexing: the dynamic table stays empty,
      // so the edit changes nothing else (blocks after one that did not decode are left as they are).
      for (let n = decoded.length - 1; n >= 0; n--) {
        const block = blocks[n];
        replaceBlock(
          d.pieces,
          block,
          blockFrames(block.opener, literalBlock(n === target ? fields : decoded[n].fields)),
        );
      }
      return `header block ${target}: ${what}`;
    },
  },
];
