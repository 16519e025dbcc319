// HPACK-level mutators (RFC 7541, RFC 9113 §4.3, §6.10): hostile representations inside real header
// blocks, bits flipped inside a block, size updates where they break the decoder's table, blocks
// split over CONTINUATION frames and the CONTINUATION rules broken, padding and priority fields.

import type { Rng } from '../helpers/rng.js';
import { CONTINUATION, DATA, END_HEADERS, END_STREAM, frame, HEADERS, PADDED, PRIORITY_FLAG, view } from './frames.js';
import { blockFrames, decodeBlocks, findBlocks, replaceBlock, type FoundBlock } from './header-blocks.js';
import { EncoderTable, encodeBlock, hostileRepresentation, sizeUpdate, type Field } from './hpack-blocks.js';
import type { Direction, Mutator } from './mutator.js';

function pickBlock(rng: Rng, d: Direction): { block: FoundBlock; index: number } | undefined {
  const blocks = findBlocks(d.pieces);
  if (blocks.length === 0) return undefined;
  const index = rng.int(blocks.length);
  return { block: blocks[index], index };
}

/** Frame sizes for splitting a block: mostly the default maximum, sometimes tiny, sometimes past it. */
function frameSize(rng: Rng): number {
  return rng.weighted([
    [6, 16_384],
    [2, rng.between(1, 64)],
    [1, rng.between(16_385, 70_000)],
  ]);
}

