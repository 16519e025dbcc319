// The liveness check of doc/keepalive.md, shared by client and server keepalive: send a PING and,
// if its ACK does not arrive within the timeout, treat the connection as dead and destroy it
// (PROTOCOL-HTTP2: calls then fail UNAVAILABLE on the client, CANCELLED on the server).

import type { Http2Session } from 'node:http2';

/** Pings `session`; `done(true)` once acknowledged, `done(false)` if it failed or was destroyed. */
export function pingOrDestroy(session: Http2Session, timeoutMs: number, who: string, done: (acked: boolean) => void): void {
  const watchdog = setTimeout(() => {
    session.destroy(new Error(`keepalive: no PING ACK from the ${who} within ${timeoutMs} ms`));
    done(false);
  }, timeoutMs);
  watchdog.unref();
  session.once('close', () => clearTimeout(watchdog));
  try {
    const sent = session.ping((error) => {
      clearTimeout(watchdog);
      done(!error);
    });
    if (!sent) {
      clearTimeout(watchdog);
      done(false);
    }
  } catch {
    clearTimeout(watchdog);
    done(false);
  }
}
