// Custom-Metadata as it arrives (PROTOCOL-HTTP2 "Requests" / "Responses"), the same way on both sides:
//
// - reserved headers (`grpc-*`, pseudo and transport headers) are never metadata;
// - `-bin` values are base64, padded or not ("Implementations MUST accept padded and un-padded
//   values"), and duplicates may arrive joined with "," — so each value is split on "," first;
//   a value that is not base64 is malformed: INTERNAL, as grpc-go answers it;
// - ASCII values outside the printable range "must not error": they are kept as received.

import { GrpcError } from './grpc-error.js';
import { isReservedHeader } from './headers.js';
import { BASE64, Metadata, isBinaryKey, type MetadataValue } from './metadata.js';
import { Status } from './status.js';

/** Accepts padded and un-padded base64; undefined when the text is not base64. */
export function decodeBinaryValue(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}

function malformed(name: string): GrpcError {
  return new GrpcError(Status.INTERNAL, `malformed binary metadata: "${name}" is not base64`);
}

/** The custom metadata of incoming HTTP/2 headers (request headers, response headers or trailers). */
export function metadataFromHeaders(headers: Record<string, string | string[] | undefined>): Metadata | GrpcError {
  const metadata = new Metadata();
  for (const name in headers) {
    if (isReservedHeader(name)) continue;
    const raw = headers[name];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const list: MetadataValue[] = [];
    if (isBinaryKey(name)) {
      for (const joined of values) {
        for (const part of joined.split(',')) {
          const decoded = decodeBinaryValue(part.trim());
          if (decoded === undefined) return malformed(name);
          list.push(decoded);
        }
      }
    } else {
      for (const value of values) list.push(value.trim());
    }
    metadata.setReceived(name, list);
  }
  return metadata;
}

/**
 * Checks the `-bin` values of request headers without building Metadata: the server does this for
 * every call, and builds the Metadata only if the handler reads it. Takes node:http2's raw header
 * list — [name, value, name, value, …] — which costs nothing to walk (speed: part of (a) in
 * docs/benchmarks.md).
 */
export function checkBinaryHeaders(rawHeaders: readonly string[]): GrpcError | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (!isBinaryKey(name) || isReservedHeader(name)) continue;
    for (const part of rawHeaders[i + 1].split(',')) {
      if (!BASE64.test(part.trim())) return malformed(name);
    }
  }
  return undefined;
}
