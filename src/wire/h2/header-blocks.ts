// Header blocks split over HEADERS (or PUSH_PROMISE) and CONTINUATION frames, joined again
// (RFC 9113 §4.3, §6.10): a block ends with the frame that carries END_HEADERS, and until then
// nothing but CONTINUATION frames of the same stream may come. The HPACK decoder then reads the
// whole block at once (RFC 7541 §2.1 decodes blocks in order, so no block may be skipped).

import type { WireError } from '../wire-error.js';
import { Flag } from './frame-types.js';
import type { FrameOf } from './frame-decode.js';

/** A whole header block, ready for the HPACK decoder. */
export interface HeaderBlock {
  /** The frame that began it. */
  opener: FrameOf<'HEADERS'> | FrameOf<'PUSH_PROMISE'>;
  streamId: number;
  /** The fragments joined. */
  block: Buffer;
  /** How many CONTINUATION frames followed the opener. */
  continuations: number;
  /** END_STREAM of the opening HEADERS frame (it ends the stream once the block is complete). */
  endStream: boolean;
}

/**
 * A cap on a block's size (the fragments, before HPACK decoding). A peer may announce
 * SETTINGS_MAX_HEADER_LIST_SIZE, but a sender that ignores it could make a buffering reader grow
 * without bound by sending CONTINUATION frames forever (the "CONTINUATION flood", CVE-2024-27316).
 */
export const MAX_HEADER_BLOCK_SIZE = 1024 * 1024;

export type BlockResult = { block: HeaderBlock } | { error: WireError } | undefined;

export class HeaderBlockAssembler {
  private open: { opener: HeaderBlock['opener']; fragments: Buffer[]; size: number; continuations: number } | undefined;

  /** True while a block waits for its CONTINUATION frames (no other frame may come). */
  get expectingContinuation(): boolean {
    return this.open !== undefined;
  }

  /** The stream whose block is open, if any. */
  get openStream(): number | undefined {
    return this.open?.opener.streamId;
  }

  /** A HEADERS or PUSH_PROMISE frame: a whole block at once, or the start of one. */
  begin(frame: FrameOf<'HEADERS'> | FrameOf<'PUSH_PROMISE'>): BlockResult {
    if (this.open) return { error: this.interrupted(frame.offset, frame.type, frame.streamId) };
    if (frame.flags & Flag.END_HEADERS) return { block: this.complete(frame, [frame.fragment], 0) };
    this.open = { opener: frame, fragments: [frame.fragment], size: frame.fragment.length, continuations: 0 };
    return undefined;
  }

  /** A CONTINUATION frame. */
  continue(frame: FrameOf<'CONTINUATION'>): BlockResult {
    const open = this.open;
    if (!open) {
      return {
        error: {
          offset: frame.offset,
          rule: 'RFC 9113 §6.10',
          message: 'CONTINUATION without a HEADERS or PUSH_PROMISE frame before it (PROTOCOL_ERROR)',
        },
      };
    }
    if (frame.streamId !== open.opener.streamId)
      return { error: this.interrupted(frame.offset, 'CONTINUATION', frame.streamId) };
    open.fragments.push(frame.fragment);
    open.size += frame.fragment.length;
    open.continuations++;
    if (open.size > MAX_HEADER_BLOCK_SIZE) {
      this.open = undefined;
      return {
        error: {
          offset: frame.offset,
          rule: 'RFC 9113 §6.10',
          message: `a header block over ${MAX_HEADER_BLOCK_SIZE} bytes in ${open.continuations} CONTINUATION frames: not read further`,
        },
      };
    }
    if ((frame.flags & Flag.END_HEADERS) === 0) return undefined;
    this.open = undefined;
    return { block: this.complete(open.opener, open.fragments, open.continuations) };
  }

  /** Any other frame: an error while a block is open. */
  other(offset: number, type: string, streamId: number): WireError | undefined {
    return this.open ? this.interrupted(offset, type, streamId) : undefined;
  }

  private interrupted(offset: number, type: string, streamId: number): WireError {
    const stream = this.open!.opener.streamId;
    this.open = undefined;
    return {
      offset,
      rule: 'RFC 9113 §6.10',
      message: `${type} on stream ${streamId} inside the header block of stream ${stream}: only CONTINUATION frames of that stream may come until END_HEADERS (PROTOCOL_ERROR)`,
    };
  }

  private complete(opener: HeaderBlock['opener'], fragments: Buffer[], continuations: number): HeaderBlock {
    return {
      opener,
      streamId: opener.streamId,
      block: fragments.length === 1 ? fragments[0] : Buffer.concat(fragments),
      continuations,
      endStream: opener.type === 'HEADERS' && (opener.flags & Flag.END_STREAM) !== 0,
    };
  }
}
