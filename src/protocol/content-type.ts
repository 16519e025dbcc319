// content-type (PROTOCOL-HTTP2 "Requests", Appendix A):
//   "application/grpc" [("+proto" / "+json" / {custom})]
// Plain application/grpc means protobuf. A request whose content-type does not begin with
// application/grpc gets HTTP 415 (see the server's early checks).

export const CONTENT_TYPE_GRPC = 'application/grpc';
export const CONTENT_TYPE_GRPC_PROTO = 'application/grpc+proto';

/**
 * The codec subtype named by a content-type: "proto" for `application/grpc` and
 * `application/grpc+proto` (parameters such as `; charset=...` ignored), another name for
 * `application/grpc+name`, undefined when it is not a gRPC content-type at all.
 */
export function grpcContentSubtype(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  if (contentType === CONTENT_TYPE_GRPC || contentType === CONTENT_TYPE_GRPC_PROTO) return 'proto'; // the usual case
  const semi = contentType.indexOf(';');
  const base = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (base === CONTENT_TYPE_GRPC) return 'proto';
  if (!base.startsWith(CONTENT_TYPE_GRPC + '+')) return undefined;
  const subtype = base.slice(CONTENT_TYPE_GRPC.length + 1);
  return subtype === '' ? undefined : subtype;
}

/** The response content-type: echoes the request's form (grpc-go, connect-es). */
export function responseContentType(requestContentType: string): string {
  return requestContentType.startsWith(CONTENT_TYPE_GRPC_PROTO) ? CONTENT_TYPE_GRPC_PROTO : CONTENT_TYPE_GRPC;
}
