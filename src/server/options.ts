// Server defaults in one place; docs/spec-map.md ("Defaults") says what each one follows.

import type { SecureServerOptions, ServerOptions as Http2ServerOptions } from 'node:http2';
import { DEFAULT_MAX_MESSAGE_SIZE, type Encoding } from '../../framing/index.js';
import { SERVER_KEEPALIVE_DEFAULTS, type ResolvedServerKeepalive, type ServerKeepaliveOptions } from './keepalive.js';
import type { ServerTlsOptions } from './tls.js';

export interface ServerOptions {
  /** Largest request message accepted, checked from the prefix. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest response message sent. Default unlimited. */
  maxSendMessageSize?: number;
  /**
   * HTTP/2 receive window of each stream (SETTINGS_INITIAL_WINDOW_SIZE). Default 65,535 bytes, the
   * HTTP/2 default, as grpc-go: it is what a stream whose handler is not reading may still have in
   * flight, so it bounds the memory (and the garbage-collector work) a slow handler costs.
   */
  initialWindowSize?: number;
  /**
   * HTTP/2 receive window of the whole connection. Default 1 MiB: it starts at 64 KiB whatever
   * SETTINGS say (RFC 9113 §6.9.2), which would throttle all the streams of a connection together
   * (docs/spec-map.md, "Defaults").
   */
  connectionWindowSize?: number;
  /** Concurrent streams per connection; more get RST_STREAM REFUSED_STREAM (→ UNAVAILABLE). */
  maxConcurrentStreams?: number;
  /** Extra node:http2 server options (settings, ...). */
  http2?: Http2ServerOptions | SecureServerOptions;
  /** Serve over TLS (ALPN h2) with this certificate and key; default h2c. */
  tls?: ServerTlsOptions;
  /** HTTP/2 PING keepalive and ping policing (keepalive.ts); defaults as doc/keepalive.md's table. */
  keepalive?: ServerKeepaliveOptions;
  /** Compress response messages with this encoding when the client accepts it. Default: none. */
  compression?: Encoding;
  /** Receives errors thrown by handlers (the peer only sees a generic UNKNOWN). Default: console.error. */
  onHandlerError?: (error: unknown, path: string) => void;
}

export const DEFAULT_INITIAL_WINDOW_SIZE = 65_535;
export const DEFAULT_CONNECTION_WINDOW_SIZE = 1024 * 1024;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 1000;

export interface ResolvedServerOptions {
  maxReceiveMessageSize: number;
  maxSendMessageSize: number;
  initialWindowSize: number;
  connectionWindowSize: number;
  maxConcurrentStreams: number;
  http2: Http2ServerOptions | SecureServerOptions;
  tls: ServerTlsOptions | undefined;
  keepalive: ResolvedServerKeepalive;
  compression: Encoding | undefined;
  onHandlerError: (error: unknown, path: string) => void;
}

export function resolveServerOptions(options: ServerOptions = {}): ResolvedServerOptions {
  return {
    maxReceiveMessageSize: options.maxReceiveMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    maxSendMessageSize: options.maxSendMessageSize ?? Infinity,
    initialWindowSize: options.initialWindowSize ?? DEFAULT_INITIAL_WINDOW_SIZE,
    connectionWindowSize: options.connectionWindowSize ?? DEFAULT_CONNECTION_WINDOW_SIZE,
    maxConcurrentStreams: options.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    http2: options.http2 ?? {},
    tls: options.tls,
    keepalive: { ...SERVER_KEEPALIVE_DEFAULTS, ...options.keepalive },
    compression: options.compression,
    onHandlerError: options.onHandlerError ?? ((error, path) => console.error(`handler for ${path} failed:`, error)),
  };
}
