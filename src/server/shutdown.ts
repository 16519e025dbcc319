// Graceful shutdown: GOAWAY, drain, then cancel what is left.
//
//   1. shutdown hooks run first (the health service turns NOT_SERVING, watchers are told);
//   2. the listener stops accepting connections;
//   3. every connection gets GOAWAY(last-stream-id 2^31-1) and a PING; once the PING is answered
//      (every stream the client had sent before seeing the GOAWAY has arrived), session.close()
//      sends the final GOAWAY with the real last stream id and refuses anything newer — grpc-go's
//      two-phase drain (RFC 9113 §6.8 recommends it: "a server that is attempting to gracefully
//      shut down a connection SHOULD send an initial GOAWAY frame with the last stream identifier
//      set to 2^31-1 and a NO_ERROR code"), so that no call racing the GOAWAY is lost;
//   4. calls in flight run on until `graceMs`; those still running then end with UNAVAILABLE
//      (trailers, so the client sees a status), and connections not closed shortly after are destroyed.

import { constants, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import type { ServerCallEngine } from './call-engine.js';
import { CallList } from './call-list.js';

const MAX_STREAM_ID = 2 ** 31 - 1;
/** Longest wait for the PING that separates the two GOAWAYs. */
const GOAWAY_PING_TIMEOUT_MS = 1000;
/** After cancelling the remaining calls, how long their trailers get to go out before connections are destroyed. */
const FORCE_CLOSE_DELAY_MS = 200;

/** @internal The server's live connections and calls, and the drain over them. */
export class ConnectionTracker {
  readonly sessions = new Set<Http2Session>();
  /** Every accepted socket, sessions or not yet (a TLS handshake in progress, a refused HTTP/1.1 client). */
  private readonly sockets = new Set<Socket>();
  /** Calls in flight: the server adds each call, and removes it when its stream closes. */
  readonly calls = new CallList<ServerCallEngine>();
  private draining = false;

  addSession(session: Http2Session): void {
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    session.on('goaway', () => this.onPeerGoaway(session));
    if (this.draining) goAway(session);
  }

  /**
   * The peer's GOAWAY with no call in flight on its connection ends the connection at once; with
   * calls in flight, node:http2 closes it gracefully once they are done (RFC 9113 §6.8).
   *
   * Ending it at once costs nothing (no call is lost) and leaves no graceful close to complete
   * inside nghttp2's read loop (src/protocol/graceful-destroy.ts: docs/fuzzing.md, "Known limits of
   * node:http2").
   */
  private onPeerGoaway(session: Http2Session): void {
    if (session.destroyed || this.hasCallsOn(session)) return;
    session.close(); // our GOAWAY in answer, as node:http2 would send it
    session.destroy();
  }

  addSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Whether any call in flight runs on `session` (asked rarely: by keepalive ping policing). */
  hasCallsOn(session: Http2Session): boolean {
    for (const call of this.calls) if (call.session === session) return true;
    return false;
  }

  /** Steps 3 and 4 above; resolves when every connection has closed. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    for (const session of this.sessions) goAway(session);
    const allClosed = () => Promise.all([...this.sessions].map(closed));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => (graceTimer = setTimeout(() => resolve('grace'), graceMs)));
    const finished = await Promise.race([allClosed().then(() => 'closed' as const), graceOver]);
    clearTimeout(graceTimer);
    if (finished === 'closed') return this.dropSockets();
    // Grace period over: PROTOCOL-HTTP2 lets the server end calls; UNAVAILABLE tells the client to retry elsewhere.
    const shuttingDown = new GrpcError(
      Status.UNAVAILABLE,
      'server is shutting down: the call did not finish within the grace period',
    );
    const cancelled = this.calls.size;
    for (const call of this.calls) call.end(shuttingDown);
    if (cancelled === 0) {
      // Nothing in flight: close every connection now (final GOAWAY) instead of waiting for PING answers.
      for (const session of this.sessions) if (!session.closed && !session.destroyed) session.close();
    }
    let forceTimer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => (forceTimer = setTimeout(resolve, FORCE_CLOSE_DELAY_MS)));
    await Promise.race([allClosed(), forced]);
    clearTimeout(forceTimer);
    for (const session of this.sessions) session.destroy();
    await allClosed();
    this.dropSockets();
  }

  /** Sockets that never became HTTP/2 sessions would otherwise hold the listener open. */
  private dropSockets(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * Resolves when `session` has closed. Not events.once(session, 'close'): that rejects when the session
 * emits 'error' first — a peer that resets its connection while the server drains — and a failed
 * connection has closed all the same (its 'error' is handled where the session is accepted).
 */
function closed(session: Http2Session): Promise<void> {
  if (session.destroyed) return Promise.resolve();
  return new Promise((resolve) => session.once('close', () => resolve()));
}

/** Two-phase GOAWAY on one connection, then a graceful close. */
function goAway(session: Http2Session): void {
  if (session.closed || session.destroyed) return;
  try {
    session.goaway(constants.NGHTTP2_NO_ERROR, MAX_STREAM_ID);
  } catch {
    // The session closed or was destroyed meanwhile: close() does what is left, if anything.
    session.close();
    return;
  }
  let done = false;
  const close = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    if (!session.closed && !session.destroyed) session.close(); // final GOAWAY: real last stream id
  };
  const timer = setTimeout(close, GOAWAY_PING_TIMEOUT_MS);
  // A peer that answers our GOAWAY with its own (as node:http2 clients do) will open no new stream:
  // no need to wait for the PING.
  session.once('goaway', close);
  session.once('close', () => clearTimeout(timer));
  try {
    if (!session.ping(close)) close();
  } catch {
    close(); // no PING on a session that is going: the final GOAWAY needs no wait then
  }
}
