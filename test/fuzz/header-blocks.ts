// The header blocks of one direction, found among its pieces (a HEADERS or PUSH_PROMISE frame and the
// CONTINUATION frames after it, RFC 9113 §4.3), decoded in order with the tap's HPACK decoder, and
// written back into frames.

import { HpackDecoder, HpackError } from '../../src/wire/hpack/index.js';
import {
  CONTINUATION,
  DEFAULT_MAX_FRAME_SIZE,
  END_HEADERS,
  frame,
  HEADERS,
  headerFragment,
  PADDED,
  PRIORITY_FLAG,
  PUSH_PROMISE,
  view,
  type FrameView,
  type Piece,
} from './frames.js';
import { EncoderTable, type Field } from './hpack-blocks.js';

export interface FoundBlock {
  /** The pieces it was sent in: the opener first. */
  pieces: number[];
  opener: FrameView;
  fragment: Buffer;
}

/** The complete header blocks among `pieces`, in order (a block left open at the end is not one). */
export function findBlocks(pieces: readonly Piece[]): FoundBlock[] {
  const out: FoundBlock[] = [];
  let open: { pieces: number[]; opener: FrameView; fragments: Buffer[] } | undefined;
  pieces.forEach((piece, i) => {
    const f = view(piece);
    if (!f) return;
    if (f.type === HEADERS || f.type === PUSH_PROMISE) {
      const fragment = headerFragment(f);
      open = fragment ? { pieces: [i], opener: f, fragments: [fragment] } : undefined;
    } else if (f.type === CONTINUATION && open) {
      open.pieces.push(i);
      open.fragments.push(f.payload);
    } else {
      open = undefined;
      return;
    }
    if (open && f.flags & END_HEADERS) {
      out.push({ pieces: open.pieces, opener: open.opener, fragment: Buffer.concat(open.fragments) });
      open = undefined;
    }
  });
  return out;
}

/** The header lists of the blocks, decoded in order; stops at the first block that does not decode. */
export function decodeBlocks(blocks: readonly FoundBlock[]): { fields: Field[]; table: EncoderTable }[] {
  const decoder = new HpackDecoder();
  const out: { fields: Field[]; table: EncoderTable }[] = [];
  for (const block of blocks) {
    // The table as it is before this block: an encoder adding a block here starts from it.
    const table = new EncoderTable(decoder.maxTableSize);
    for (const e of [...decoder.dynamicTable].reverse()) table.add(e.name, e.value);
    const decoded = decoder.decode(block.fragment);
    if (decoded instanceof HpackError) break;
    out.push({ fields: decoded.fields.map((f) => [f.name, f.value] as const), table });
  }
  return out;
}

/**
 * `fragment` as a HEADERS frame (the opener's type, stream and END_STREAM; no padding or priority)
 * followed by CONTINUATION frames of at most `maxFrame` bytes each.
 */
export function blockFrames(opener: FrameView, fragment: Buffer, maxFrame = DEFAULT_MAX_FRAME_SIZE): Buffer[] {
  const prefix =
    opener.type === PUSH_PROMISE
      ? opener.payload.subarray(opener.flags & PADDED ? 1 : 0).subarray(0, 4)
      : Buffer.alloc(0);
  const flags = opener.flags & ~(END_HEADERS | PADDED | PRIORITY_FLAG);
  const out: Buffer[] = [];
  const first = Math.max(0, maxFrame - prefix.length);
  for (let at = 0, n = 0; at < fragment.length || n === 0; n++) {
    const size = n === 0 ? first : maxFrame;
    const part = fragment.subarray(at, at + size);
    at += size;
    const last = at >= fragment.length;
    out.push(
      n === 0
        ? frame(opener.type, flags | (last ? END_HEADERS : 0), opener.streamId, Buffer.concat([prefix, part]))
        : frame(CONTINUATION, last ? END_HEADERS : 0, opener.streamId, part),
    );
  }
  return out;
}

/** Replaces `block`'s pieces by `frames` (scheduled on the stream of its first piece). */
export function replaceBlock(pieces: Piece[], block: FoundBlock, frames: Buffer[]): void {
  const stream = pieces[block.pieces[0]].stream;
  const [first] = block.pieces;
  for (const i of [...block.pieces].reverse()) pieces.splice(i, 1);
  pieces.splice(first, 0, ...frames.map((bytes) => ({ bytes, stream })));
}
