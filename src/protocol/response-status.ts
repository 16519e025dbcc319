// How a client settles the status of a call from what the server sent (PROTOCOL-HTTP2 "Responses",
// doc/http-grpc-status-mapping.md):
//
//   1. grpc-status in the trailers, or in the only HEADERS frame (Trailers-Only);
//   2. otherwise a non-200 HTTP status maps through the HTTP → gRPC table;
//   3. otherwise (200 without grpc-status) the status is missing → INTERNAL.
// A non-gRPC content-type on a 200 response is UNKNOWN: something other than a gRPC server answered.

import type { IncomingHttpHeaders } from 'node:http2';
import { grpcContentSubtype } from './content-type.js';
import { GrpcError } from './grpc-error.js';
import { HEADER_CONTENT_TYPE, HEADER_GRPC_MESSAGE, HEADER_GRPC_STATUS, HEADER_STATUS } from './headers.js';
import { codeFromHttpStatus } from './http-status.js';
import { metadataFromHeaders } from './incoming-metadata.js';
import type { Metadata } from './metadata.js';
import { decodeStatusMessage } from './status-message.js';
import { Status, parseStatusCode } from './status.js';

/**
 * Checks response headers before any message is read: the error the call fails with, or the
 * response header metadata when they are fine.
 */
export function parseResponseHeaders(headers: IncomingHttpHeaders): Metadata | GrpcError {
  const httpStatus = Number(headers[HEADER_STATUS]);
  const hasStatus = headers[HEADER_GRPC_STATUS] !== undefined; // grpc-status wins over the HTTP status
  if (httpStatus !== 200 && !hasStatus) {
    return new GrpcError(codeFromHttpStatus(httpStatus), `received HTTP status ${httpStatus} without grpc-status`);
  }
  const contentType = headers[HEADER_CONTENT_TYPE];
  if (httpStatus === 200 && grpcContentSubtype(contentType) === undefined && !hasStatus) {
    return new GrpcError(Status.UNKNOWN, `invalid content-type "${contentType ?? ''}" in response: not a gRPC server`);
  }
  return metadataFromHeaders(headers);
}

/**
 * The outcome a trailer block (or the Trailers-Only headers) carries: its metadata when grpc-status
 * is 0 (OK), else the GrpcError with that code, message and metadata.
 */
export function parseTrailers(trailers: IncomingHttpHeaders): Metadata | GrpcError {
  const metadata = metadataFromHeaders(trailers);
  if (metadata instanceof GrpcError) return metadata;
  const raw = trailers[HEADER_GRPC_STATUS];
  if (raw === undefined) {
    return new GrpcError(Status.INTERNAL, 'protocol error: the response ended without grpc-status', { metadata });
  }
  const code = parseStatusCode(String(raw));
  const message = trailers[HEADER_GRPC_MESSAGE];
  const details = message === undefined ? '' : decodeStatusMessage(String(message));
  // doc/statuscodes.md: "Error parsing returned status" → UNKNOWN.
  if (code === undefined)
    return new GrpcError(Status.UNKNOWN, `invalid grpc-status "${String(raw)}": ${details}`, { metadata });
  if (code === Status.OK) return metadata;
  return new GrpcError(code, details, { metadata });
}
