// Header names used by the gRPC protocol (PROTOCOL-HTTP2). Constants, never string literals at call sites.

export const HEADER_METHOD = ':method';
export const HEADER_PATH = ':path';
export const HEADER_SCHEME = ':scheme';
export const HEADER_AUTHORITY = ':authority';
export const HEADER_STATUS = ':status';

export const HEADER_CONTENT_TYPE = 'content-type';
export const HEADER_TE = 'te';
export const HEADER_USER_AGENT = 'user-agent';
export const HEADER_TIMEOUT = 'grpc-timeout';
export const HEADER_ENCODING = 'grpc-encoding';
export const HEADER_ACCEPT_ENCODING = 'grpc-accept-encoding';
export const HEADER_GRPC_STATUS = 'grpc-status';
export const HEADER_GRPC_MESSAGE = 'grpc-message';

/** `te: trailers` — required on requests, "used to detect incompatible proxies". */
export const TE_TRAILERS = 'trailers';

/**
 * Headers that are protocol, not application metadata: never surfaced to handlers or callers as
 * metadata, and never accepted from application metadata into a request or response.
 * (PROTOCOL-HTTP2 reserves `grpc-*`; grpc-go and grpc-js also strip these transport headers.)
 */
export function isReservedHeader(name: string): boolean {
  if (name.charCodeAt(0) === 58 /* ':' */) return true;
  if (name.startsWith('grpc-')) return true;
  switch (name) {
    case HEADER_CONTENT_TYPE:
    case HEADER_TE:
    case HEADER_USER_AGENT:
    case 'accept-encoding':
    case 'connection':
    case 'host':
    case 'transfer-encoding':
    case 'keep-alive':
    case 'upgrade':
    case 'proxy-connection':
      return true;
    default:
      return false;
  }
}
