// PROTOCOL-HTTP2 "Length-Prefixed-Message":
//
//   Compressed-Flag  1 byte   0 = body as is, 1 = body compressed with the call's grpc-encoding
//   Message-Length   4 bytes  unsigned, big-endian
//   Message          Message-Length bytes
//
// This file knows bytes only: no HTTP/2, no protobuf.

/** Size of the prefix in front of every message. */
export const PREFIX_SIZE = 5;

/** Compressed-Flag values. Anything else on the wire is a protocol error. */
export const FLAG_UNCOMPRESSED = 0;
export const FLAG_COMPRESSED = 1;

/** Frames one message: a single allocation holding prefix and body. */
export function encodeEnvelope(body: Uint8Array, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_SIZE + body.length);
  out[0] = compressed ? FLAG_COMPRESSED : FLAG_UNCOMPRESSED; // offset 0: Compressed-Flag
  out.writeUInt32BE(body.length, 1); //                          offsets 1..4: Message-Length
  out.set(body, PREFIX_SIZE); //                                 offsets 5.. : Message
  return out;
}

/** Writes the 5-byte prefix for a body of `length` bytes into `target` at `offset`. */
export function writePrefix(target: Uint8Array, offset: number, length: number, compressed = false): void {
  target[offset] = compressed ? FLAG_COMPRESSED : FLAG_UNCOMPRESSED;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = (length >>> 8) & 0xff;
  target[offset + 4] = length & 0xff;
}
