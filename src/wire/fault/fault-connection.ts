// One TCP connection through a tap with faults configured: both directions read frame by frame
// (the tap's own frame parser and HPACK decoder, as the decoder beside the relay uses), the planner
// asked what fires, and the frames passed on, changed, dropped or added at frame boundaries
// through each direction's outlet (outlet.ts). What the faults themselves do is actions.ts.
//
// What must stay true for the peers, so that the fault is the only thing under test:
// - every frame that goes on is valid where it goes (RFC 9113 §5.1): after the tap resets or ends a
//   stream, it drops that stream's frames from either peer (§5.4.2: frames in flight after
//   RST_STREAM are expected) and sends nothing more on it;
// - flow control balances (flow.ts): what the tap drops it gives back to the sender with
//   WINDOW_UPDATEs of its own; what it adds it keeps from the receiver's increments;
// - HPACK stays in step (outlet.ts);
// - a SETTINGS or PING of the tap's own is answered to the tap, which keeps the ACK (the peer on
//   the other side never sent it).
// A direction whose bytes cannot be followed (not HTTP/2, a header block that cannot be decoded) is
// relayed unread from there, faults off, as the decoder beside it says.

import type net from 'node:net';
import type { Direction } from '../events.js';
import { decodeFrame, isFrameError, type Frame, type FrameOf } from '../h2/frame-decode.js';
import { CONNECTION_PREFACE, FrameParser, FRAME_HEADER_SIZE, type RawFrame } from '../h2/frame-parser.js';
import { Flag } from '../h2/frame-types.js';
import { HeaderBlockAssembler, type HeaderBlock } from '../h2/header-blocks.js';
import { Setting } from '../h2/settings.js';
import { HpackDecoder, HpackError, type EncoderField } from '../hpack/index.js';
import { frameHeader } from '../h2/frame-header.js';
import { windowUpdateFrame } from './frames.js';
import { Outlet, type OutItem, type TapMark } from './outlet.js';
import type { ConnectionPlanner, Firing, Plan } from './planner.js';
import type { Random } from './rng.js';
import { Shaper } from './shaper.js';
import { StreamState } from './streams.js';
import { applyFiring, timingOf } from './actions.js';

/** What the decoder beside the relay is told: the bytes that left, the tap's frames, its other acts. */
export interface FaultObserver {
  /** Bytes that left towards the receiver of `dir`, as they left. */
  seen(dir: Direction, bytes: Buffer): void;
  /** The frame at `offset` of `dir` (counted as the decoder counts) is the tap's own. */
  mark(dir: Direction, offset: number, mark: TapMark): void;
  /** Something the tap did or saw that is not a frame it wrote. */
  note(note: FaultNote): void;
  /** The tap sent FIN towards the receiver of `dir`. */
  end(dir: Direction): void;
}

export interface FaultNote {
  fault: string;
  action: 'drop' | 'hold' | 'release' | 'act' | 'report' | 'skip';
  dir?: Direction;
  stream?: number;
  /** drop: the frame as it came. */
  frame?: { type: string; flags: readonly string[]; length: number; stream: number };
  rttMs?: number;
  note: string;
}

export interface FaultConnectionOptions {
  planner: ConnectionPlanner;
  client: net.Socket;
  upstream: net.Socket;
  observer: FaultObserver;
  random: Random;
  /** Milliseconds, for holds and round trips. */
  now: () => number;
}

/** What a SETTINGS frame that went towards a peer waits for: that peer's ACK. */
interface SentSettings {
  origin: 'peer' | 'tap';
  settings: { id: number; value: number }[];
  /** The tap set SETTINGS_MAX_CONCURRENT_STREAMS in it (max-streams): the fault that did. */
  maxStreams?: string;
}

/** How many streams the tap ended are remembered, for frames still in flight on them. */
const ENDED_STREAMS_KEPT = 1024;

export const opposite = (dir: Direction): Direction => (dir === 'c2s' ? 's2c' : 'c2s');
/** The direction whose receiver is `side`. */
export const towards = (side: 'client' | 'server'): Direction => (side === 'client' ? 's2c' : 'c2s');

/** One direction as the tap reads it: its frames, its header blocks, the HPACK decoder of its blocks. */
class Reader {
  readonly parser: FrameParser;
  readonly blocks = new HeaderBlockAssembler();
  readonly hpack = new HpackDecoder();
  /** The frames of a header block not yet complete, as they came. */
  blockFrames: Buffer[] = [];
  /** Its frames are relayed unread from here (why). */
  opaque: string | undefined;
  /** Not HTTP/2 at all: its bytes are relayed as they come. */
  notHttp2 = false;
  /** The client's bytes until its connection preface is whole (relayed as they came if it is not one). */
  prefaceBytes: Buffer[] | undefined;

