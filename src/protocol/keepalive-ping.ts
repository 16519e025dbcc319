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
