// Compression negotiation (doc/compression.md, PROTOCOL-HTTP2 "Message-Encoding"):
//
// - grpc-encoding names the algorithm of the messages whose Compressed-Flag is 1;
// - grpc-accept-encoding lists what the sender can decode;
// - a request in an encoding the server does not support → UNIMPLEMENTED, and the response carries
//   grpc-accept-encoding listing what it supports;
// - Compressed-Flag 1 with no (or identity) grpc-encoding → INTERNAL.

import { SUPPORTED_ENCODINGS, isSupportedEncoding, type Encoding } from '../../framing/index.js';
import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

export { isSupportedEncoding, type Encoding };

/** Value of our grpc-accept-encoding header. */
export const ACCEPT_ENCODING = SUPPORTED_ENCODINGS.join(',');

/** Does a peer's grpc-accept-encoding list `encoding`? (identity is always accepted.) */
export function acceptsEncoding(acceptEncoding: string | string[] | undefined, encoding: Encoding): boolean {
  if (encoding === 'identity') return true;
  if (acceptEncoding === undefined) return false;
  const list = Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding;
  return list.split(',').some((name) => name.trim() === encoding);
}

/** The encoding of incoming messages named by a grpc-encoding header, or the UNIMPLEMENTED error. */
export function incomingEncoding(value: string | string[] | undefined): Encoding | GrpcError {
  const name = (Array.isArray(value) ? value[0] : value)?.trim() || 'identity';
  if (isSupportedEncoding(name)) return name;
  // doc/compression.md: the response MUST include grpc-accept-encoding (every server response carries
  // ACCEPT_ENCODING), which does not list the rejected algorithm.
  return new GrpcError(
    Status.UNIMPLEMENTED,
    `unknown compression "${name}": supported encodings are ${SUPPORTED_ENCODINGS.join(', ')}`,
  );
}

/**
 * The encoding for messages sent to a peer: ours if the peer accepts it, else identity
 * (doc/compression.md: never compress with an algorithm the peer did not list).
 */
export function outgoingEncoding(
  wanted: Encoding | undefined,
  acceptEncoding: string | string[] | undefined,
): Encoding {
  return wanted && acceptsEncoding(acceptEncoding, wanted) ? wanted : 'identity';
}
