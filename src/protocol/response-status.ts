// How a client settles the status of a call from what the server sent (PROTOCOL-HTTP2 "Responses",
// doc/http-grpc-status-mapping.md):
//
//   1. grpc-status in the trailers, or in the only HEADERS frame (Trailers-Only);
//   2. otherwise a non-200 HTTP status maps through the HTTP → gRPC table;
//   3. otherwise (200 without grpc-status) the status is missing → INTERNAL.
// A non-gRPC content-type on a 200 response is UNKNOWN: something other than a gRPC server answered.

import type { IncomingHttpHeaders } from 'node:http2';
import { grpcContentSubtype } from './content-type.js';
import { HEADER_CONTENT_TYPE, HEADER_GRPC_MESSAGE, HEADER_GRPC_STATUS, HEADER_STATUS } from './headers.js';
import { codeFromHttpStatus } from './http-status.js';
import { Metadata } from './metadata.js';
import { decodeStatusMessage } from './status-message.js';
import { Status, parseStatusCode, type StatusCode } from './status.js';

export interface CallStatus {
  code: StatusCode;
  details: string;
  metadata: Metadata;
}

/** Checks response headers before any message is read; returns a failure status, or undefined if they are fine. */
export function checkResponseHeaders(headers: IncomingHttpHeaders): CallStatus | undefined {
  const httpStatus = Number(headers[HEADER_STATUS]);
  if (httpStatus !== 200) {
    if (headers[HEADER_GRPC_STATUS] !== undefined) return undefined; // grpc-status wins over the HTTP status
    return {
      code: codeFromHttpStatus(httpStatus),
      details: `received HTTP status ${httpStatus} without grpc-status`,
      metadata: new Metadata(),
    };
  }
  const contentType = headers[HEADER_CONTENT_TYPE];
  if (grpcContentSubtype(contentType) === undefined && headers[HEADER_GRPC_STATUS] === undefined) {
    return {
      code: Status.UNKNOWN,
      details: `invalid content-type "${contentType ?? ''}" in response: not a gRPC server`,
      metadata: new Metadata(),
    };
  }
  return undefined;
}

/** The status carried by a trailer block (or the Trailers-Only headers). */
export function statusFromTrailers(trailers: IncomingHttpHeaders): CallStatus {
  const raw = trailers[HEADER_GRPC_STATUS];
  const metadata = Metadata.fromHeaders(trailers);
  if (typeof metadata === 'string') return { code: Status.INTERNAL, details: metadata, metadata: new Metadata() };
  if (raw === undefined) {
    return { code: Status.INTERNAL, details: 'protocol error: the response ended without grpc-status', metadata };
  }
  const code = parseStatusCode(String(raw));
  const message = trailers[HEADER_GRPC_MESSAGE];
  const details = message === undefined ? '' : decodeStatusMessage(String(message));
  // doc/statuscodes.md: "Error parsing returned status" → UNKNOWN.
  if (code === undefined)
    return { code: Status.UNKNOWN, details: `invalid grpc-status "${raw}": ${details}`, metadata };
  return { code, details, metadata };
}
