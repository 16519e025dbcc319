// HTTP/2 flow control (RFC 9113 §6.9.2): a connection's receive window starts at 65,535 bytes,
// whatever SETTINGS say — SETTINGS_INITIAL_WINDOW_SIZE sets the window of each *stream* only. The
// connection window grows only by a WINDOW_UPDATE on stream 0, which node:http2 sends when told
// `setLocalWindowSize()`. Server and client both widen it: a 64 KiB connection window throttles
// every stream of the connection together (docs/spec-map.md, "Defaults").

import type { Http2Session } from 'node:http2';

/** Widens `session`'s connection receive window to `size` bytes once the connection is up. */
export function widenConnectionWindow(session: Http2Session, size: number): void {
  session.once('connect', () => {
    try {
      session.setLocalWindowSize(size);
    } catch {
      // the session closed before it connected: nothing to widen
    }
  });
}
