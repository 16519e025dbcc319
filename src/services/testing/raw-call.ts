// One gRPC call made directly on node:http2, keeping what a client library hides: the Compressed-Flag
// of every response message. The server_compressed_* interop cases must assert that flag
// (doc/interop-test-descriptions.md: "determined by the compression bit in the response's message
// flags"), so they read the 5-byte prefixes themselves with the framing decoder.

import http2 from 'node:http2';
import { gunzipSync, inflateSync } from 'node:zlib';
import { encodeEnvelope, EnvelopeDecoder } from '../../../framing/index.js';
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
import { statusFromTrailers, type CallStatus } from '../../protocol/response-status.js';

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
  status: CallStatus;
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
}

const MAX_MESSAGE = 64 * 1024 * 1024;

function decompress(encoding: string, body: Buffer): Buffer {
  switch (encoding) {
    case 'gzip':
      return gunzipSync(body);
    case 'deflate':
      return inflateSync(body);
    default:
      // PROTOCOL-HTTP2: Compressed-Flag 1 with identity (or no) grpc-encoding is a protocol error.
      throw new Error(`compressed response message but grpc-encoding is "${encoding}"`);
  }
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
    const decoder = new EnvelopeDecoder(
      { message: (body, compressed) => flagged.push({ compressed, body: Buffer.from(body) }) },
      MAX_MESSAGE,
    );
    let trailers: http2.IncomingHttpHeaders = {};
    let framingError: Error | undefined;

    stream.on('response', (headers, flags) => {
      encoding = String(headers[HEADER_ENCODING] ?? 'identity');
      // Trailers-Only: the status is in this one HEADERS frame.
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) trailers = headers;
    });
    stream.on('trailers', (headers) => (trailers = headers));
    stream.on('data', (chunk: Buffer) => {
      framingError ??= decoder.push(chunk);
    });
    stream.on('error', () => {}); // reported through 'close'
    stream.on('close', () => {
      clearTimeout(timer);
      session.close();
      framingError ??= decoder.end();
      if (framingError) return reject(framingError);
      try {
        const messages = flagged.map((m) => ({
          compressed: m.compressed,
          body: m.compressed ? decompress(encoding, m.body) : m.body,
        }));
        resolve({ encoding, messages, status: statusFromTrailers(trailers) });
      } catch (error) {
        reject(error);
      }
    });
    for (const request of options.requests) stream.write(encodeEnvelope(request));
    stream.end();
  });
}
