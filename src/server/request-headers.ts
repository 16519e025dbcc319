// The HEADERS stage of a request (PROTOCOL-HTTP2 "Requests"): before any call exists, the request
// headers decide whether this is a gRPC call this server can take — method, content-type, path,
// grpc-timeout, binary metadata, grpc-encoding. A request that fails a check is answered here and
// never becomes a call: a bare HTTP status when it is not gRPC at all, else Trailers-Only with the
// status that says why.

import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { incomingEncoding, type Encoding } from '../protocol/compression.js';
import { CONTENT_TYPE_GRPC, grpcContentSubtype, responseContentType } from '../protocol/content-type.js';
import { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_GRPC_MESSAGE,
  HEADER_GRPC_STATUS,
  HEADER_METHOD,
  HEADER_PATH,
  HEADER_STATUS,
  HEADER_TIMEOUT,
} from '../protocol/headers.js';
import { checkBinaryHeaders } from '../protocol/incoming-metadata.js';
import { encodeStatusMessage } from '../protocol/status-message.js';
import { Status, type StatusCode } from '../protocol/status.js';
import { parseTimeout } from '../protocol/timeout.js';
import { respondHttpStatus, respondTrailersOnly, statusTrailers } from './call-engine.js';
import type { Route, Router } from './router.js';

/** @internal A request that passed every check: what its call starts from. */
export interface AcceptedRequest {
  route: Route;
  /** content-type of the response: the request's gRPC subtype. */
  contentType: string;
  /** Milliseconds until the deadline, from grpc-timeout; undefined for none. */
  timeoutMs: number | undefined;
  /** grpc-encoding of the request messages. */
  requestEncoding: Encoding;
}

/** @internal Checks the request headers of a new stream; answers and returns undefined when it is refused. */
export function acceptRequest(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  router: Router,
): AcceptedRequest | undefined {
  // PROTOCOL-HTTP2: gRPC requests are POSTs. Anything else is not a gRPC call: HTTP 405.
  if (headers[HEADER_METHOD] !== 'POST') {
    refuseHttp(stream, 405, Status.INTERNAL, `method ${headers[HEADER_METHOD]} not allowed: gRPC requires POST`);
    return undefined;
  }
  // PROTOCOL-HTTP2: a content-type not beginning with application/grpc gets HTTP 415.
  const contentType = headers[HEADER_CONTENT_TYPE];
  const subtype = grpcContentSubtype(contentType);
  if (subtype === undefined) {
    refuseHttp(stream, 415, Status.INVALID_ARGUMENT, `invalid gRPC request content-type "${contentType ?? ''}"`);
    return undefined;
  }
  const replyType = responseContentType(contentType!);
  const refuse = (status: GrpcError): undefined => {
    stream.resume(); // the request body is discarded
    respondTrailersOnly(stream, replyType, statusTrailers(status));
    return undefined;
  };
  const route = router.find(headers[HEADER_PATH] ?? '');
  if (route instanceof GrpcError) return refuse(route);
  if (subtype !== 'proto') {
    return refuse(new GrpcError(Status.UNIMPLEMENTED, `unsupported codec "${subtype}": this server speaks proto`));
  }
  let timeoutMs: number | undefined;
  const timeoutHeader = headers[HEADER_TIMEOUT];
  if (timeoutHeader !== undefined) {
    const parsed = parseTimeout(String(timeoutHeader)); // (a repeated header reads as "a,b": malformed)
    if (parsed instanceof GrpcError) return refuse(parsed);
    timeoutMs = parsed;
  }
  const badMetadata = checkBinaryHeaders(rawHeaders);
  if (badMetadata) return refuse(badMetadata);
  const requestEncoding = incomingEncoding(headers[HEADER_ENCODING]);
  if (requestEncoding instanceof GrpcError) return refuse(requestEncoding);
  return { route, contentType: replyType, timeoutMs, requestEncoding };
}

/**
 * Answers with a bare HTTP error status, plus grpc-status/grpc-message so that gRPC clients get a
 * precise reason (grpc-go does the same for 415; PROTOCOL-HTTP2 only requires the HTTP status; see
 * docs/spec-map.md, decisions).
 */
function refuseHttp(stream: ServerHttp2Stream, httpStatus: number, code: StatusCode, message: string): void {
  stream.resume();
  respondHttpStatus(stream, {
    [HEADER_STATUS]: httpStatus,
    [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC,
    [HEADER_GRPC_STATUS]: String(code),
    [HEADER_GRPC_MESSAGE]: encodeStatusMessage(message),
  });
}
