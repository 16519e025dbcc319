// The HTTP/2 server: h2c, or TLS with ALPN "h2" only. Everything after the connection is the same code.
//
// RFC 9113 §3.2: HTTP/2 over TLS is negotiated with ALPN "h2"; there is no HTTP/1.1 fallback. A
// client that offers only other protocols gets the TLS alert no_application_protocol; a client that
// offers no ALPN at all is answered with a plain HTTP/1.1 505 that says why, then disconnected.

import http2, {
  type Http2SecureServer,
  type Http2Server,
  type SecureServerOptions,
  type ServerOptions,
} from 'node:http2';
import type { Socket } from 'node:net';

export interface ServerTlsOptions {
  /** Certificate chain (PEM). */
  cert: string | Buffer;
  /** Private key (PEM). */
  key: string | Buffer;
  /** CA certificates to verify client certificates with; with `requestClientCert`, mutual TLS. */
  ca?: string | Buffer;
  requestClientCert?: boolean;
}

const NO_H2_BODY = 'this is a gRPC server: it speaks HTTP/2 only (TLS ALPN "h2")\n';
const NO_H2_RESPONSE =
  'HTTP/1.1 505 HTTP Version Not Supported\r\nconnection: close\r\ncontent-type: text/plain\r\n' +
  `content-length: ${Buffer.byteLength(NO_H2_BODY)}\r\n\r\n${NO_H2_BODY}`;

export function createHttp2Server(
  tls: ServerTlsOptions | undefined,
  options: ServerOptions,
): Http2Server | Http2SecureServer {
  if (!tls) return http2.createServer(options);
  const secure: SecureServerOptions = {
    ...options,
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: tls.requestClientCert ?? false,
    rejectUnauthorized: tls.requestClientCert ?? false,
    ALPNProtocols: ['h2'],
    allowHTTP1: false,
  };
  const server = http2.createSecureServer(secure);
  // A TLS client that did not ask for h2 (no ALPN): tell it in HTTP/1.1, the only thing it may read.
  server.on('unknownProtocol', (socket: Socket) => {
    socket.on('error', () => {}); // the client may be gone before the answer is written: nobody to tell
    // Nothing reads this socket any more: close it once the answer is flushed.
    socket.end(NO_H2_RESPONSE, () => socket.destroy());
  });
  return server;
}
