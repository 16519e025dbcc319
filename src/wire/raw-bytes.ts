// The hex view's ranges (events.ts RawBytes): made by the decoders that know each layout — the frame
// (h2/frame-layout.ts), HPACK (hpack/block-layout.ts), the gRPC prefix (grpc/message-layout.ts),
// protobuf (protobuf/field-layout.ts) — and put together here: moved to where they sit in a frame,
// cut to the part of a message one DATA frame carries, cut short at --max-body.
//
// Made only when the hex view is on (`routeguide tap --hex`, the web view): the tap's default path
// never builds a range.

import type { ByteRange, RawBytes } from './events.js';

/** A range; with `parts`, split further (they must cover it exactly). */
export function range(at: number, bytes: number, what: string, parts?: ByteRange[]): ByteRange {
  return parts && parts.length > 0 ? { at, bytes, what, parts } : { at, bytes, what };
}

/** `ranges` moved `by` bytes along (a message's ranges into the frame that carries it). */
export function shifted(ranges: readonly ByteRange[], by: number): ByteRange[] {
  return ranges.map((r) => ({ ...r, at: r.at + by, ...(r.parts ? { parts: shifted(r.parts, by) } : {}) }));
}

/**
 * The ranges of bytes [from, to) out of `ranges`, moved so that `from` lands on `at`. A range cut
 * by either end keeps what it says and adds how much of it is here: "Message-Length 17 (2 of its
 * 4 bytes)".
 */
export function windowOf(ranges: readonly ByteRange[], from: number, to: number, at: number): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of ranges) {
    const start = Math.max(r.at, from);
    const end = Math.min(r.at + r.bytes, to);
    if (start >= end) continue;
    const whole = start === r.at && end === r.at + r.bytes;
    const what = whole ? r.what : `${r.what} (${end - start} of its ${r.bytes} bytes)`;
    const parts = r.parts && windowOf(r.parts, start, end, at + start - from);
    out.push(range(at + start - from, end - start, what, parts));
  }
  return out;
}

/** How many bytes the hex view shows of something with a `header` of that many bytes: --max-body past it (0: all). */
export function shownBytes(header: number, maxBody: number): number {
  return maxBody > 0 ? header + maxBody : Infinity;
}

/**
 * RawBytes of `bytes` as `ranges` describe them. Past `limit` bytes (--max-body), the hex stops and
 * one last range says how many bytes are not shown: the ranges still cover every byte once.
 */
export function rawBytes(bytes: readonly Uint8Array[], ranges: ByteRange[], limit: number): RawBytes {
  const total = bytes.reduce((n, b) => n + b.length, 0);
  if (total <= limit) return { hex: bytes.map(hexOf).join(''), ranges };
  let hex = '';
  let left = limit;
  for (const b of bytes) {
    hex += hexOf(b.subarray(0, left));
    left -= Math.min(left, b.length);
  }
  return {
    hex,
    ranges: [
      ...windowOf(ranges, 0, limit, 0),
      range(limit, total - limit, `${total - limit} more bytes, not shown (--max-body)`),
    ],
  };
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
