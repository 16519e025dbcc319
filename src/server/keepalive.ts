// Server keepalive (doc/keepalive.md), per connection:
//   - liveness: a PING every `timeMs`; no ACK within `timeoutMs` → the connection is closed and its
//     calls are cancelled (PROTOCOL-HTTP2: server-side ping timeout → CANCELLED);
//   - ping policing: a client PING sooner than `minPingIntervalMs` after the previous one (or, with
//     no call running and `permitWithoutCalls` false, within 2 h) is a strike, unless the server sent
//     data since; more than `maxPingStrikes` strikes → GOAWAY ENHANCE_YOUR_CALM "too_many_pings",
//     then the connection is closed (doc/keepalive.md and its defaults table);
//   - a connection silent for `silenceProbeMs` is pinged, and closed when it does not answer (it is
//     one that node:http2 failed to close after a connection error).

import { constants, type Http2Session } from 'node:http2';
import { destroyWhenSilentAndDead, pingOrDestroy } from '../protocol/keepalive-ping.js';

export interface ServerKeepaliveOptions {
  /** Interval of the server's own PINGs. Default 2 h (doc/keepalive.md). */
  timeMs?: number;
  /** How long a PING may wait for its ACK before the connection counts as dead. Default 20 s. */
  timeoutMs?: number;
  /** Smallest interval allowed between client PINGs. Default 5 min. */
  minPingIntervalMs?: number;
  /** Allow client PINGs while no call is running (still at most one per `minPingIntervalMs`). Default false. */
  permitWithoutCalls?: boolean;
  /** Strikes tolerated before GOAWAY too_many_pings. Default 2. */
  maxPingStrikes?: number;
  /**
   * A connection with no frame in or out for this long gets a PING, and is closed if it does not
   * answer within `timeoutMs`: it finds the connections node:http2 leaves open after a connection
   * error (destroyWhenSilentAndDead in src/protocol/keepalive-ping.ts). Default 30 s.
   */
  silenceProbeMs?: number;
}

export type ResolvedServerKeepalive = Required<ServerKeepaliveOptions>;

export const SERVER_KEEPALIVE_DEFAULTS: ResolvedServerKeepalive = {
  timeMs: 2 * 60 * 60 * 1000,
  timeoutMs: 20_000,
  minPingIntervalMs: 5 * 60 * 1000,
  permitWithoutCalls: false,
  maxPingStrikes: 2,
  silenceProbeMs: 30_000,
};

/** With no call running and pings not permitted, any ping within this long of the last is a strike. */
const IDLE_PING_INTERVAL_MS = 2 * 60 * 60 * 1000;
/** A PING ACK frame: 9-byte frame header + 8-byte payload. */
const PING_ACK_BYTES = 17;
/** Time given to GOAWAY too_many_pings to reach the wire before the connection is closed. */
const GOAWAY_FLUSH_MS = 50;

/**
 * @internal Applies the keepalive policy to one server session until it closes. `hasActiveCalls` is asked
 * only when a PING could be a strike (no data sent since the last one), so counting calls costs
 * nothing per call.
 */
export function keepSessionAlive(
  session: Http2Session,
  options: ResolvedServerKeepalive,
  hasActiveCalls: () => boolean,
): void {
  // Liveness: ping, and give up on the connection when the ACK does not come.
  let pinging = false;
  const pinger = Number.isFinite(options.timeMs)
    ? setInterval(() => {
        if (pinging || session.closed || session.destroyed) return;
        pinging = true;
        pingOrDestroy(session, options.timeoutMs, 'client', () => (pinging = false));
      }, options.timeMs)
    : undefined;
  pinger?.unref();

  // Policing: Node answers PINGs itself and reports each received one with the 'ping' event.
  let strikes = 0;
  let lastPingAt: number | undefined;
  let bytesWrittenAtLastPing = 0;
  session.on('ping', () => {
    const now = Date.now();
    // grpc-go resets the strikes whenever the server sends HEADERS or DATA. Node reports no frame
    // writes, so bytes written beyond our PING ACKs stand for "the server sent something"
    // (docs/spec-map.md, decisions).
    const written = session.socket?.bytesWritten ?? 0;
    const sentData = written - bytesWrittenAtLastPing > PING_ACK_BYTES;
    bytesWrittenAtLastPing = written + PING_ACK_BYTES;
    if (sentData) {
      strikes = 0;
      lastPingAt = now;
      return;
    }
    if (lastPingAt !== undefined) {
      const idle = !options.permitWithoutCalls && !hasActiveCalls();
      const allowed = idle ? IDLE_PING_INTERVAL_MS : options.minPingIntervalMs;
      if (now - lastPingAt < allowed) strikes++;
    }
    lastPingAt = now;
    if (strikes > options.maxPingStrikes) tooManyPings(session);
  });

  session.once('close', () => clearInterval(pinger));

  // A connection that nghttp2 ended with a connection error stays open and silent: find it.
  destroyWhenSilentAndDead(session, options.silenceProbeMs, options.timeoutMs, 'client');
}

function tooManyPings(session: Http2Session): void {
  if (session.closed || session.destroyed) return;
  // RFC 9113 §6.8: the last stream id is the highest one this side processed; calls on it may finish.
  // (node:http2 takes 0 to mean the same; it is named here for the reader.)
  const lastStreamId = session.state.lastProcStreamID ?? 0;
  session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, lastStreamId, Buffer.from('too_many_pings'));
  setTimeout(() => session.destroy(), GOAWAY_FLUSH_MS).unref();
}