  constructor(dir: Direction) {
    this.parser = new FrameParser(dir === 'c2s');
    if (dir === 'c2s') this.prefaceBytes = [];
  }
}

export class FaultConnection {
  readonly planner: ConnectionPlanner;
  readonly observer: FaultObserver;
  readonly options: FaultConnectionOptions;
  readonly outlets: Record<Direction, Outlet>;
  readonly shapers: Record<Direction, Shaper>;
  readonly streams = new Map<number, StreamState>();
  /** SETTINGS that went each way and wait for the receiver's ACK, oldest first. */
  readonly sentSettings: Record<Direction, SentSettings[]> = { c2s: [], s2c: [] };
  /** The tap's PINGs to each side, by opaque data: when sent, and for which fault. */
  readonly tapPings: Record<'client' | 'server', Map<string, { sentAt: number; fault: string }>> = {
    client: new Map(),
    server: new Map(),
  };
  /** max-streams: the value the client sees, and from when the tap enforces it. */
  maxStreams: { value: number; fault: string; enforced: boolean } | undefined;
  /** GOAWAY the tap sent to the client: streams above this id are not the server's to see. */
  goawayToClient: { lastStreamId: number; fault: string } | undefined;
  goawayToServer = false;
  /** The highest stream id the client opened, and the highest the server saw. */
  lastClientStream = 0;
  lastForwardedStream = 0;
  /** Inputs paused by `hang`. */
  readonly hung: Record<Direction, boolean> = { c2s: false, s2c: false };
  readonly timers = new Set<NodeJS.Timeout>();
  private readonly readers: Record<Direction, Reader> = { c2s: new Reader('c2s'), s2c: new Reader('s2c') };
  private readonly endedStreams = new Set<number>();
  private closed = false;

  constructor(options: FaultConnectionOptions) {
    this.options = options;
    this.planner = options.planner;
    this.observer = options.observer;
    const shaper = (dir: Direction) =>
      new Shaper({
        socket: this.destination(dir),
        seen: (bytes) => options.observer.seen(dir, bytes),
        random: options.random,
        now: options.now,
      });
    this.shapers = { c2s: shaper('c2s'), s2c: shaper('s2c') };
    const outlet = (dir: Direction) =>
      new Outlet(
        {
          dir,
          shaper: this.shapers[dir],
          now: options.now,
          mark: (offset, mark) => options.observer.mark(dir, offset, mark),
        },
        () => {
          this.destination(dir).end();
          options.observer.end(dir);
        },
      );
    this.outlets = { c2s: outlet('c2s'), s2c: outlet('s2c') };
    for (const dir of ['c2s', 's2c'] as const) {
      this.destination(dir).on('drain', () => this.resumeInput(dir));
    }
  }

  /** The socket of the sender of `dir`, and of its receiver. */
  source(dir: Direction): net.Socket {
    return dir === 'c2s' ? this.options.client : this.options.upstream;
  }

  destination(dir: Direction): net.Socket {
    return dir === 'c2s' ? this.options.upstream : this.options.client;
  }

  /** The connection opened: the connection faults of `connect` (and the timers of `time`). */
  start(): void {
    this.run(this.planner.opened(), undefined);
  }

