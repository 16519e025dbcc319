// One gRPC call made directly on node:http2, keeping what a client library hides: the Compressed-Flag
// of every response message. The server_compressed_* interop cases must assert that flag
// (doc/interop-test-descriptions.md: "determined by the compression bit in the response's message
// flags"), so they read the 5-byte prefixes themselves with the framing decoder.

import http2 from 'node:http2';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  decompress,
  encodeEnvelope,
  EnvelopeDecoder,
  FramingError,
  isSupportedEncoding,
} from '../../../framing/index.js';
import { statusFromFramingError } from '../../protocol/framing-status.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import { CONTENT_TYPE_GRPC } from '../../protocol/content-type.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_METHOD,
  HEADER_PATH,
  HEADER_TE,
  TE_TRAILERS,
} from '../../protocol/headers.js';
import { parseTrailers } from '../../protocol/response-status.js';
import { Status } from '../../protocol/status.js';

export interface RawMessage {
  /** Compressed-Flag of the message prefix. */
  compressed: boolean;
  /** The message, decompressed with the response's grpc-encoding when flagged. */
  body: Buffer;
}

export interface RawCallResult {
  /** grpc-encoding of the response headers ("identity" when absent). */
  encoding: string;
  messages: RawMessage[];
  /** The status the call failed with; undefined for OK. */
  failure: GrpcError | undefined;
}

export interface RawCallOptions {
  /** `http://host:port` or `https://host:port`. */
  origin: string;
  path: string;
  /** Serialized request messages, sent uncompressed. */
  requests: Uint8Array[];
  /** grpc-accept-encoding of the request: the encodings the caller can read. */
  acceptEncoding?: string;
  timeoutMs?: number;
  connectOptions?: http2.SecureClientSessionOptions;
  /** Largest response message accepted, before and after inflating. Default 4 MiB. */
  maxMessageSize?: number;
}

/** A compressed body inflated within the size limit, or the GrpcError of our client's parser. */
function inflate(encoding: string, body: Buffer, maxMessageSize: number): Buffer | GrpcError {
  // PROTOCOL-HTTP2: Compressed-Flag 1 with identity (or no) grpc-encoding is a protocol error.
  if (encoding === 'identity' || !isSupportedEncoding(encoding)) {
    return new GrpcError(Status.INTERNAL, `compressed response message but grpc-encoding is "${encoding}"`);
  }
  const inflated = decompress(encoding, body, maxMessageSize);
  return inflated instanceof FramingError ? statusFromFramingError(inflated) : inflated;
}

export function rawCall(options: RawCallOptions): Promise<RawCallResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(options.origin, options.connectOptions);
    const fail = (error: Error) => {
      session.destroy();
      reject(error);
    };
    session.on('error', fail);
    const stream = session.request({
      [HEADER_METHOD]: 'POST',
      [HEADER_PATH]: options.path,
      [HEADER_CONTENT_TYPE]: CONTENT_TYPE_GRPC,
      [HEADER_TE]: TE_TRAILERS,
      ...(options.acceptEncoding ? { [HEADER_ACCEPT_ENCODING]: options.acceptEncoding } : {}),
    });
    const timer = setTimeout(
      () => fail(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs ?? 10_000,
    );
    let encoding = 'identity';
    const flagged: RawMessage[] = [];
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    const decoder = new EnvelopeDecoder(
      { message: (body, compressed) => flagged.push({ compressed, body: Buffer.from(body) }) },
      maxMessageSize,
    );
    let trailers: http2.IncomingHttpHeaders = {};
    let framingError: FramingError | undefined;

    stream.on('response', (headers, flags) => {
      encoding = String(headers[HEADER_ENCODING] ?? 'identity');
      // Trailers-Only: the status is in this one HEADERS frame.
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) trailers = headers;
    });
    stream.on('trailers', (headers: http2.IncomingHttpHeaders) => {
      trailers = headers;
    });
    stream.on('data', (chunk: Buffer) => {
      framingError ??= decoder.push(chunk);
    });
    stream.on('error', () => {}); // reported through 'close'
    stream.on('close', () => {
      clearTimeout(timer);
      session.close();
      framingError ??= decoder.end();
      if (framingError) return reject(statusFromFramingError(framingError));
      const messages: RawMessage[] = [];
      for (const { compressed, body } of flagged) {
        const inflated = compressed ? inflate(encoding, body, maxMessageSize) : body;
        if (inflated instanceof GrpcError) return reject(inflated);
        messages.push({ compressed, body: inflated });
      }
      const outcome = parseTrailers(trailers);
      resolve({ encoding, messages, failure: outcome instanceof GrpcError ? outcome : undefined });
    });
    for (const request of options.requests) stream.write(encodeEnvelope(request));
    stream.end();
  });
}
