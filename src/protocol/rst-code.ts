// PROTOCOL-HTTP2 "Errors": the gRPC status a call ends with when its stream is reset with an HTTP/2
// error code (RST_STREAM, or GOAWAY for the streams it covers).

import { Status, type StatusCode } from './status.js';

/** HTTP/2 error codes (RFC 9113 §7), by number. */
export const Http2Code = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

const NAMES = Object.keys(Http2Code);

export function http2CodeName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16)}`;
}

export function codeFromRstCode(rstCode: number): StatusCode {
  switch (rstCode) {
    case Http2Code.REFUSED_STREAM: // no processing occurred: safe to retry
      return Status.UNAVAILABLE;
    case Http2Code.CANCEL:
      return Status.CANCELLED;
    case Http2Code.ENHANCE_YOUR_CALM: // resource = bandwidth
      return Status.RESOURCE_EXHAUSTED;
    case Http2Code.INADEQUATE_SECURITY:
      return Status.PERMISSION_DENIED;
    default: // NO_ERROR (a status should have been sent), PROTOCOL_ERROR, INTERNAL_ERROR, ...
      return Status.INTERNAL;
  }
}
