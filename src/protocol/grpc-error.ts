// The one error type of the library: a status code, the message that travels as `grpc-message`,
// and trailer metadata, kept apart from the local cause (which never goes on the wire).

import { Metadata } from './metadata.js';
import { Status, statusName, type StatusCode } from './status.js';

export class GrpcError extends Error {
  readonly code: StatusCode;
  /** The status message exactly as sent or received in `grpc-message` (without the code prefix). */
  readonly details: string;
  /** Trailers (server → client) that travel with this status. */
  readonly metadata: Metadata;

  constructor(code: StatusCode, details: string, options: { metadata?: Metadata; cause?: unknown } = {}) {
    super(`${statusName(code)}: ${details}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GrpcError';
    this.code = code;
    this.details = details;
    this.metadata = options.metadata ?? new Metadata();
  }

  get codeName(): string {
    return statusName(this.code);
  }

  /** Wraps anything thrown by application code. A non-GrpcError becomes UNKNOWN with `fallback` as message. */
  static from(error: unknown, fallback: string): GrpcError {
    if (error instanceof GrpcError) return error;
    return new GrpcError(Status.UNKNOWN, fallback, { cause: error });
  }
}
