// The liveness check of doc/keepalive.md, shared by client and server keepalive: send a PING and,
// if its ACK does not arrive within the timeout, treat the connection as dead and destroy it
// (PROTOCOL-HTTP2: calls then fail UNAVAILABLE on the client, CANCELLED on the server).

import type { Http2Session } from 'node:http2';

/** Pings `session`; `done(true)` once acknowledged, `done(false)` if it failed or was destroyed. Calls `done` once. */
export function pingOrDestroy(
  session: Http2Session,
  timeoutMs: number,
  who: string,
  done: (acked: boolean) => void,
): void {
  let settled = false;
  const finish = (acked: boolean): void => {
    if (settled) return;
    settled = true;
    clearTimeout(watchdog);
    session.off('close', onClose); // a long-lived session is pinged many times: leave no listener behind
    done(acked);
  };
  const onClose = (): void => finish(false);
  const watchdog = setTimeout(() => {
    session.destroy(new Error(`keepalive: no PING ACK from the ${who} within ${timeoutMs} ms`));
    finish(false);
  }, timeoutMs);
  watchdog.unref();
  session.once('close', onClose);
  try {
    if (!session.ping((error) => finish(!error))) finish(false);
  } catch {
    finish(false);
  }
}

/**
 * Destroys `session` once it is found dead after a silence: when no frame has come or gone for
 * `silentMs`, a PING asks the peer; no ACK within `timeoutMs` → destroyed, and its calls end.
 *
 * This is for a state node:http2 (Node 20) never reports: when the peer commits a connection error
 * that nghttp2 handles itself (DATA on stream 0, a bad HPACK index, …), nghttp2 sends GOAWAY and
 * stops reading, but the TCP connection stays open — though RFC 9113 §5.4.1 says "After sending
 * the GOAWAY frame for an error condition, the endpoint MUST close the TCP connection" — its
 * streams never close, and no event fires; even the peer closing its side goes unseen, since
 * nothing reads any more (test/server/dead-connection.test.ts shows it). Such a connection is
 * silent, and never answers a PING.
 */
export function destroyWhenSilentAndDead(
  session: Http2Session,
  silentMs: number,
  timeoutMs: number,
  who: string,
): void {
  if (!Number.isFinite(silentMs)) return;
  let probing = false;
  session.on('timeout', () => {
    if (probing || session.closed || session.destroyed) return;
    probing = true;
    pingOrDestroy(session, timeoutMs, who, (acked) => {
      probing = false;
      // The ACK need not count as activity for node's idle timer: arm it again.
      if (acked && !session.destroyed) session.setTimeout(silentMs);
    });
  });
  session.setTimeout(silentMs);
}
