// How a server response is sent and how it ends (PROTOCOL-HTTP2 "Responses"): the respond()
// options, the Trailers block, Trailers-Only, a bare HTTP error, and the RST_STREAM NO_ERROR that
// follows an early end.

import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { CONTENT_TYPE_GRPC } from '../protocol/content-type.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_GRPC_MESSAGE,
  HEADER_GRPC_STATUS,
  HEADER_STATUS,
} from '../protocol/headers.js';
import { ACCEPT_ENCODING } from '../protocol/compression.js';
import type { Metadata } from '../protocol/metadata.js';
import { encodeStatusMessage } from '../protocol/status-message.js';
import { Status, type StatusCode } from '../protocol/status.js';

/** A block of response headers or trailers, as node:http2 takes it. */
export type ResponseHeaders = OutgoingHttpHeaders;

// Every response of this server goes out without a Date header: gRPC has no use for it (grpc-go
// sends none), and node:http2 would add one to each response.
/** respond() options for a response whose messages and trailers follow. */
export const RESPOND_WITH_TRAILERS = Object.freeze({ waitForTrailers: true, sendDate: false });
/** respond() options for a response that is complete in its one HEADERS frame. */
const RESPOND_AND_END = Object.freeze({ endStream: true, sendDate: false });

/**
 * The trailers of most successful calls, shared (node:http2 only reads them). Speed only: see
 * PLAIN_RESPONSE_HEADERS in call-engine.ts.
 */
const OK_TRAILERS: ResponseHeaders = Object.freeze({ [HEADER_GRPC_STATUS]: String(Status.OK) });

/** PROTOCOL-HTTP2 Trailers: custom metadata, then `grpc-status` (always, even OK) and `grpc-message`. */
export function statusTrailers(
  status: GrpcError | undefined,
  trailers?: Metadata,
  headers?: Metadata,
): ResponseHeaders {
  if (status === undefined && !trailers?.size && !headers?.size) return OK_TRAILERS;
  const out: ResponseHeaders = {};
  headers?.writeTo(out); // Trailers-Only: response header metadata travels in the same block
  trailers?.writeTo(out);
  if (status) status.metadata.writeTo(out);
  out[HEADER_GRPC_STATUS] = String(status?.code ?? Status.OK);
  if (status?.details) out[HEADER_GRPC_MESSAGE] = encodeStatusMessage(status.details);
  return out;
}

/**
 * PROTOCOL-HTTP2 Trailers-Only: `:status 200`, content-type and the trailers in ONE HEADERS frame
 * with END_STREAM — for calls that fail before sending anything.
 */
export function respondTrailersOnly(stream: ServerHttp2Stream, contentType: string, trailers: ResponseHeaders): void {
  if (stream.headersSent || stream.destroyed || stream.closed) return;
  const headers = {
    [HEADER_STATUS]: 200,
    [HEADER_CONTENT_TYPE]: contentType,
    [HEADER_ACCEPT_ENCODING]: ACCEPT_ENCODING, // doc/compression.md: what this server can decode
    ...trailers,
  };
  stream.respond(headers, RESPOND_AND_END);
  closeAfterResponse(stream);
}

/** Refuses a request at the HEADERS stage, before any call exists; the request body is discarded. */
export function refuseCall(stream: ServerHttp2Stream, contentType: string, status: GrpcError): void {
  stream.resume();
  respondTrailersOnly(stream, contentType, statusTrailers(status));
}

/**
 * Answers with a bare HTTP error status, plus grpc-status/grpc-message so that gRPC clients get a
 * precise reason (grpc-go does the same for 415; PROTOCOL-HTTP2 only requires the HTTP status; see
 * docs/spec-map.md, decisions).
 */
export function respondHttpError(
  stream: ServerHttp2Stream,
  httpStatus: number,
  code: StatusCode,
  message: string,
): void {
  if (stream.headersSent || stream.destroyed || stream.closed) return;
  stream.resume();
  stream.respond(
    {
      [HEADER_STATUS]: httpStatus,
      [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC,
      [HEADER_GRPC_STATUS]: String(code),
      [HEADER_GRPC_MESSAGE]: encodeStatusMessage(message),
    },
    RESPOND_AND_END,
  );
  closeAfterResponse(stream);
}

/**
 * PROTOCOL-HTTP2 "Early server closure": when the server ends a call before the client finished
 * sending, it "should send RST_STREAM with NO_ERROR immediately following that HEADERS frame", so the
 * client stops sending and no flow-control window stays tied up in a stream nobody reads.
 */
export function closeAfterResponse(stream: ServerHttp2Stream): void {
  if (stream.destroyed || stream.closed) return;
  if (stream.state?.remoteClose === 1 || stream.readableEnded) return;
  stream.close(constants.NGHTTP2_NO_ERROR);
}

/**
 * closeAfterResponse for the Trailers path, called from 'wantTrailers' right after sendTrailers().
 * The reset waits one turn of the event loop: Node submits the trailers while it is still writing
 * the stream's last DATA, and a RST_STREAM submitted in that same turn makes nghttp2 drop the
 * queued trailers — the client would then see a bare RST_STREAM NO_ERROR and no status.
 */
export function closeAfterTrailers(stream: ServerHttp2Stream): void {
  if (stream.readableEnded) return; // the client finished sending: nothing to reset
  setImmediate(closeAfterResponse, stream);
}