/** A request as gRPC clients send it, with the fields a fuzzer likes to vary. */
function requestFields(rng: Rng): Field[] {
  const fields: Field[] = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', rng.pick(['/routeguide.RouteGuide/GetFeature', '/routeguide.RouteGuide/RouteChat', '/x/y', '/'])],
    [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
  for (let n = rng.int(4); n > 0; n--) fields.push([`x-fuzz-${rng.int(1000)}`, 'v'.repeat(rng.int(40))]);
  return fields;
}

export const HPACK_MUTATORS: Mutator[] = [
  {
    level: 'hpack',
    name: 'block bit flips',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found || found.block.fragment.length === 0) return undefined;
      const fragment = Buffer.from(found.block.fragment);
      const bits = Array.from({ length: rng.between(1, 4) }, () => rng.int(fragment.length * 8));
      for (const bit of bits) fragment[bit >> 3] ^= 0x80 >> (bit & 7);
      replaceBlock(d.pieces, found.block, blockFrames(found.block.opener, fragment));
      return `header block ${found.index}: bits ${bits.join(', ')} flipped`;
    },
  },
  {
    level: 'hpack',
    name: 'hostile representation',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found) return undefined;
      const table = decodeBlocks(findBlocks(d.pieces))[found.index]?.table;
      const hostile = hostileRepresentation(rng, table ?? new EncoderTable());
      const at = rng.pick([0, found.block.fragment.length, rng.int(found.block.fragment.length + 1)]);
      const { fragment } = found.block;
      const changed = Buffer.concat([fragment.subarray(0, at), hostile.bytes, fragment.subarray(at)]);
      replaceBlock(d.pieces, found.block, blockFrames(found.block.opener, changed, frameSize(rng)));
      return `header block ${found.index}: ${hostile.what} at byte ${at}`;
    },
  },
  {
    level: 'hpack',
    name: 'size update',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found) return undefined;
      const size = rng.pick([0, 1, 64, 4096, 4097]);
      const update = sizeUpdate(size);
      const atStart = rng.chance(0.6);
      const { fragment } = found.block;
      const changed = atStart ? Buffer.concat([update, fragment]) : Buffer.concat([fragment, update]);
      replaceBlock(d.pieces, found.block, blockFrames(found.block.opener, changed));
      return `header block ${found.index}: table size update to ${size} at its ${atStart ? 'start' : 'end'}`;
    },
  },
  {
    level: 'hpack',
    name: 'new header block',
    apply(rng, d) {
      // A whole request (or response-shaped) block encoded against the table the decoder holds there.
      const blocks = findBlocks(d.pieces);
      const decoded = decodeBlocks(blocks);
      if (decoded.length === 0) return undefined;
      const index = rng.int(decoded.length);
      const { table } = decoded[index];
      const fields = requestFields(rng);
      if (rng.chance(0.3)) for (let n = rng.between(100, 2000); n > 0; n--) fields.push([`x-many`, String(n)]);
      let block = encodeBlock(rng, table, fields);
      let what = `${fields.length} fields`;
      if (rng.chance(0.5)) {
        const hostile = hostileRepresentation(rng, table);
        block = Buffer.concat([block, hostile.bytes]);
        what += ` and ${hostile.what}`;
      }
      const at = blocks[index].pieces[0];
      const stream = d.pieces[at].stream + rng.pick([0, 2, 4]);
      const opener = {
        type: HEADERS,
        flags: rng.pick([0, END_STREAM]),
        streamId: stream,
        length: 0,
        payload: Buffer.alloc(0),
      };
      d.pieces.splice(at, 0, ...blockFrames(opener, block, frameSize(rng)).map((bytes) => ({ bytes, stream })));
      return `a new header block on stream ${stream} before block ${index}: ${what}`;
    },
  },
  {
    level: 'hpack',
    name: 'continuation split',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found) return undefined;
      const size = rng.between(1, Math.max(1, found.block.fragment.length >> 1));
      replaceBlock(d.pieces, found.block, blockFrames(found.block.opener, found.block.fragment, size));
      return `header block ${found.index} in frames of ${size} bytes`;
    },
  },
  {
    level: 'hpack',
    name: 'continuation abuse',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found) return undefined;
      const { block } = found;
      const size = Math.max(1, block.fragment.length >> 1);
      const frames = blockFrames(block.opener, block.fragment, size);
      const stream = block.opener.streamId;
      let what: string;
      switch (rng.int(6)) {
        case 0: {
          // Another frame between the HEADERS and its CONTINUATION.
          const other = frame(
            rng.pick([DATA, HEADERS, 0x6, 0x8]),
            0,
            rng.pick([0, stream, stream + 2]),
            Buffer.alloc(rng.pick([0, 4, 8])),
          );
          frames.splice(1, 0, other);
          what = 'another frame inside the block';
          break;
        }
        case 1:
          if (frames.length > 1) frames[1].writeUInt32BE(stream + 2, 5);
          else frames.push(frame(CONTINUATION, END_HEADERS, stream + 2));
          what = 'a CONTINUATION on another stream';
          break;
        case 2:
          frames.unshift(frame(CONTINUATION, rng.pick([0, END_HEADERS]), stream, block.fragment.subarray(0, 3)));
          what = 'a CONTINUATION with no HEADERS before it';
          break;
        case 3:
          frames[frames.length - 1][4] &= ~END_HEADERS;
          what = 'no END_HEADERS on the last frame';
          break;
        case 4: {
          // The CONTINUATION flood (CVE-2024-27316): many frames without END_HEADERS.
          const count = rng.pick([100, 1000, 5000]);
          const filler = frame(
            CONTINUATION,
            0,
            stream,
            rng.chance(0.5) ? Buffer.alloc(0) : Buffer.from([0x40, 0x01, 0x61, 0x01, 0x62]),
          );
          frames.splice(frames.length - 1, 0, ...Array.from({ length: count }, () => filler));
          if (frames.length === count + 1) {
            // The block was one frame: its END_HEADERS now comes at the end of the flood.
            frames[0][4] &= ~END_HEADERS;
            frames.push(frame(CONTINUATION, END_HEADERS, stream));
          }
          what = `${count} CONTINUATION frames inside the block`;
          break;
        }
        default:
          frames.push(frame(CONTINUATION, END_HEADERS, stream, block.fragment.subarray(0, 2)));
          what = 'a CONTINUATION after END_HEADERS';
      }
      replaceBlock(d.pieces, block, frames);
      return `header block ${found.index}: ${what}`;
    },
  },
  {
    level: 'hpack',
    name: 'padding and priority',
    apply(rng, d) {
      const found = pickBlock(rng, d);
      if (!found || found.block.opener.type !== HEADERS) return undefined;
      const [first, ...rest] = blockFrames(found.block.opener, found.block.fragment);
      const f = view({ bytes: first, stream: 0 })!;
      const pad = rng.pick([0, 1, 255]);
      const declared = rng.chance(0.8) ? pad : rng.int(256);
      const priority = Buffer.alloc(5);
      priority.writeUInt32BE(rng.pick([0, f.streamId, 0x8000_0000 | f.streamId, 1, 3]) >>> 0);
      priority[4] = rng.int(256);
      const withPriority = rng.chance(0.5);
      const payload = Buffer.concat([
        Buffer.from([declared]),
        withPriority ? priority : Buffer.alloc(0),
        f.payload,
        Buffer.alloc(pad, rng.chance(0.8) ? 0 : 0xaa),
      ]);
      replaceBlock(d.pieces, found.block, [
        frame(HEADERS, f.flags | PADDED | (withPriority ? PRIORITY_FLAG : 0), f.streamId, payload),
        ...rest,
      ]);
      return `header block ${found.index}: ${pad} bytes of padding (Pad Length ${declared})${withPriority ? ', with a priority field' : ''}`;
    },
  },
];
