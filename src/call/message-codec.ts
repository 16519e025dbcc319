// Turning a received message body into a value, shared by server and client:
// Compressed-Flag → decompress with the call's grpc-encoding (size-limited) → protobuf decode.
// Returns the message, or the GrpcError the call ends with.

import { FramingError, decompress, type Encoding } from '../../framing/index.js';
import { statusFromFramingError } from '../protocol/framing-status.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

export function parseMessage<T>(
  body: Buffer,
  compressed: boolean,
  encoding: Encoding,
  maxMessageSize: number,
  deserialize: (bytes: Uint8Array) => T,
): T | GrpcError {
  if (compressed) {
    // PROTOCOL-HTTP2: "If the Message-Encoding header is omitted then the Compressed-Flag must be 0";
    // doc/compression.md test case 6: flag 1 with identity → INTERNAL.
    if (encoding === 'identity') {
      return new GrpcError(Status.INTERNAL, 'compressed flag set with identity or empty grpc-encoding');
    }
    const inflated = decompress(encoding, body, maxMessageSize);
    if (inflated instanceof FramingError) return statusFromFramingError(inflated);
    body = inflated;
  }
  try {
    return deserialize(body);
  } catch (e) {
    // doc/statuscodes.md: error parsing a message → INTERNAL.
    return new GrpcError(Status.INTERNAL, `failed to parse message: ${(e as Error).message}`);
  }
}
