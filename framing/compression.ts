// Message compression codecs (doc/compression.md): identity, gzip, deflate — via node:zlib.
//
// PROTOCOL-HTTP2: "Compression contexts are NOT maintained over message boundaries": every message
// is (de)compressed on its own. `deflate` is the zlib format (RFC 1950), as grpc-go and grpc-js use.
//
// The receive limit applies to the inflated size too: inflation stops as soon as the output passes
// it, so a small "zip bomb" is refused without being inflated whole (docs/spec-map.md, message size
// limits).

import zlib from 'node:zlib';
import { FramingError } from './errors.js';

export type Encoding = 'identity' | 'gzip' | 'deflate';

/** What we can decode, best first; advertised in grpc-accept-encoding. */
export const SUPPORTED_ENCODINGS: readonly Encoding[] = ['gzip', 'deflate', 'identity'];

export function isSupportedEncoding(name: string): name is Encoding {
  return name === 'identity' || name === 'gzip' || name === 'deflate';
}

export function compress(encoding: Encoding, body: Uint8Array): Buffer {
  switch (encoding) {
    case 'gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'identity':
      return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}

/** Inflates one message body, refusing output larger than `maxSize`. Returns an error instead of throwing. */
export function decompress(encoding: Encoding, body: Buffer, maxSize: number): Buffer | FramingError {
  if (encoding === 'identity') return body;
  // One byte more than the limit: output that reaches it is too large, and inflation stops there.
  const options = { maxOutputLength: Math.max(1, maxSize + 1) };
  let out: Buffer;
  try {
    out = encoding === 'gzip' ? zlib.gunzipSync(body, options) : zlib.inflateSync(body, options);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(maxSize);
    return new FramingError('compression', `could not decompress a ${encoding} message: ${(e as Error).message}`);
  }
  return out.length > maxSize ? tooLarge(maxSize) : out;
}

function tooLarge(maxSize: number): FramingError {
  return new FramingError(
    'too-large',
    `Received message larger than max (more than ${maxSize} bytes once decompressed vs. ${maxSize})`,
  );
}
