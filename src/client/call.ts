// What a caller sees of a call: the typed views createClient() returns (client.ts), one per RPC
// kind, over the engine (call-engine.ts) that keeps everything else to itself.
//
//   unary            await client.getFeature(point, options)
//   server-streaming for await (const f of client.listFeatures(rect, options))
//   client-streaming const c = client.recordRoute(); await c.send(p); await c.closeAndRecv()
//   bidi-streaming   const c = client.routeChat(); await c.send(n); c.closeSend(); for await (const n of c)

import type { Duplex } from 'node:stream';
import type { SendOptions } from '../call/writer.js';
import type { Encoding } from '../protocol/compression.js';
import type { GrpcError } from '../protocol/grpc-error.js';
import type { Metadata } from '../protocol/metadata.js';

export type { SendOptions };

export interface CallOptions {
  /** Absolute deadline: a Date or ms since the epoch. */
  deadline?: Date | number;
  /** Relative deadline in ms (used when `deadline` is not given). */
  timeoutMs?: number;
  /** Aborting cancels the call (RST_STREAM CANCEL); it ends with CANCELLED. */
  signal?: AbortSignal;
  /** Request metadata. */
  metadata?: Metadata;
  /** Compress request messages with this encoding (default: the channel's, else none). */
  compression?: Encoding;
}

/**
 * How a call ended: the GrpcError it failed with, or OK with the trailer metadata. A failed call's
 * status is its GrpcError itself.
 */
export type CallStatus = Pick<GrpcError, 'code' | 'details' | 'metadata'>;

/** What every call exposes besides its messages. */
export interface CallInfo {
  /** Resolves with the response header metadata (empty for Trailers-Only responses). */
  readonly headers: Promise<Metadata>;
  /** Resolves with the trailer metadata once the call ended (whatever its status). */
  readonly trailers: Promise<Metadata>;
  /** Resolves with the final status; never rejects. */
  readonly status: Promise<CallStatus>;
  /** Cancels the call: RST_STREAM CANCEL; it ends with CANCELLED. */
  cancel(reason?: string): void;
}

export type UnaryCall<Res> = Promise<Res> & CallInfo;

export interface ServerStreamCall<Res> extends AsyncIterable<Res>, CallInfo {}

export interface ClientStreamCall<Req, Res> extends CallInfo {
  /** Sends one request message; resolves when the stream takes more (HTTP/2 flow control). */
  send(message: Req, options?: SendOptions): Promise<void>;
  /** Half-closes and resolves with the one response (rejects with the call's GrpcError). */
  closeAndRecv(): Promise<Res>;
}

export interface BidiStreamCall<Req, Res> extends AsyncIterable<Res>, CallInfo {
  /** Sends one request message; resolves when the stream takes more (HTTP/2 flow control). */
  send(message: Req, options?: SendOptions): Promise<void>;
  /** Half-closes: no more request messages (END_STREAM). */
  closeSend(): void;
  /**
   * The call as a node:stream Duplex in object mode (src/call/duplex.ts): write requests (ending
   * the writable side half-closes), read responses. One per call.
   */
  duplex(): Duplex;
}
