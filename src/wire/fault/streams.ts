// What the fault rewriter knows of each stream: where its call is, from each peer's point of view,
// so that what the tap sends is valid on the stream for the peer it goes to (RFC 9113 §5.1), and
// where its messages end (for the triggers that count them).

import type { Direction } from '../events.js';
import { MessageBoundaries } from './message-boundaries.js';

export interface PadData {
  data: number;
  padding: number;
  fault: string;
}

export class StreamState {
  readonly id: number;
  /** The call's request headers went on to the server. */
  forwarded = false;
  /** The response headers (or Trailers-Only, or trailers) the client got so far. */
  response: 'none' | 'headers' | 'ended' = 'none';
  /** The sender of each direction sent END_STREAM. */
  readonly sentEnd: Record<Direction, boolean> = { c2s: false, s2c: false };
  /** The tap passed END_STREAM on to the receiver of each direction (the sender's, or its own). */
  readonly deliveredEnd: Record<Direction, boolean> = { c2s: false, s2c: false };
  /** An RST_STREAM went through, or the tap sent its own to each side. */
  reset = false;
  /** The tap ended the stream (the fault): every later frame of it, either way, is dropped. */
  tapClosed: string | undefined;
  /** The tap never let the server see the stream (the fault, and why): its frames are dropped. */
  refused: { fault: string; why: string } | undefined;
  /** The call's end was counted (for `calls:N`). */
  counted = false;
  readonly messages: Record<Direction, MessageBoundaries> = {
    c2s: new MessageBoundaries(),
    s2c: new MessageBoundaries(),
  };
  readonly padding: Partial<Record<Direction, PadData>> = {};

  constructor(id: number) {
    this.id = id;
  }

  /** The client's side of the stream is closed: it sent END_STREAM and got one, or a reset went by. */
  get closedForClient(): boolean {
    return this.reset || (this.sentEnd.c2s && this.deliveredEnd.s2c);
  }

  /** The server's side of the stream is closed (or it never saw the stream). */
  get closedForServer(): boolean {
    return !this.forwarded || this.reset || (this.sentEnd.s2c && this.deliveredEnd.c2s);
  }

  /** Frames of the stream are dropped rather than passed on: the fault that made it so. */
  get dropping(): string | undefined {
    return this.tapClosed ?? this.refused?.fault;
  }

  /** The call is over for both peers. */
  get over(): boolean {
    return this.dropping !== undefined || (this.closedForClient && this.closedForServer);
  }
}
