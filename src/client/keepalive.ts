// Client keepalive (doc/keepalive.md): while calls are running (or always, with `permitWithoutCalls`), a PING every
// `timeMs`; no ACK within `timeoutMs` → the connection is destroyed and its calls fail with
// UNAVAILABLE (PROTOCOL-HTTP2: client-side ping timeout → UNAVAILABLE). Disabled by default, as in
// doc/keepalive.md's defaults table.
//
// gRFC A8 (A8-client-side-keepalive.md): a GOAWAY ENHANCE_YOUR_CALM with debug data "too_many_pings" means the server polices pings
// more strictly than we send them: log it and double the interval for the next connections.

import { constants, type ClientHttp2Session } from 'node:http2';
import { pingOrDestroy } from '../protocol/keepalive-ping.js';

export interface ClientKeepaliveOptions {
  /** Interval between keepalive PINGs. Default: disabled (Infinity). */
  timeMs?: number;
  /** How long a PING may wait for its ACK before the connection counts as dead. Default 20 s. */
  timeoutMs?: number;
  /** Ping even with no call running (servers police this: default 5 min minimum). Default false. */
  permitWithoutCalls?: boolean;
}

/** @internal */
export class ClientKeepalive {
  /** The current interval; doubled on each too_many_pings GOAWAY (A8). */
  timeMs: number;
  readonly timeoutMs: number;
  readonly permitWithoutCalls: boolean;

  constructor(options: ClientKeepaliveOptions = {}) {
    this.timeMs = options.timeMs ?? Infinity;
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.permitWithoutCalls = options.permitWithoutCalls ?? false;
  }

  /** Keeps `session` under watch until it closes; `hasCalls` says whether any call is running. */
  attach(session: ClientHttp2Session, hasCalls: () => boolean): void {
    session.on('goaway', (code: number, _lastStreamId: number, debug?: Buffer) => {
      if (code === constants.NGHTTP2_ENHANCE_YOUR_CALM && debug?.toString() === 'too_many_pings') {
        this.timeMs *= 2;
        process.emitWarning(`server sent GOAWAY too_many_pings: keepalive interval raised to ${this.timeMs} ms`);
      }
    });
    if (!Number.isFinite(this.timeMs)) return;
    let timer: NodeJS.Timeout | undefined;
    let draining = false;
    const schedule = () => {
      if (draining || session.closed || session.destroyed || !Number.isFinite(this.timeMs)) return;
      timer = setTimeout(tick, this.timeMs);
      timer.unref();
    };
    const tick = () => {
      if (!hasCalls() && !this.permitWithoutCalls) return schedule();
      pingOrDestroy(session, this.timeoutMs, 'server', (acked) => {
        if (acked) schedule();
      });
    };
    session.once('connect', schedule);
    // No keepalive PINGs on a connection that is draining after GOAWAY: it carries no new calls.
    session.once('goaway', () => {
      draining = true;
      clearTimeout(timer);
    });
    session.once('close', () => clearTimeout(timer));
  }
}
