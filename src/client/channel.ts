// A channel: one HTTP/2 connection to `host:port` that all calls share (one stream per call).
//
// The connection is made on the first call and made again on the next call after it died or
// received GOAWAY — calls already running on the old one are left to finish there.

import http2, { type ClientHttp2Session, type ClientHttp2Stream, type SecureClientSessionOptions } from 'node:http2';
import { DEFAULT_MAX_MESSAGE_SIZE, type Encoding } from '../../framing/index.js';
import { widenConnectionWindow } from '../protocol/flow-control.js';
import { pingOrDestroy } from '../protocol/keepalive-ping.js';
import { USER_AGENT } from '../version.js';
import { ClientKeepalive, type ClientKeepaliveOptions } from './keepalive.js';

export interface TlsOptions {
  /** Trusted CA certificates (PEM); default: the system's. */
  ca?: string | Buffer;
  /** Name checked against the server certificate (SNI); default: the target host. */
  serverName?: string;
}

export interface ChannelOptions {
  /** Connect with TLS (ALPN h2) instead of h2c. */
  tls?: TlsOptions | boolean;
  /** Largest response message accepted. Default 4 MiB. */
  maxReceiveMessageSize?: number;
  /** Largest request message sent. Default unlimited. */
  maxSendMessageSize?: number;
  /** HTTP/2 receive window per stream and per connection. Default 1 MiB. */
  initialWindowSize?: number;
  userAgent?: string;
  /** Compress request messages with this encoding (per call: CallOptions.compression). */
  compression?: Encoding;
  /** HTTP/2 PING keepalive (keepalive.ts); default off. */
  keepalive?: ClientKeepaliveOptions;
  /** Extra node:http2 connect options. */
  http2?: SecureClientSessionOptions;
}

export interface ResolvedChannelOptions {
  maxReceiveMessageSize: number;
  maxSendMessageSize: number;
  userAgent: string;
  compression: Encoding | undefined;
}

const DEFAULT_INITIAL_WINDOW_SIZE = 1024 * 1024;
/** How long a stream reset by its call may stay open before its connection is probed. */
const RESET_CLOSE_MS = 1000;

export class Channel {
  /** `host:port` as given. */
  readonly target: string;
  /** `:authority` of every request. */
  readonly authority: string;
  readonly scheme: 'http' | 'https';
  readonly options: ResolvedChannelOptions;
  private readonly connectOptions: SecureClientSessionOptions;
  private readonly windowSize: number;
  private readonly keepalive: ClientKeepalive;
  private current: ClientHttp2Session | undefined;
  private activeCalls = 0;
  private closed = false;
  /** Connections a PING is asking whether they are alive (streamReset). */
  private readonly probing = new WeakSet<ClientHttp2Session>();
  /** @internal The last connection error, named in UNAVAILABLE messages. */
  lastError: Error | undefined;

  constructor(target: string, options: ChannelOptions = {}) {
    this.target = target;
    this.authority = target;
    this.scheme = options.tls ? 'https' : 'http';
    this.windowSize = options.initialWindowSize ?? DEFAULT_INITIAL_WINDOW_SIZE;
    this.options = {
      maxReceiveMessageSize: options.maxReceiveMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
      maxSendMessageSize: options.maxSendMessageSize ?? Infinity,
      userAgent: options.userAgent ?? USER_AGENT,
      compression: options.compression,
    };
    this.keepalive = new ClientKeepalive(options.keepalive);
    const tls = typeof options.tls === 'object' ? options.tls : {};
    this.connectOptions = {
      ...options.http2,
      settings: { initialWindowSize: this.windowSize, enablePush: false, ...options.http2?.settings },
      ...(options.tls ? { ca: tls.ca, servername: tls.serverName, ALPNProtocols: ['h2'] } : {}),
    };
  }

  /** @internal The live connection, connecting first if there is none. The one place a connection is made. */
  session(): ClientHttp2Session {
    if (this.closed) throw new Error('channel is closed');
    const existing = this.current;
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(`${this.scheme}://${this.target}`, this.connectOptions);
    this.current = session;
    const forget = () => {
      if (this.current === session) this.current = undefined;
    };
    session.on('error', (error: Error) => {
      this.lastError = error;
      forget();
    });
    // GOAWAY: calls in flight finish on this connection; new calls go to a fresh one.
    session.on('goaway', forget);
    session.on('close', forget);
    widenConnectionWindow(session, this.windowSize);
    this.keepalive.attach(session, () => this.activeCalls > 0);
    if (this.activeCalls === 0) session.unref();
    return session;
  }

  /** @internal Calls keep the process alive while they run; an idle channel does not. */
  callStarted(): void {
    if (this.activeCalls++ === 0) this.current?.ref();
  }

  /** @internal */
  callEnded(): void {
    if (--this.activeCalls === 0) this.current?.unref();
  }

  /**
   * @internal A call reset `stream` (deadline, cancellation). On a live connection the stream then
   * closes at once; one that stays open means node:http2 no longer reads or writes there: after a
   * connection error that nghttp2 handles by itself (a bad HPACK index from the server, …) it sends
   * GOAWAY and stops, and no event tells (src/protocol/keepalive-ping.ts). A PING then decides: no
   * ACK within the keepalive timeout, and the connection is destroyed, which ends its calls with
   * UNAVAILABLE and sends the next calls to a new one.
   */
  streamReset(session: ClientHttp2Session, stream: ClientHttp2Stream): void {
    const probe = () => {
      // (Still connecting, the stream is waiting for its id: its RST_STREAM goes out once connected.)
      if (stream.destroyed || session.destroyed || session.connecting || this.probing.has(session)) return;
      this.probing.add(session);
      pingOrDestroy(session, this.keepalive.timeoutMs, 'server', (acked) => {
        this.probing.delete(session);
        if (!acked && !session.destroyed) session.destroy(new Error('the connection stopped: no PING ACK'));
      });
    };
    const timer = setTimeout(probe, RESET_CLOSE_MS);
    timer.unref();
    stream.once('close', () => clearTimeout(timer));
  }

  /** Closes the connection; calls in flight finish first. */
  close(): void {
    this.closed = true;
    this.current?.close();
    this.current = undefined;
  }
}
