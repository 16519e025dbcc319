// Frame-level mutators (RFC 9113 §4.1, §6): bits flipped anywhere, the fields of frame headers
// changed, frames duplicated, dropped, moved, cut short, and frames no well-behaved peer sends.

import type { Rng } from '../helpers/rng.js';
import {
  ACK,
  CONTINUATION,
  DATA,
  END_HEADERS,
  END_STREAM,
  frame,
  FRAME_HEADER_SIZE,
  GOAWAY,
  HEADERS,
  PADDED,
  PING,
  PRIORITY,
  PRIORITY_FLAG,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  view,
  WINDOW_UPDATE,
} from './frames.js';
import { editPiece, pickFrame, pickPiece, type Direction, type Mutator } from './mutator.js';

/** Stream ids worth trying: the connection, an even (server-initiated) one, the largest, neighbours of real ones. */
function streamId(rng: Rng, d: Direction): number {
  const used = d.pieces.map((p) => p.stream).filter((s) => s > 0);
  const near = used.length > 0 ? rng.pick(used) + rng.pick([-2, -1, 1, 2, 100]) : 1;
  return rng.pick([0, 1, 2, 3, 0x7fff_ffff, 0x8000_0001, Math.max(0, near), rng.int(2 ** 31)]) >>> 0;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** A frame that is legal only in some states, or not at all. */
function oddFrame(rng: Rng, d: Direction): { bytes: Buffer; what: string } {
  const stream = streamId(rng, d);
  switch (rng.int(12)) {
    case 0: {
      // RFC 9113 §6.5.2: identifiers 1–6 and unknown ones, values at and past each limit.
      const params = Array.from({ length: rng.between(1, 4) }, () => {
        const b = Buffer.alloc(6);
        b.writeUInt16BE(rng.pick([1, 2, 3, 4, 5, 6, 8, 9, rng.int(0x10000)]));
        b.writeUInt32BE(
          rng.pick([0, 1, 16_383, 16_384, 16_777_215, 16_777_216, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff]),
          2,
        );
        return b;
      });
      return { bytes: frame(SETTINGS, 0, 0, Buffer.concat(params)), what: 'SETTINGS with edge values' };
    }
    case 1:
      return {
        bytes: frame(SETTINGS, rng.pick([0, ACK]), 0, rng.bytes(rng.pick([1, 5, 7, 11]))),
        what: 'SETTINGS whose length is not a multiple of 6',
      };
    case 2:
      return { bytes: frame(SETTINGS, ACK, 0, rng.bytes(6)), what: 'SETTINGS ACK with a payload' };
    case 3:
      return {
        bytes: frame(PING, rng.pick([0, ACK]), rng.pick([0, stream]), rng.bytes(rng.pick([0, 7, 8, 9]))),
        what: 'PING',
      };
    case 4:
      return {
        bytes: frame(
          WINDOW_UPDATE,
          0,
          rng.pick([0, stream]),
          u32(rng.pick([0, 1, 0x7fff_ffff, 0x8000_0000, rng.int(2 ** 31)])),
        ),
        what: 'WINDOW_UPDATE (0, overflowing, or with the reserved bit)',
      };
    case 5:
      return {
        bytes: frame(RST_STREAM, 0, stream, u32(rng.pick([0, 1, 2, 7, 8, 0xff]))),
        what: `RST_STREAM on stream ${stream}`,
      };
    case 6:
      return {
        bytes: frame(
          GOAWAY,
          0,
          rng.pick([0, stream]),
          Buffer.concat([u32(streamId(rng, d)), u32(rng.pick([0, 1, 2, 11])), rng.bytes(rng.int(20))]),
        ),
        what: 'GOAWAY',
      };
    case 7:
      return {
        bytes: frame(
          PRIORITY,
          0,
          stream,
          Buffer.concat([u32(rng.pick([stream, 0, 0x8000_0000 | stream])), Buffer.from([rng.int(256)])]),
        ),
        what: 'PRIORITY (possibly on itself)',
      };
    case 8:
      return {
        bytes: frame(PRIORITY, 0, stream, rng.bytes(rng.pick([0, 4, 6]))),
        what: 'PRIORITY of the wrong length',
      };
    case 9:
      return {
        bytes: frame(PUSH_PROMISE, END_HEADERS, stream, Buffer.concat([u32(streamId(rng, d)), Buffer.from([0x82])])),
        what: 'PUSH_PROMISE',
      };
    case 10:
      return {
        bytes: frame(rng.between(10, 255), rng.int(256), stream, rng.bytes(rng.int(40))),
        what: 'a frame of an unknown type',
      };
    default:
      return {
        bytes: frame(
          rng.pick([DATA, HEADERS]),
          PADDED | rng.pick([0, END_STREAM, END_HEADERS]),
          stream,
          Buffer.from([rng.between(1, 255)]),
        ),
        what: 'a PADDED frame whose padding is longer than its payload',
      };
  }
}

export const FRAME_MUTATORS: Mutator[] = [
  {
    level: 'frame',
    name: 'bit flips',
    apply(rng, d) {
      const i = pickPiece(rng, d);
      const bits: number[] = [];
      editPiece(d, i, (b) => {
        for (let n = rng.between(1, 8); n > 0 && b.length > 0; n--) {
          const bit = rng.int(b.length * 8);
          b[bit >> 3] ^= 0x80 >> (bit & 7);
          bits.push(bit);
        }
      });
      return `piece ${i}: bits ${bits.join(', ')} flipped`;
    },
  },
  {
    level: 'frame',
    name: 'frame header byte',
    apply(rng, d) {
      const i = pickFrame(rng, d);
      if (i === undefined) return undefined;
      const at = rng.int(FRAME_HEADER_SIZE);
      const value = rng.pick([0, 0xff, 0x7f, 0x80, 1, rng.int(256)]);
      editPiece(d, i, (b) => void (b[at] = value));
      return `piece ${i}: frame header byte ${at} = 0x${value.toString(16)}`;
    },
  },
  {
    level: 'frame',
    name: 'frame type',
    apply(rng, d) {
      const i = pickFrame(rng, d);
      if (i === undefined) return undefined;
      const type = rng.chance(0.7) ? rng.int(10) : rng.int(256);
      editPiece(d, i, (b) => void (b[3] = type));
      return `piece ${i}: type ${type}`;
    },
  },
  {
    level: 'frame',
    name: 'frame flags',
    apply(rng, d) {
      const i = pickFrame(rng, d);
      if (i === undefined) return undefined;
      const flags = rng.chance(0.5)
        ? d.pieces[i].bytes[4] ^ rng.pick([END_STREAM, END_HEADERS, PADDED, PRIORITY_FLAG, 0x02, 0x10, 0x40, 0x80])
        : rng.int(256);
      editPiece(d, i, (b) => void (b[4] = flags));
      return `piece ${i}: flags 0x${flags.toString(16)}`;
    },
  },
  {
    level: 'frame',
    name: 'stream id',
    apply(rng, d) {
      const i = pickFrame(rng, d);
      if (i === undefined) return undefined;
      const id = streamId(rng, d);
      editPiece(d, i, (b) => void b.writeUInt32BE(id, 5));
      return `piece ${i}: stream id field 0x${id.toString(16)}`;
    },
  },
  {
    level: 'frame',
    name: 'length field',
    apply(rng, d) {
      const i = pickFrame(rng, d);
      if (i === undefined) return undefined;
      const real = d.pieces[i].bytes.length - FRAME_HEADER_SIZE;
      const length = Math.max(
        0,
        rng.pick([0, real - 1, real + 1, real + rng.between(2, 100), 16_385, 0xff_ffff, rng.int(0x100_0000)]),
      );
      editPiece(d, i, (b) => void b.writeUIntBE(Math.min(length, 0xff_ffff), 0, 3));
      return `piece ${i}: length field ${length} (payload ${real})`;
    },
  },
  {
    level: 'frame',
    name: 'duplicate',
    apply(rng, d) {
      const i = pickPiece(rng, d);
      const to = rng.chance(0.5) ? i + 1 : rng.between(1, d.pieces.length);
      const times = rng.chance(0.9) ? 1 : rng.between(2, 50);
      d.pieces.splice(to, 0, ...Array.from({ length: times }, () => d.pieces[i]));
      return `piece ${i} copied ${times}× to ${to}`;
    },
  },
  {
    level: 'frame',
    name: 'drop',
    apply(rng, d) {
      if (d.pieces.length < 2) return undefined;
      const i = pickPiece(rng, d);
      d.pieces.splice(i, 1);
      return `piece ${i} dropped`;
    },
  },
  {
    level: 'frame',
    name: 'reorder',
    apply(rng, d) {
      if (d.pieces.length < 2) return undefined;
      const i = pickPiece(rng, d);
      const [moved] = d.pieces.splice(i, 1);
      const to = rng.chance(0.5) ? Math.max(1, i + rng.pick([-2, -1, 1])) : rng.between(1, d.pieces.length);
      d.pieces.splice(Math.min(to, d.pieces.length), 0, moved);
      return `piece ${i} moved to ${to}`;
    },
  },
  {
    level: 'frame',
    name: 'truncate stream',
    apply(rng, d) {
      const i = pickPiece(rng, d);
      const keep = rng.int(d.pieces[i].bytes.length);
      d.pieces.splice(i + 1);
      editPiece(d, i, (b) => b.subarray(0, keep));
      return `cut after byte ${keep} of piece ${i}`;
    },
  },
  {
    level: 'frame',
    name: 'truncate frame',
    apply(rng, d) {
      const i = pickFrame(rng, d, (f) => f.payload.length > 0);
      if (i === undefined) return undefined;
      const keep = FRAME_HEADER_SIZE + rng.int(d.pieces[i].bytes.length - FRAME_HEADER_SIZE);
      editPiece(d, i, (b) => b.subarray(0, keep));
      return `piece ${i}: payload cut to ${keep - FRAME_HEADER_SIZE} bytes, its length field unchanged`;
    },
  },
  {
    level: 'frame',
    name: 'odd frame',
    apply(rng, d) {
      const { bytes, what } = oddFrame(rng, d);
      const at = d.clientSide ? rng.between(1, d.pieces.length) : rng.int(d.pieces.length + 1);
      d.pieces.splice(at, 0, { bytes, stream: view({ bytes, stream: 0 })?.streamId ?? 0 });
      return `${what} inserted at ${at}`;
    },
  },
  {
    level: 'frame',
    name: 'random bytes',
    apply(rng, d) {
      const at = rng.chance(0.05) ? 0 : rng.between(1, d.pieces.length);
      const bytes = rng.bytes(rng.between(1, 64));
      d.pieces.splice(at, 0, { bytes, stream: 0 });
      return `${bytes.length} random bytes inserted at ${at}`;
    },
  },
  {
    level: 'frame',
    name: 'split data',
    apply(rng, d) {
      // Valid: one DATA frame as several, END_STREAM on the last (flow control is unchanged).
      const i = pickFrame(rng, d, (f) => f.type === DATA && (f.flags & PADDED) === 0 && f.payload.length > 1);
      if (i === undefined) return undefined;
      const f = view(d.pieces[i])!;
      const parts: Buffer[] = [];
      for (let at = 0; at < f.payload.length;) {
        const size = Math.min(f.payload.length - at, rng.between(1, Math.max(1, f.payload.length >> 2)));
        parts.push(f.payload.subarray(at, at + size));
        at += size;
      }
      d.pieces.splice(
        i,
        1,
        ...parts.map((p, n) => ({
          bytes: frame(DATA, n === parts.length - 1 ? f.flags & END_STREAM : 0, f.streamId, p),
          stream: d.pieces[i].stream,
        })),
      );
      return `piece ${i}: DATA split into ${parts.length} frames`;
    },
  },
  {
    level: 'frame',
    name: 'continuation order',
    apply(rng, d) {
      // A CONTINUATION moved away from its HEADERS (RFC 9113 §6.10).
      const i = pickFrame(rng, d, (f) => f.type === CONTINUATION);
      if (i === undefined) return undefined;
      const [moved] = d.pieces.splice(i, 1);
      const to = rng.int(d.pieces.length + 1);
      d.pieces.splice(to, 0, moved);
      return `CONTINUATION piece ${i} moved to ${to}`;
    },
  },
];
