// The 9-byte frame header as it goes on the wire (RFC 9113 §4.1), for the frames the tap writes or
// shows byte by byte:
//
//   Length (24) | Type (8) | Flags (8) | R (1) | Stream Identifier (31)
//
// The reserved bit R is 0 unless `reservedBit` asks for it (a frame relayed as it came, or shown as
// it was on the wire: a sender must leave it unset, a receiver must ignore it).

import { FRAME_HEADER_SIZE } from './frame-parser.js';

export function frameHeader(
  length: number,
  type: number,
  flags: number,
  streamId: number,
  reservedBit = false,
): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_SIZE);
  header.writeUIntBE(length, 0, 3); // length at 0..2
  header[3] = type; // type at 3
  header[4] = flags; // flags at 4
  header.writeUInt32BE(((reservedBit ? 0x80000000 : 0) | (streamId & 0x7fffffff)) >>> 0, 5); // R, stream id at 5..8
  return header;
}