  /** A chunk from the sender of `dir`. */
  push(dir: Direction, chunk: Buffer): void {
    if (this.closed) return;
    const reader = this.readers[dir];
    if (reader.notHttp2) {
      this.outlets[dir].send({ stream: 0, bytes: chunk });
    } else {
      // The client's bytes are kept until its preface is whole: if they are not HTTP/2, they go on as they came.
      if (reader.prefaceBytes !== undefined) reader.prefaceBytes.push(chunk);
      const events = reader.parser.push(chunk);
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        if (event.kind === 'preface') {
          reader.prefaceBytes = undefined;
          this.outlets.c2s.send({ stream: 0, bytes: CONNECTION_PREFACE });
        } else if (event.kind === 'error') {
          reader.notHttp2 = true;
          for (const bytes of reader.prefaceBytes ?? []) this.outlets[dir].send({ stream: 0, bytes });
          reader.prefaceBytes = undefined;
          break;
        } else {
          try {
            this.onFrame(dir, event.frame);
          } catch (error) {
            // A bug of the tap's own must not reach the relay: this direction goes on unread.
            reader.opaque = String(error);
            this.observer.note({
              fault: 'tap',
              action: 'skip',
              dir,
              note: `the fault rewriter failed (${(error as Error).stack ?? String(error)}): this direction is relayed unchanged from here`,
            });
            for (const rest of events.slice(i))
              if (rest.kind === 'frame')
                this.send(dir, { stream: rest.frame.streamId, bytes: rawFrameBytes(rest.frame) });
            break;
          }
        }
      }
    }
    this.flush();
    if (this.destination(dir).writableNeedDrain) this.source(dir).pause();
  }

  /** The sender of `dir` sent FIN: its receiver gets it once the frames held here have gone. */
  end(dir: Direction): void {
    if (this.closed) return;
    this.outlets[dir].end();
  }

  /** The connection is gone: timers stop, PINGs never answered are reported. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const dir of ['c2s', 's2c'] as const) {
      this.outlets[dir].close();
      this.shapers[dir].close();
    }
    for (const side of ['client', 'server'] as const) {
      for (const [opaque, ping] of this.tapPings[side]) {
        this.observer.note({
          fault: ping.fault,
          action: 'report',
          dir: towards(side),
          note: `PING ${opaque} to the ${side} was never acknowledged (RFC 9113 §6.7: a PING must be answered with an ACK)`,
        });
      }
    }
  }

  /** A timer that stops with the connection. */
  later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      run();
      this.flush();
    }, ms);
    this.timers.add(timer);
  }

  /** Sends an item towards the receiver of `dir`. */
  send(dir: Direction, item: OutItem): void {
    this.outlets[dir].send(item);
  }

  /** Stops reading the sender of `dir` (hang), or starts again. */
  pauseInput(dir: Direction): void {
    this.hung[dir] = true;
    this.source(dir).pause();
  }

  resumeInput(dir: Direction): void {
    if (this.hung[dir] && this.destination(dir).writableNeedDrain) return;
    if (!this.hung[dir]) this.source(dir).resume();
  }

  unhang(dir: Direction): void {
    this.hung[dir] = false;
    this.source(dir).resume();
  }

  /** The stream, if it is one the client opened and the tap still follows. */
  stream(id: number): StreamState | undefined {
    return this.streams.get(id);
  }

  /** A stream's call is over: counted once (calls:N fire), and forgotten once nothing of it waits. */
  callOver(s: StreamState): void {
    if (s.counted || !s.over) return;
    s.counted = true;
    if (s.dropping !== undefined) {
      this.endedStreams.add(s.id);
      if (this.endedStreams.size > ENDED_STREAMS_KEPT) {
        const oldest = this.endedStreams.values().next().value!;
        this.endedStreams.delete(oldest);
        this.streams.delete(oldest);
      }
    } else {
      this.streams.delete(s.id);
    }
    for (const dir of ['c2s', 's2c'] as const) this.outlets[dir].forget(s.id);
    this.run({ firings: this.planner.callEnded(s.id), timers: [] }, undefined);
  }

  /** Applies what the planner returned: firings now, timers for later. */
  run(plan: Plan, timing: 'before' | 'after' | undefined): void {
    for (const firing of plan.firings) {
      if (timing === undefined || timingOf(firing.spec.action) === timing) applyFiring(this, firing);
    }
    for (const timer of plan.timers)
      this.later(timer.afterMs, () => this.run({ firings: timer.fire(), timers: [] }, undefined));
  }

  /** The tap gives the senders back what they spent on bytes their receivers never got (flow.ts). */
  flush(): void {
    for (const dir of ['c2s', 's2c'] as const) {
      for (const [stream, increment] of this.outlets[dir].ledger.takeOwed()) {
        if (stream !== 0) {
          const s = this.streams.get(stream);
          // The sender's side of the stream must still be open for a stream-level WINDOW_UPDATE.
          if (!s || s.dropping !== undefined || s.reset || s.sentEnd[dir]) continue;
        }
        this.send(opposite(dir), {
          stream,
          bytes: windowUpdateFrame(stream, increment),
          mark: {
            fault: 'flow control',
            action: 'inject',
            note: `the tap gives the ${dir === 'c2s' ? 'client' : 'server'} back ${increment} bytes it sent that the ${dir === 'c2s' ? 'server' : 'client'} never got (RFC 9113 §6.9)`,
          },
        });
      }
    }
  }

  // ---- frames ----

  private onFrame(dir: Direction, raw: RawFrame): void {
    const reader = this.readers[dir];
    const bytes = rawFrameBytes(raw);
    if (reader.opaque !== undefined) return this.send(dir, { stream: raw.streamId, bytes });
    const decoded = decodeFrame(raw);
    if (isFrameError(decoded)) {
      // The receiver answers a malformed frame as RFC 9113 §7 says; the tap passes it on. Inside a
      // header block it loses HPACK's thread: unread from here.
      if (
        reader.blocks.expectingContinuation ||
        ['HEADERS', 'PUSH_PROMISE', 'CONTINUATION'].includes(decoded.header.type)
      )
        return this.goOpaque(dir, decoded.message, bytes);
      return this.send(dir, { stream: raw.streamId, bytes });
    }
    if (reader.blocks.expectingContinuation && decoded.type !== 'CONTINUATION')
      return this.goOpaque(dir, 'a header block broken off', bytes);
    switch (decoded.type) {
      case 'DATA':
        return this.onData(dir, decoded, bytes);
      case 'HEADERS':
      case 'PUSH_PROMISE':
      case 'CONTINUATION': {
        const result = decoded.type === 'CONTINUATION' ? reader.blocks.continue(decoded) : reader.blocks.begin(decoded);
        reader.blockFrames.push(bytes);
        if (result === undefined) return;
        const frames = reader.blockFrames.length === 1 ? reader.blockFrames[0] : Buffer.concat(reader.blockFrames);
        reader.blockFrames = [];
        if ('error' in result) return this.goOpaque(dir, result.error.message, frames);
        return this.onHeaderBlock(dir, result.block, frames);
      }
      case 'SETTINGS':
        return this.onSettings(dir, decoded, bytes);
      case 'PING':
        return this.onPing(dir, decoded, bytes);
      case 'WINDOW_UPDATE':
        return this.onWindowUpdate(dir, decoded, bytes);
      case 'RST_STREAM':
        return this.onRstStream(dir, decoded, bytes);
      default:
        // PRIORITY, GOAWAY, unknown types: as they came; on a stream the tap dropped, dropped too.
        if (decoded.streamId !== 0 && this.streams.get(decoded.streamId)?.dropping !== undefined) return;
        return this.send(dir, { stream: decoded.streamId, bytes });
    }
  }

  /** The direction's frames go on unread from here: the frames of a block begun go first. */
  private goOpaque(dir: Direction, why: string, bytes: Buffer): void {
    const reader = this.readers[dir];
    reader.opaque = why;
    for (const frame of reader.blockFrames) this.send(dir, { stream: 0, bytes: frame });
    reader.blockFrames = [];
    this.send(dir, { stream: 0, bytes });
  }

  private onData(dir: Direction, frame: FrameOf<'DATA'>, bytes: Buffer): void {
    const id = frame.streamId;
    const s = this.streams.get(id);
    const spent = frame.length;
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    if (!s) return this.send(dir, { stream: id, bytes, data: { cost: spent, spent } });
    if (s.dropping !== undefined) return this.dropData(dir, s, frame, spent);
    if (endStream) s.sentEnd[dir] = true;
    const boundaries = s.messages[dir];
    const from = boundaries.offset;
    const ends = boundaries.push(frame.data);
    const points = this.planner.data(id, dir, from, boundaries.offset, ends, boundaries.firstMessage);
    const data = frame.data;
    const overhead = spent - data.length; // the Pad Length octet and the padding, spent with the last piece
    // Cut where the faults fire; what is left once a fault ended the stream is dropped. A point at
    // the frame's end leaves the frame whole.
    let at = 0;
    for (const point of points) {
      const cut = point.at - from;
      if (cut > at) {
        const whole = at === 0 && cut === data.length;
        this.forwardData(
          dir,
          s,
          data.subarray(at, cut),
          whole && endStream,
          whole ? spent : cut - at,
          whole ? bytes : undefined,
          frame,
          point.firings[0]?.spec.label,
        );
        at = cut;
        if (whole) {
          for (const firing of point.firings) applyFiring(this, firing);
          return;
        }
      }
      for (const firing of point.firings) applyFiring(this, firing);
      if (s.dropping !== undefined) {
        const left = data.length - at + overhead;
        this.outlets[dir].ledger.dropped(id, left, false);
        if (left > 0 || endStream) this.dropNote(dir, s, frame, left);
        return;
      }
    }
    if (at === 0) this.forwardData(dir, s, data, endStream, spent, bytes, frame, undefined);
    else if (at < data.length || endStream)
      this.forwardData(dir, s, data.subarray(at), endStream, data.length - at + overhead, undefined, frame, 'cut');
    else if (overhead > 0) this.outlets[dir].ledger.dropped(id, overhead, true);
  }

  /**
   * One piece of a DATA frame goes on: as it came (`original`: the whole frame, no padding fault),
   * or as frames of the tap's own (a piece cut where a fault fired; DATA re-framed by pad-data).
   */
  private forwardData(
    dir: Direction,
    s: StreamState,
    data: Buffer,
    endStream: boolean,
    spent: number,
    original: Buffer | undefined,
    frame: FrameOf<'DATA'>,
    cutBy: string | undefined,
  ): void {
    const pad = s.padding[dir];
    const written = endStream ? () => this.delivered(dir, s) : undefined;
    if (!pad) {
      if (original)
        return this.send(dir, { stream: s.id, bytes: original, data: { cost: frame.length, spent }, written });
      const bytes = Buffer.concat([frameHeader(data.length, 0x0, endStream ? Flag.END_STREAM : 0, s.id), data]);
      return this.send(dir, {
        stream: s.id,
        bytes,
        data: { cost: data.length, spent },
        written,
        mark: {
          fault: cutBy ?? 'cut',
          action: 'alter',
          note: `DATA cut where a fault fires: ${data.length} of its ${frame.data.length} data bytes (RFC 9113 §6.1: DATA may be split anywhere)`,
          was: `DATA ${frame.length} bytes`,
        },
      });
    }
    // pad-data: frames of `pad.data` bytes (the last may be shorter), each with `pad.padding` bytes.
    const padding = pad.padding > 0 ? pad.padding : undefined;
    const count = Math.max(1, Math.ceil(data.length / pad.data));
    for (let i = 0; i < count; i++) {
      const chunk = data.subarray(i * pad.data, (i + 1) * pad.data);
      const last = i === count - 1;
      const cost = padding === undefined ? chunk.length : 1 + chunk.length + padding;
      const flags = (last && endStream ? Flag.END_STREAM : 0) | (padding === undefined ? 0 : Flag.PADDED);
      // One buffer a frame: header, Pad Length, data, padding (zeros) — some 60,000 of them for gRPC's case.
      const bytes = Buffer.allocUnsafe(FRAME_HEADER_SIZE + cost);
      frameHeader(cost, 0x0, flags, s.id).copy(bytes);
      if (padding === undefined) chunk.copy(bytes, FRAME_HEADER_SIZE);
      else {
        bytes[FRAME_HEADER_SIZE] = padding;
        chunk.copy(bytes, FRAME_HEADER_SIZE + 1);
        bytes.fill(0, FRAME_HEADER_SIZE + 1 + chunk.length);
      }
      this.send(dir, {
        stream: s.id,
        bytes,
        // What the sender spent goes with the pieces it paid for: none is given back before it is delivered.
        data: { cost, spent: chunk.length + (last ? spent - data.length : 0) },
        written: last ? written : undefined,
        mark: {
          fault: pad.fault,
          action: 'alter',
          note: `DATA re-framed, piece ${i + 1} of ${count}: ${chunk.length} data bytes${padding === undefined ? '' : ` and ${padding} bytes of padding (RFC 9113 §6.1)`}`,
          was: `DATA ${frame.length} bytes`,
        },
      });
    }
  }

  private dropData(dir: Direction, s: StreamState, frame: FrameOf<'DATA'>, spent: number): void {
    this.outlets[dir].ledger.dropped(s.id, spent, false);
    this.dropNote(dir, s, frame, spent);
    if ((frame.flags & Flag.END_STREAM) !== 0) s.sentEnd[dir] = true;
  }

  private dropNote(dir: Direction, s: StreamState, frame: Frame, length: number): void {
    this.observer.note({
      fault: s.dropping ?? '',
      action: 'drop',
      dir,
      stream: s.id,
      frame: { type: frame.type, flags: frame.flagNames, length, stream: s.id },
      note: `${frame.type} of stream ${s.id} not passed on: ${droppedBecause(s)}`,
    });
  }

  /** The END_STREAM of `dir` on `s` reached its receiver (it may have waited in the outlet). */
  private delivered(dir: Direction, s: StreamState): void {
    s.deliveredEnd[dir] = true;
    this.callOver(s);
  }

  /** A header block with END_STREAM goes on: the stream's side ends once it is written. */
  private sendEnding(dir: Direction, s: StreamState, item: OutItem): void {
    s.sentEnd[dir] = true;
    this.send(dir, { ...item, written: () => this.delivered(dir, s) });
  }

  // ---- header blocks ----

  private onHeaderBlock(dir: Direction, block: HeaderBlock, frames: Buffer): void {
    const reader = this.readers[dir];
    const decoded = reader.hpack.decode(block.block);
    if (decoded instanceof HpackError) return this.goOpaque(dir, decoded.message, frames);
    const fields: EncoderField[] = decoded.fields.map((f) => ({
      name: f.name,
      value: f.value,
      sensitive: f.representation.kind === 'literal' && f.representation.indexing === 'never',
    }));
    const opener = block.opener;
    const item: OutItem = {
      stream: block.streamId,
      bytes: frames,
      block: {
        fields,
        sizeUpdates: decoded.tableSizeUpdates,
        endStream: block.endStream,
        priority: opener.type === 'HEADERS' && opener.priority ? priorityBytes(opener) : undefined,
        original: true,
        changesTable:
          decoded.tableSizeUpdates.length > 0 ||
          decoded.fields.some(
            (f) => f.representation.kind === 'literal' && f.representation.indexing === 'incremental',
          ),
      },
    };
    if (opener.type === 'PUSH_PROMISE') return this.send(dir, item);
    const pairs = decoded.fields.map((f) => [f.name, f.value] as const);
    if (dir === 'c2s') this.onRequestBlock(block, item, pairs);
    else this.onResponseBlock(block, item);
  }

  /** A header block the tap does not pass on: if it changed the table, blocks are encoded again from here. */
  dropBlock(dir: Direction, item: OutItem, fault: string, why: string): void {
    if (item.block?.changesTable) this.outlets[dir].reencoding ??= fault;
    this.observer.note({
      fault,
      action: 'drop',
      dir,
      stream: item.stream,
      frame: {
        type: 'HEADERS',
        flags: item.block?.endStream ? ['END_STREAM', 'END_HEADERS'] : ['END_HEADERS'],
        length: item.bytes.length - FRAME_HEADER_SIZE,
        stream: item.stream,
      },
      note: why,
    });
  }

  private onRequestBlock(block: HeaderBlock, item: OutItem, fields: (readonly [string, string])[]): void {
    const id = block.streamId;
    const existing = this.streams.get(id);
    if (existing) {
      // A second block from the client (gRPC has no request trailers): as it came, unless dropped.
      if (existing.dropping !== undefined) {
        this.dropBlock(
          'c2s',
          item,
          existing.dropping,
          `HEADERS of stream ${id} not passed on: ${droppedBecause(existing)}`,
        );
        if (block.endStream) existing.sentEnd.c2s = true;
        return;
      }
      if (block.endStream) this.sendEnding('c2s', existing, item);
      else this.send('c2s', item);
      return;
    }
    if (id <= this.lastClientStream || this.endedStreams.has(id)) {
      // Not a new stream (RFC 9113 §5.1.1): the server answers it as it will.
      this.send('c2s', item);
      return;
    }
    this.lastClientStream = id;
    const s = new StreamState(id);
    this.streams.set(id, s);
    if (block.endStream) s.sentEnd.c2s = true;
    if (this.goawayToClient && id > this.goawayToClient.lastStreamId) {
      s.refused = {
        fault: this.goawayToClient.fault,
        why: `stream ${id} is above the last stream id of the tap's GOAWAY (${this.goawayToClient.lastStreamId}): the server never sees it, and the client may retry it (RFC 9113 §6.8)`,
      };
      this.dropBlock('c2s', item, s.refused.fault, s.refused.why);
      this.callOver(s);
      return;
    }
    if (this.maxStreams?.enforced && this.openAtServer() >= this.maxStreams.value) {
      s.refused = {
        fault: this.maxStreams.fault,
        why: `stream ${id} would exceed SETTINGS_MAX_CONCURRENT_STREAMS ${this.maxStreams.value}: refused (RFC 9113 §5.1.2)`,
      };
      this.dropBlock('c2s', item, s.refused.fault, s.refused.why);
      applyRefusal(this, s, this.maxStreams.fault);
      return;
    }
    const plan = this.planner.request(id, fields);
    for (const ignored of plan.ignored)
      this.observer.note({
        fault: ignored,
        action: 'skip',
        dir: 'c2s',
        stream: id,
        note: `not a value this fault header takes: no fault`,
      });
    this.run(plan, 'before');
    s.forwarded = true;
    this.lastForwardedStream = id;
    this.outlets.c2s.ledger.open(id);
    this.outlets.s2c.ledger.open(id);
    if (s.dropping === undefined) {
      if (block.endStream) this.sendEnding('c2s', s, item);
      else this.send('c2s', item);
    }
    this.run(plan, 'after');
    this.callOver(s);
  }

  private onResponseBlock(block: HeaderBlock, item: OutItem): void {
    const id = block.streamId;
    const s = this.streams.get(id);
    if (!s) return this.send('s2c', item);
    if (s.dropping !== undefined) {
      if (block.endStream) s.sentEnd.s2c = true;
      return this.dropBlock('s2c', item, s.dropping, `HEADERS of stream ${id} not passed on: ${droppedBecause(s)}`);
    }
    if (s.response === 'none' && !block.endStream) {
      const firings = this.planner.responseHeaders(id);
      this.fireAll(firings, 'before');
      if (s.dropping === undefined) {
        this.send('s2c', item);
        s.response = 'headers';
      }
      this.fireAll(firings, 'after');
      return;
    }
    // Trailers (or Trailers-Only): every fault of `trailers` acts before they go on, and those that
    // end the call (rst-stream, abort, drop-trailers) go in their place.
    s.sentEnd.s2c = block.endStream || s.sentEnd.s2c;
    const firings = this.planner.trailers(id);
    this.fireAll(firings, 'all');
    const ended = s.dropping as string | undefined; // (set by the faults just applied)
    if (ended !== undefined) {
      this.dropBlock(
        's2c',
        item,
        ended,
        `the ${s.response === 'none' ? 'Trailers-Only response' : 'trailers'} of stream ${id} not passed on: ${droppedBecause(s)}`,
      );
    } else {
      s.response = block.endStream ? 'ended' : s.response;
      if (block.endStream) this.sendEnding('s2c', s, item);
      else this.send('s2c', item);
    }
    this.callOver(s);
  }

  private fireAll(firings: Firing[], timing: 'before' | 'after' | 'all'): void {
    for (const firing of firings) {
      if (timing === 'all' || timingOf(firing.spec.action) === timing) applyFiring(this, firing);
    }
  }

  /** Streams the server has open (counted against SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 §5.1.2). */
  private openAtServer(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.forwarded && !s.closedForServer) n++;
    return n;
  }

  // ---- SETTINGS, PING, WINDOW_UPDATE, RST_STREAM ----

  private onSettings(dir: Direction, frame: FrameOf<'SETTINGS'>, bytes: Buffer): void {
    if ((frame.flags & Flag.ACK) === 0) {
      let settings = frame.settings;
      let out = bytes;
      let maxStreams: string | undefined;
      if (dir === 's2c' && this.maxStreams) {
        ({ settings, bytes: out } = withMaxStreams(frame.settings, this.maxStreams.value));
        maxStreams = this.maxStreams.fault;
      }
      const sent: SentSettings = { origin: 'peer', settings, maxStreams };
      this.send(dir, {
        stream: 0,
        bytes: out,
        written: () => this.sentSettings[dir].push(sent),
        mark:
          maxStreams === undefined
            ? undefined
            : {
                fault: maxStreams,
                action: 'alter',
                note: `the client sees SETTINGS_MAX_CONCURRENT_STREAMS ${this.maxStreams!.value} (RFC 9113 §6.5.2); the tap refuses streams beyond it`,
                was: describeSettings(frame.settings),
              },
      });
      return;
    }
    // An ACK acknowledges the oldest SETTINGS that went the other way.
    const acked = this.sentSettings[opposite(dir)].shift();
    if (acked?.origin === 'tap') {
      this.observer.note({
        fault: acked.maxStreams ?? '',
        action: 'drop',
        dir,
        frame: { type: 'SETTINGS', flags: ['ACK'], length: 0, stream: 0 },
        note: `SETTINGS ACK for the tap's own SETTINGS, kept by the tap (the ${dir === 'c2s' ? 'server' : 'client'} never sent them)`,
      });
    } else this.send(dir, { stream: 0, bytes });
    if (acked) this.applySettings(opposite(dir), acked);
  }

  /** The receiver of `dir` acknowledged `acked` (sent towards it): they bind what `dir`'s receiver… sends back. */
  private applySettings(dir: Direction, acked: SentSettings): void {
    // `acked` went towards the receiver of `dir`, who now obeys them when it sends (direction opposite(dir)).
    const back = opposite(dir);
    for (const { id, value } of acked.settings) {
      switch (id) {
        case Setting.SETTINGS_HEADER_TABLE_SIZE:
          this.readers[back].hpack.setSettingsMaxTableSize(value);
          this.outlets[dir].tableSetting = value;
          break;
        case Setting.SETTINGS_MAX_FRAME_SIZE:
          this.outlets[back].maxFrameSize = value;
          break;
        case Setting.SETTINGS_INITIAL_WINDOW_SIZE:
          this.outlets[back].ledger.initialWindow(value);
          this.outlets[back].pump();
          break;
      }
    }
    if (acked.maxStreams !== undefined && this.maxStreams) this.maxStreams.enforced = true;
  }

  private onPing(dir: Direction, frame: FrameOf<'PING'>, bytes: Buffer): void {
    const from = dir === 'c2s' ? 'client' : 'server';
    const opaque = frame.opaque.toString('hex');
    const mine = this.tapPings[from].get(opaque);
    if ((frame.flags & Flag.ACK) !== 0 && mine) {
      this.tapPings[from].delete(opaque);
      const rttMs = Math.round((this.options.now() - mine.sentAt) * 1000) / 1000;
      this.observer.note({
        fault: mine.fault,
        action: 'report',
        dir,
        frame: { type: 'PING', flags: ['ACK'], length: 8, stream: 0 },
        rttMs,
        note: `the ${from} acknowledged the tap's PING ${opaque} after ${rttMs.toFixed(3)} ms; the tap keeps the ACK (RFC 9113 §6.7)`,
      });
      return;
    }
    this.send(dir, { stream: 0, bytes });
  }

  private onWindowUpdate(dir: Direction, frame: FrameOf<'WINDOW_UPDATE'>, bytes: Buffer): void {
    const id = frame.streamId;
    const s = id === 0 ? undefined : this.streams.get(id);
    if (s?.dropping !== undefined) return; // the stream the tap ended: the other peer knows it no more
    // A grant from the receiver of the other direction: the tap keeps what it added there (flow.ts).
    const outlet = this.outlets[opposite(dir)];
    const passed = outlet.ledger.granted(id, frame.increment);
    outlet.pump();
    if (passed === frame.increment) return this.send(dir, { stream: id, bytes });
    if (passed === 0) {
      this.observer.note({
        fault: 'flow control',
        action: 'drop',
        dir,
        stream: id,
        frame: { type: 'WINDOW_UPDATE', flags: [], length: 4, stream: id },
        note: `WINDOW_UPDATE of ${frame.increment} kept by the tap: it gives back bytes the tap added (padding), which the ${dir === 'c2s' ? 'server' : 'client'} never sent (RFC 9113 §6.9)`,
      });
      return;
    }
    this.send(dir, {
      stream: id,
      bytes: windowUpdateFrame(id, passed),
      mark: {
        fault: 'flow control',
        action: 'alter',
        note: `increment less the ${frame.increment - passed} bytes the tap added (padding), which the ${dir === 'c2s' ? 'server' : 'client'} never sent (RFC 9113 §6.9)`,
        was: `WINDOW_UPDATE ${frame.increment}`,
      },
    });
  }

  private onRstStream(dir: Direction, frame: FrameOf<'RST_STREAM'>, bytes: Buffer): void {
    const s = this.streams.get(frame.streamId);
    if (!s) return this.send(dir, { stream: frame.streamId, bytes });
    if (s.dropping !== undefined) return;
    // Its sender is done with the stream: what waits for the other way is of no use to it, and
    // what waits towards the receiver goes first.
    const held = this.outlets[opposite(dir)].discard(s.id);
    for (const frame of held.frames)
      this.observer.note({
        fault: held.fault,
        action: 'drop',
        dir: opposite(dir),
        stream: s.id,
        frame,
        note: `${frame.type} of stream ${s.id}, held by the tap, not passed on: the ${dir === 'c2s' ? 'client' : 'server'} reset the stream (RFC 9113 §5.4.2)`,
      });
    s.reset = true;
    this.send(dir, { stream: s.id, bytes });
    this.callOver(s);
  }
}

