// Tests on tap events, to say where a step ends and what a recording waits for.

import type {
  ByteRange,
  Direction,
  FaultEvent,
  FrameEvent,
  HeaderTriple,
  MessageEvent,
  TapEvent,
} from '../../src/wire/events.js';

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

/** What the tap did (a fault event) of `action`, about a frame of `type` (with `flags`) when given. */
export function fault(
  action: FaultEvent['action'],
  type?: string,
  query: { dir?: Direction; flags?: string[] } = {},
): (event: TapEvent) => event is FaultEvent {
  return (e): e is FaultEvent =>
    e.kind === 'fault' &&
    e.action === action &&
    (type === undefined || e.frame?.type === type) &&
    (query.dir === undefined || e.dir === query.dir) &&
    (query.flags ?? []).every((f) => e.frame?.flags.includes(f));
}

/** The `index`-th message (from 1) of `stream` in direction `dir`. */
export function message(dir: Direction, stream: number, index: number): (event: TapEvent) => event is MessageEvent {
  return (e): e is MessageEvent => e.kind === 'message' && e.dir === dir && e.stream === stream && e.index === index;
}

/** The frames of `events` of `type` matching `query`, in order. */
export function framesOf(events: readonly TapEvent[], type: string, query: FrameQuery = {}): FrameEvent[] {
  const test = frame(type, query);
  return events.filter(test);
}

/** The value the first SETTINGS frame of `dir` among `events` gives `name` (e.g. "SETTINGS_ENABLE_PUSH"). */
export function setting(events: readonly TapEvent[], dir: Direction, name: string): number | undefined {
  for (const f of framesOf(events, 'SETTINGS', { dir })) {
    const found = f.settings?.find(([n]) => n === name);
    if (found) return found[1];
  }
  return undefined;
}

/** For each DATA frame of `dir` among `events` that carries message bytes: how many messages start in it. */
export function messagesPerDataFrame(events: readonly TapEvent[], dir: Direction): number[] {
  return framesOf(events, 'DATA', { dir })
    .filter((f) => (f.segments ?? []).length > 0)
    .map((f) => (f.segments ?? []).filter((s) => s.part === 'whole' || s.part === 'start').length);
}

/** The first header field named `name` sent in direction `dir` among `events`: [name, value, representation]. */
export function headerField(events: readonly TapEvent[], dir: Direction, name: string): HeaderTriple | undefined {
  for (const e of events) {
    if (e.kind !== 'frame' || e.dir !== dir || !e.headers) continue;
    const found = e.headers.find(([n]) => n === name);
    if (found) return found;
  }
  return undefined;
}

/** The frame types of `dir` among `events`, in order, with their flags: e.g. "DATA END_STREAM". */
export function frameSequence(events: readonly TapEvent[], dir: Direction): string[] {
  return events.flatMap((e) => (e.kind === 'frame' && e.dir === dir ? [[e.type, ...e.flags].join(' ')] : []));
}

/**
 * The byte ranges the hex view shows for `events` (`routeguide tap --hex`), every level of them, in
 * order: `what` they are and their bytes in hex, spaced as the tap writes them ("96 9f … 01").
 */
export function byteRanges(events: readonly TapEvent[]): { what: string; hex: string }[] {
  const out: { what: string; hex: string }[] = [];
  for (const e of events) {
    if ((e.kind !== 'frame' && e.kind !== 'message') || !e.raw) continue;
    const hex = e.raw.hex;
    const walk = (ranges: readonly ByteRange[]) => {
      for (const r of ranges) {
        const bytes = hex.slice(2 * r.at, 2 * (r.at + r.bytes)).match(/../g) ?? [];
        out.push({ what: r.what, hex: bytes.join(' ') });
        walk(r.parts ?? []);
      }
    };
    walk(e.raw.ranges);
  }
  return out;
}
