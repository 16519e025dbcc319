// Tests on tap events, to say where a step ends and what a recording waits for.

import type { Direction, FrameEvent, MessageEvent, TapEvent } from '../../src/wire/events.js';

export type Test = (event: TapEvent) => boolean;

interface FrameQuery {
  dir?: Direction;
  stream?: number;
  /** Flags the frame must have (others may be set too). */
  flags?: string[];
  /** GOAWAY: the last stream id. */
  lastStreamId?: number;
}

/** A frame of `type` matching `query`. */
export function frame(type: string, query: FrameQuery = {}): (event: TapEvent) => event is FrameEvent {
  return (e): e is FrameEvent =>
    e.kind === 'frame' &&
    e.type === type &&
    (query.dir === undefined || e.dir === query.dir) &&
    (query.stream === undefined || e.stream === query.stream) &&
    (query.flags ?? []).every((f) => e.flags.includes(f)) &&
    (query.lastStreamId === undefined || e.lastStreamId === query.lastStreamId);
}

/** The `index`-th message (from 1) of `stream` in direction `dir`. */
export function message(dir: Direction, stream: number, index: number): (event: TapEvent) => event is MessageEvent {
  return (e): e is MessageEvent => e.kind === 'message' && e.dir === dir && e.stream === stream && e.index === index;
}