/** Why the frames of a stream are dropped. */
function droppedBecause(s: StreamState): string {
  return s.tapClosed !== undefined
    ? 'the tap ended the stream (RFC 9113 §5.4.2: frames in flight after RST_STREAM are expected, and ignored)'
    : (s.refused?.why ?? '');
}

/** A raw frame's bytes: a view of the chunk it came in when the header is right before its payload. */
function rawFrameBytes(raw: RawFrame): Buffer {
  const p = raw.payload;
  if (p.byteOffset >= FRAME_HEADER_SIZE) {
    const view = Buffer.from(p.buffer, p.byteOffset - FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + p.length);
    const word = view.readUInt32BE(5);
    if (
      view.readUIntBE(0, 3) === raw.length &&
      view[3] === raw.type &&
      view[4] === raw.flags &&
      (word & 0x7fffffff) === raw.streamId &&
      word >>> 31 === (raw.reservedBit ? 1 : 0)
    )
      return view;
  }
  return Buffer.concat([frameHeader(raw.length, raw.type, raw.flags, raw.streamId, raw.reservedBit), p]);
}

/** The 5 priority bytes of a HEADERS frame with PRIORITY (§6.2). */
function priorityBytes(frame: FrameOf<'HEADERS'>): Buffer {
  const out = Buffer.allocUnsafe(5);
  const p = frame.priority!;
  out.writeUInt32BE(((p.exclusive ? 0x80000000 : 0) | p.dependency) >>> 0, 0);
  out[4] = p.weight - 1;
  return out;
}

