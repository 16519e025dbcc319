// doc/http-grpc-status-mapping.md: a client that gets a response WITHOUT grpc-status derives the
// code from the HTTP status. Servers must not use this table to choose an HTTP status.

import { Status, type StatusCode } from './status.js';

export function codeFromHttpStatus(httpStatus: number): StatusCode {
  switch (httpStatus) {
    case 400: // Bad Request
      return Status.INTERNAL;
    case 401: // Unauthorized
      return Status.UNAUTHENTICATED;
    case 403: // Forbidden
      return Status.PERMISSION_DENIED;
    case 404: // Not Found
      return Status.UNIMPLEMENTED;
    case 429: // Too Many Requests
    case 502: // Bad Gateway
    case 503: // Service Unavailable
    case 504: // Gateway Timeout
      return Status.UNAVAILABLE;
    case 431: // Request Header Fields Too Large (the row others forget)
      return Status.INTERNAL;
    default: // all others, including 200 without grpc-status
      return Status.UNKNOWN;
  }
}
