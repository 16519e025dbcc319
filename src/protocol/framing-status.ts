// Which status a framing failure ends the call with (doc/statuscodes.md).

import { FramingError } from '../../framing/index.js';
import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

export function statusFromFramingError(error: FramingError): GrpcError {
  switch (error.kind) {
    case 'too-large': // "Sent or received message larger than configured limit" → RESOURCE_EXHAUSTED
      return new GrpcError(Status.RESOURCE_EXHAUSTED, error.message);
    case 'bad-flag': // malformed prefix → INTERNAL (grpc-go "received unexpected payload format")
    case 'truncated': // the stream ended inside a message
    case 'compression': // "Can't decompress, algorithm supported" → INTERNAL
      return new GrpcError(Status.INTERNAL, error.message);
  }
}