/** A SETTINGS frame with SETTINGS_MAX_CONCURRENT_STREAMS set to `value` (added if absent). */
function withMaxStreams(
  settings: { id: number; value: number }[],
  value: number,
): { settings: { id: number; value: number }[]; bytes: Buffer } {
  const out = settings.filter((s) => s.id !== Setting.SETTINGS_MAX_CONCURRENT_STREAMS);
  out.unshift({ id: Setting.SETTINGS_MAX_CONCURRENT_STREAMS, value });
  const payload = Buffer.allocUnsafe(6 * out.length);
  out.forEach(({ id, value: v }, i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(v >>> 0, 6 * i + 2);
  });
  return { settings: out, bytes: Buffer.concat([frameHeader(payload.length, 0x4, 0, 0), payload]) };
}

function describeSettings(settings: { id: number; value: number }[]): string {
  const mcs = settings.find((s) => s.id === Setting.SETTINGS_MAX_CONCURRENT_STREAMS);
  return `SETTINGS with SETTINGS_MAX_CONCURRENT_STREAMS ${mcs === undefined ? 'not set (unlimited)' : mcs.value}`;
}

/** RST_STREAM REFUSED_STREAM to the client for a stream the server never saw (max-streams). */
function applyRefusal(connection: FaultConnection, s: StreamState, fault: string): void {
  connection.send('s2c', {
    stream: s.id,
    bytes: rstRefused(s.id),
    mark: {
      fault,
      action: 'inject',
      note: `REFUSED_STREAM: the stream was not processed, the client may retry it (RFC 9113 §8.7)`,
    },
  });
  s.reset = true;
  connection.callOver(s);
}

function rstRefused(stream: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(0x7, 0);
  return Buffer.concat([frameHeader(4, 0x3, 0, stream), payload]);
}
