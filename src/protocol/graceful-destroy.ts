// node:http2 (Node 20) ends a connection it closed gracefully (session.close(): ours, or its answer
// to the peer's GOAWAY NO_ERROR) the moment its last stream is done: Http2Session's
// [kMaybeDestroy]() calls session.destroy() from inside the stream's close or a refused HEADERS —
// that is, inside nghttp2's read of the peer's bytes. nghttp2 then reads on through the rest of that
// read, and a frame-size error later in it (a SETTINGS ACK with a payload, a PING of 7 bytes) fails
// its assertion `iframe->state == NGHTTP2_IB_IGN_ALL` in nghttp2_session_mem_recv2, which aborts the
// process: docs/fuzzing.md, "Known limits of node:http2", has the bytes.
//
// So a graceful close's own destroy is put off until the read is over (setImmediate): the rest of
// the bytes meet a live session that answers a frame-size error with GOAWAY FRAME_SIZE_ERROR as
// RFC 9113 §4.2 says, then the session is destroyed as node:http2 meant to. A destroy with an error,
// or of a connection not closing gracefully, is not delayed.

import type { Http2Session } from 'node:http2';

/** Makes `session`'s graceful-close destroy happen after the read in progress, never inside it. */
export function destroyGracefulCloseOutsideRead(session: Http2Session): void {
  const destroy = session.destroy.bind(session);
  session.destroy = (error?: Error, code?: number): void => {
    if (error == null && code === undefined && session.closed && !session.destroyed) {
      setImmediate(() => destroy());
      return;
    }
    destroy(error, code);
  };
}
