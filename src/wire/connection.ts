// One TCP connection as the tap reads it: both directions' bytes → frames → header blocks and
// messages → events. The only producer of TapEvents.
//
// Per direction, a DirectionState (direction.ts): its frame parser, header blocks, an HPACK
// decoder bounded by the SETTINGS the other side sent and this side acknowledged. Per stream, a
// CallTracker (grpc/call.ts).
//
// It never throws into the relay: every malformed input is an event. What loses the thread of the
// connection (a preface that is not HTTP/2, a header block HPACK cannot decode, a broken
// CONTINUATION sequence) makes it "undecodable from here": one fatal error event, and the bytes that
// follow are relayed unread.
//
// Events leave in the order the bytes came (ordered-events.ts: a message whose schema is still
// being looked up holds back the events after it, for a bounded while).

import { headerBlockRanges } from './hpack/block-layout.js';
import {
  HpackError,
  describeRepresentation,
  type HeaderBlock as HpackBlock,
  type RepresentationBytes,
} from './hpack/index.js';
import { http2CodeName } from '../protocol/rst-code.js';
import {
  continuationNote,
  dataNote,
  goawayNote,
  OPEN_BLOCK_NOTE,
  pingNote,
  PREFACE_NOTE,
  PRIORITY_NOTE,
  PUSH_PROMISE_NOTE,
  requestNote,
  RESPONSE_HEADERS_NOTE,
  rstNote,
  sender,
  settingsAckNote,
  settingsNote,
  trailersNote,
  trailersOnlyNote,
  unknownFrameNote,
  windowUpdateNote,
} from './annotations.js';
import type { ByteRange, CallEvent, Direction, FrameEvent, HeaderBlockKind, TapEvent } from './events.js';
import type { FaultNote } from './fault/fault-connection.js';
import type { TapMark } from './fault/outlet.js';
import { CallTracker } from './grpc/call.js';
import {
  checkRequestHeaders,
  checkResponseHeaders,
  checkTrailers,
  describeStatus,
  FieldList,
  grpcStatusName,
  type Finding,
} from './grpc/header-rules.js';
import type { AssembledMessage, PushResult } from './grpc/message-assembler.js';
import { decodeMessage, schemaType } from './grpc/message-decoder.js';
import { segmentRanges } from './grpc/message-layout.js';
import { decodeFrame, isFrameError, type Frame, type FrameError, type FrameOf } from './h2/frame-decode.js';
import { frameHeaderBytes, frameLayout, type ContentRanges } from './h2/frame-layout.js';
import { FRAME_HEADER_SIZE, type ParseEvent, type RawFrame } from './h2/frame-parser.js';
import { frameRules } from './h2/frame-rules.js';
import type { HeaderBlock } from './h2/header-blocks.js';
import { Setting, settingName } from './h2/settings.js';
import { askSchema, type SchemaLookup, type SchemaSource } from './protobuf/schemas.js';
import type { WireError } from './wire-error.js';
import { DirectionState } from './direction.js';
import { OrderedEvents } from './ordered-events.js';
import { range, rawBytes, shownBytes, windowOf } from './raw-bytes.js';

export interface ConnectionDecoderOptions {
  conn: number;
  /** Milliseconds since the tap started. */
  clock: () => number;
  /** Where the message types of a call are found; none: messages are shown as their wire format. */
  schemas?: SchemaSource;
  emit: (event: TapEvent) => void;
  /** Messages larger than this many bytes are shown cut short (0: never); so are the bytes of the hex view. */
  maxBody: number;
  /** The hex view: each frame's and each message's bytes, and what each byte is (`raw`). Off by default. */
  hex?: boolean;
  /** Tests only: how long waiting messages wait once the connection is gone (LATE_SCHEMA_MS). */
  lateSchemaMs?: number;
}

/** `{ stream }` when there is one: events carry no undefined fields (they are JSON as they are). */
const onStream = (stream: number | undefined) => (stream === undefined ? {} : { stream });

/** A throw of the tap's own code, as the error that stops the decoding (the bytes keep flowing). */
function decoderFailure(error: unknown): WireError {
  return { offset: 0, rule: 'tap', message: `the decoder failed: ${(error as Error).stack ?? String(error)}` };
}

/** What a completed header block is on its stream; the note naming its rule; its grpc-status by name. */
interface BlockReading {
  kind: HeaderBlockKind;
  note?: string;
  statusName?: string;
}

/** How many ended streams are remembered for a late RST_STREAM (insertion order: the oldest go). */
const ENDED_STREAMS_KEPT = 1024;
/**
 * How long messages still waiting for their schema wait once their connection is gone: longer than
 * `routeguide tap`'s reflection deadline (5 s, src/cli/tap-schemas.ts), so that its answer or its
 * failure is what they show.
 */
const LATE_SCHEMA_MS = 10_000;

export class ConnectionDecoder {
  private readonly options: ConnectionDecoderOptions;
  private readonly sides: Record<Direction, DirectionState> = {
    c2s: new DirectionState('c2s'),
    s2c: new DirectionState('s2c'),
  };
  private readonly calls = new Map<number, CallTracker>();
  /**
   * Streams whose call ended with a status (trailers or Trailers-Only), for the RST_STREAM NO_ERROR
   * that may follow (PROTOCOL-HTTP2 "early server closure"); the most recent ones only.
   */
  private readonly endedWithStatus = new Set<number>();
  /** The highest stream the client opened (client streams are odd and increasing, RFC 9113 §5.1.1). */
  private lastClientStream = 0;
  /** Set once the connection became undecodable: why. */
  private stopped: string | undefined;
  private readonly events: OrderedEvents;
  private now = 0;
  /**
   * With the hex view: the frame being read, and what its data or header block fragment holds once
   * that is known (the messages in a DATA frame, a header block's HPACK representations).
   */
  private hexFrame:
    { raw: RawFrame; frame: Frame | FrameError; content?: ContentRanges; namedBy?: Promise<unknown> } | undefined;
  /** With faults (src/wire/fault/): the frames of the tap's own, by direction and offset. */
  private readonly tapFrames: Record<Direction, Map<number, TapMark>> = { c2s: new Map(), s2c: new Map() };

  constructor(options: ConnectionDecoderOptions) {
    this.options = options;
    this.events = new OrderedEvents(options.emit);
  }

  /** Whether decoding stopped (the bytes are relayed unread from here). */
  get undecodable(): boolean {
    return this.stopped !== undefined;
  }

  /** Bytes of one direction, as they came. Never throws. */
  feed(dir: Direction, chunk: Buffer): void {
    if (this.stopped) return;
    this.now = this.options.clock();
    try {
      for (const event of this.sides[dir].parser.push(chunk)) {
        this.onParse(this.sides[dir], event);
        if (this.stopped) return;
      }
    } catch (error) {
      // A bug of the tap's own must not reach the relay either.
      this.fatal(dir, decoderFailure(error));
    }
  }

  /** One direction ended (TCP FIN). */
  end(dir: Direction): void {
    if (this.stopped) return;
    this.now = this.options.clock();
    for (const event of this.sides[dir].parser.end()) this.onParse(this.sides[dir], event);
  }

  /**
   * The connection is gone: calls still open are summed up as cut short, then `last` (the tap's
   * connection-close event) follows every other event. Messages still waiting for their schema get
   * LATE_SCHEMA_MS more (ordered-events.ts); `done` runs once every event has gone out, and
   * `drain()` lets them out at once.
   */
  close(last?: TapEvent, done: () => void = () => {}): void {
    this.now = this.options.clock();
    for (const call of this.calls.values()) this.finish(call, 'connection closed');
    this.calls.clear();
    if (last) this.events.push(last);
    this.events.end(this.options.lateSchemaMs ?? LATE_SCHEMA_MS, done);
  }

  /** Every event held for a schema goes out now, without it (the tap is stopping). */
  drain(): void {
    this.events.drain();
  }

  /** With faults: the frame at `offset` of `dir` is the tap's own, shown as a fault event. */
  markTapFrame(dir: Direction, offset: number, mark: TapMark): void {
    this.tapFrames[dir].set(offset, mark);
  }

  /** With faults: something the tap did that is not a frame it wrote, in order with the rest. */
  fault(note: FaultNote): void {
    this.events.push({ t: this.options.clock(), conn: this.options.conn, kind: 'fault', ...note });
  }

  // ---- output, in order ----

  /**
   * A frame — or, when the tap wrote it, a fault event holding it — then what it is flagged for
   * (with the hex view, the frame carries its bytes).
   */
  private outFrame(ev: FrameEvent, findings: Finding[]): void {
    const marks = this.tapFrames[ev.dir];
    const mark = marks.size === 0 ? undefined : marks.get(ev.offset);
    if (mark) {
      marks.delete(ev.offset);
      this.hexFrame = undefined;
      this.events.push({ t: ev.t, conn: ev.conn, dir: ev.dir, stream: ev.stream, kind: 'fault', ...mark, frame: ev });
    } else if (this.hexFrame) return this.outFrameWithBytes(ev, findings);
    else this.events.push(ev);
    for (const f of findings) this.events.push(this.warning(ev.dir, ev.stream, f));
  }

  /** With the hex view: the frame with its bytes, once what they hold can be said. */
  private outFrameWithBytes(ev: FrameEvent, findings: Finding[]): void {
    const { raw, frame, content, namedBy } = this.hexFrame!;
    this.hexFrame = undefined;
    const events = (): TapEvent[] => {
      const shown = shownBytes(FRAME_HEADER_SIZE, this.options.maxBody);
      ev.raw = rawBytes([frameHeaderBytes(raw), raw.payload], frameLayout(raw, frame, content), shown);
      return [ev, ...findings.map((f) => this.warning(ev.dir, ev.stream, f, ev.t))];
    };
    // Its messages' fields are named by a schema still being looked up: the frame waits for it too
    // (the messages after it wait for it anyway).
    if (namedBy) this.events.wait(raw.payload.length, namedBy, this.guarded(ev.dir, events));
    else this.events.pushAll(events());
  }

  /** `f` as a warning event, at `t` (default: now; a message decoded late keeps its own time). */
  private warning(dir: Direction, stream: number | undefined, f: Finding, t = this.now): TapEvent {
    return {
      t,
      conn: this.options.conn,
      dir,
      kind: 'warning',
      ...onStream(stream),
      rule: f.rule,
      note: f.note,
    };
  }

  private warn(dir: Direction, stream: number | undefined, rule: string, note: string): void {
    this.events.push(this.warning(dir, stream, { rule, note }));
  }

  private error(dir: Direction, stream: number | undefined, error: WireError): void {
    this.events.push({
      t: this.now,
      conn: this.options.conn,
      dir,
      kind: 'error',
      ...onStream(stream),
      rule: error.rule,
      note: error.message,
      offset: error.offset,
    });
  }

  /** The connection cannot be followed any further. */
  private fatal(dir: Direction, error: WireError, stream?: number): void {
    this.events.push(this.fatalEvent(dir, error, stream));
    this.stopped = error.message;
  }

  private fatalEvent(dir: Direction, error: WireError, stream?: number): TapEvent {
    return {
      t: this.now,
      conn: this.options.conn,
      dir,
      kind: 'error',
      ...onStream(stream),
      rule: error.rule,
      note: `${error.message} — connection ${this.options.conn} is undecodable from here; its bytes keep flowing`,
      offset: error.offset,
      fatal: true,
    };
  }

  /**
   * `build`, for events made once a schema lookup answers (or the connection closes): a bug of the
   * tap's own there stops the decoding as one in `feed` does, instead of escaping from the answer's
   * callback as an unhandled rejection, which would end the process.
   */
  private guarded<T>(
    dir: Direction,
    build: (answer: T | undefined) => TapEvent[],
  ): (answer: T | undefined) => TapEvent[] {
    return (answer) => {
      try {
        return build(answer);
      } catch (error) {
        const failure = decoderFailure(error);
        this.stopped = failure.message;
        return [this.fatalEvent(dir, failure)];
      }
    };
  }

  // ---- frames ----

  private onParse(side: DirectionState, event: ParseEvent): void {
    if (event.kind === 'preface') {
      this.events.push({
        t: this.now,
        conn: this.options.conn,
        dir: side.dir,
        kind: 'connection',
        type: 'preface',
        note: PREFACE_NOTE,
      });
      return;
    }
    if (event.kind === 'error') return this.fatal(side.dir, event.error);
    this.onFrame(side, event.frame);
  }

  private onFrame(side: DirectionState, raw: RawFrame): void {
    const first = side.frames++ === 0;
    const decoded = decodeFrame(raw);
    if (this.options.hex) this.hexFrame = { raw, frame: decoded };
    const frame = isFrameError(decoded) ? decoded.header : decoded;
    const ev: FrameEvent = {
      t: this.now,
      conn: this.options.conn,
      dir: side.dir,
      kind: 'frame',
      type: isFrameError(decoded) ? decoded.header.type : decoded.type,
      stream: raw.streamId,
      flags: frame.flagNames,
      length: raw.length,
      offset: raw.offset,
    };
    if (ev.type === 'UNKNOWN') ev.typeCode = raw.type;
    const findings = frameRules(raw, frame, { first, maxFrameSize: side.maxFrameSize, dir: side.dir });

    // RFC 9113 §6.10: nothing but CONTINUATION of the same stream inside a header block.
    if (side.blocks.expectingContinuation && ev.type !== 'CONTINUATION') {
      this.outFrame(ev, findings);
      return this.fatal(side.dir, side.blocks.other(raw.offset, ev.type, raw.streamId)!, raw.streamId);
    }
    if (isFrameError(decoded)) {
      this.outFrame(ev, findings);
      // A header block fragment lost: HPACK's state is lost with it.
      if (ev.type === 'HEADERS' || ev.type === 'PUSH_PROMISE' || ev.type === 'CONTINUATION')
        return this.fatal(side.dir, decoded, raw.streamId);
      return this.error(side.dir, raw.streamId, decoded);
    }
    if ('padding' in decoded && decoded.padding) ev.padding = decoded.padding.length;
    this.onDecodedFrame(side, decoded, ev, findings, first);
  }

  private onDecodedFrame(
    side: DirectionState,
    frame: Frame,
    ev: FrameEvent,
    findings: Finding[],
    first: boolean,
  ): void {
    const dir = side.dir;
    switch (frame.type) {
      case 'DATA':
        return this.onData(side, frame, ev, findings);
      case 'HEADERS':
      case 'PUSH_PROMISE': {
        if (frame.type === 'HEADERS' && frame.priority) ev.priority = frame.priority;
        if (frame.type === 'PUSH_PROMISE') {
          ev.promisedStream = frame.promisedStreamId;
          findings.push(...this.pushRules(side));
        }
        const result = side.blocks.begin(frame);
        if (result === undefined) {
          ev.note = frame.type === 'PUSH_PROMISE' ? PUSH_PROMISE_NOTE : OPEN_BLOCK_NOTE;
          this.outFrame(ev, findings);
          return;
        }
        if ('error' in result) return this.fatal(dir, result.error, frame.streamId);
        return this.onHeaderBlock(side, result.block, ev, findings);
      }
      case 'CONTINUATION': {
        const result = side.blocks.continue(frame);
        if (result === undefined) {
          ev.note = continuationNote(false);
          this.outFrame(ev, findings);
          return;
        }
        if ('error' in result) {
          this.outFrame(ev, findings);
          return this.fatal(dir, result.error, frame.streamId);
        }
        return this.onHeaderBlock(side, result.block, ev, findings);
      }
      case 'SETTINGS':
        return this.onSettings(side, frame, ev, findings, first);
      case 'PING': {
        ev.opaque = frame.opaque.toString('hex');
        const ack = frame.flagNames.includes('ACK');
        let rtt: number | undefined;
        if (ack) {
          const other = this.sides[dir === 'c2s' ? 's2c' : 'c2s'];
          const sentAt = other.pings.get(ev.opaque);
          if (sentAt !== undefined) {
            other.pings.delete(ev.opaque);
            rtt = this.now - sentAt;
          }
        } else if (side.pings.size < 64) side.pings.set(ev.opaque, this.now);
        ev.note = pingNote(dir, ack, rtt);
        this.outFrame(ev, findings);
        return;
      }
      case 'GOAWAY': {
        const debug = frame.debugData.toString('latin1');
        ev.lastStreamId = frame.lastStreamId;
        ev.errorCode = http2CodeName(frame.errorCode);
        if (debug) ev.debugData = debug;
        ev.note = goawayNote(dir, frame.lastStreamId, frame.errorCode, debug);
        this.outFrame(ev, findings);
        // Streams of the receiver above the last one were not processed: they end here.
        for (const call of [...this.calls.values()]) {
          if (dir === 's2c' && call.stream > frame.lastStreamId) this.finish(call, 'goaway');
        }
        return;
      }
      case 'WINDOW_UPDATE':
        ev.windowIncrement = frame.increment;
        ev.note = windowUpdateNote(dir, frame.streamId, frame.increment);
        this.outFrame(ev, findings);
        return;
      case 'RST_STREAM': {
        ev.errorCode = http2CodeName(frame.errorCode);
        const call = this.calls.get(frame.streamId);
        const afterStatus = call ? call.trailers !== undefined : this.endedWithStatus.has(frame.streamId);
        ev.note = rstNote(dir, frame.errorCode, afterStatus);
        this.outFrame(ev, findings);
        if (call) {
          call.rst ??= { code: frame.errorCode, dir };
          this.finish(call);
        }
        return;
      }
      case 'PRIORITY':
        ev.priority = frame.priority;
        ev.note = PRIORITY_NOTE;
        this.outFrame(ev, findings);
        return;
      case 'UNKNOWN':
        ev.note = unknownFrameNote(frame.typeCode);
        this.outFrame(ev, findings);
        return;
    }
  }

  private onSettings(
    side: DirectionState,
    frame: FrameOf<'SETTINGS'>,
    ev: FrameEvent,
    findings: Finding[],
    first: boolean,
  ): void {
    const dir = side.dir;
    if (!frame.flagNames.includes('ACK')) {
      ev.settings = frame.settings.map((s) => [settingName(s.id), s.value]);
      ev.note = settingsNote(dir, first);
      if (dir === 's2c' && frame.settings.some((s) => s.id === Setting.SETTINGS_ENABLE_PUSH && s.value !== 0))
        findings.push({ rule: 'RFC 9113 §6.5.2', note: 'a server must not set SETTINGS_ENABLE_PUSH to 1' });
      const overflow = side.sent(this.now, frame.settings);
      if (overflow) findings.push(overflow);
      this.outFrame(ev, findings);
      return;
    }
    const { sentAt, effects } = side.acknowledge(this.sides[dir === 'c2s' ? 's2c' : 'c2s']);
    if (sentAt === undefined)
      findings.push({ rule: 'RFC 9113 §6.5.3', note: 'SETTINGS ACK without SETTINGS to acknowledge' });
    ev.note = settingsAckNote(dir, sentAt, effects);
    this.outFrame(ev, findings);
  }

  private pushRules(side: DirectionState): Finding[] {
    if (side.dir === 'c2s')
      return [{ rule: 'RFC 9113 §8.4', note: 'a client cannot push: PUSH_PROMISE from a client' }];
    if (!side.pushAllowed)
      return [{ rule: 'RFC 9113 §8.4', note: 'PUSH_PROMISE after the client disabled push (SETTINGS_ENABLE_PUSH 0)' }];
    return [{ rule: 'PROTOCOL-HTTP2', note: 'server push: gRPC does not use it' }];
  }

  // ---- header blocks ----

  private onHeaderBlock(side: DirectionState, block: HeaderBlock, ev: FrameEvent, findings: Finding[]): void {
    const dir = side.dir;
    const layout: RepresentationBytes[] | undefined = this.hexFrame ? [] : undefined;
    const decoded: HpackBlock | HpackError = side.hpack.decode(block.block, layout);
    if (layout && !(decoded instanceof HpackError)) this.describeBlock(block.block, decoded, layout);
    if (decoded instanceof HpackError) {
      this.outFrame(ev, findings);
      return this.fatal(
        dir,
        {
          offset: decoded.offset,
          rule: decoded.rule,
          message: `HPACK: ${decoded.message} in the header block of stream ${block.streamId}`,
        },
        block.streamId,
      );
    }
    const list = new FieldList(decoded.fields.map((f) => [f.name, f.value] as const));
    const { kind, note, statusName } =
      block.opener.type === 'PUSH_PROMISE'
        ? { kind: 'push-promise' as const, note: PUSH_PROMISE_NOTE }
        : dir === 'c2s'
          ? this.readRequestHeaders(block, list, findings)
          : this.readResponseHeaders(block, list, findings);
    ev.headers = decoded.fields.map((f) => [f.name, f.value, describeRepresentation(f.representation)]);
    ev.headerBlock = {
      kind,
      bytes: block.block.length,
      frames: block.continuations + 1,
      tableSizeUpdates: decoded.tableSizeUpdates,
      tableSize: side.hpack.tableSize,
      tableEntries: side.hpack.dynamicTable.length,
    };
    if (statusName !== undefined) ev.headerBlock.statusName = statusName;
    if (note !== undefined) ev.note = note;
    this.outFrame(ev, findings);
    const call = this.calls.get(block.streamId);
    if (call && block.endStream) this.endDirection(call, dir);
  }

  /** The client's header block: what it is on its stream, and the call it opens. */
  private readRequestHeaders(block: HeaderBlock, list: FieldList, findings: Finding[]): BlockReading {
    const id = block.streamId;
    let call = this.calls.get(id);
    if (call?.request) {
      findings.push({
        rule: 'PROTOCOL-HTTP2 Requests',
        note: 'a second HEADERS from the client: gRPC requests have no trailers',
      });
      return { kind: 'unexpected' };
    }
    if (!call) {
      if (id % 2 === 0 || id <= this.lastClientStream) {
        findings.push({
          rule: 'RFC 9113 §5.1.1',
          note: `stream ${id}: a client opens odd-numbered streams, each above the last (${this.lastClientStream})`,
        });
      }
      this.lastClientStream = Math.max(this.lastClientStream, id);
      call = new CallTracker(id, this.now);
      this.calls.set(id, call);
    }
    const { findings: requestFindings, info } = checkRequestHeaders(list, block.endStream);
    findings.push(...requestFindings);
    call.request = info;
    call.method = info.method;
    const schema =
      info.method === null ? { missing: 'the request has no :path' } : askSchema(this.options.schemas, info.method);
    call.schema = schema;
    // Once reflection answers, the call's later messages are decoded as they come, without waiting.
    if (schema instanceof Promise) void schema.then((answer) => (call.schema = answer));
    return { kind: 'request', note: requestNote(info.method, info.timeoutMs, info.encoding) };
  }

  /** The server's header block: what it is on its stream, read from what the stream has had so far. */
  private readResponseHeaders(block: HeaderBlock, list: FieldList, findings: Finding[]): BlockReading {
    const id = block.streamId;
    const call = this.calls.get(id);
    if (!call) {
      findings.push({
        rule: 'RFC 9113 §5.1',
        note: `HEADERS on stream ${id}, which the client has not opened (or which has closed)`,
      });
      return { kind: 'unexpected' };
    }
    if (call.trailers) {
      findings.push({ rule: 'PROTOCOL-HTTP2 Responses', note: 'HEADERS after the trailers' });
      return { kind: 'unexpected' };
    }
    const status = list.get('grpc-status');
    if (call.responseHeaders) {
      call.trailers = list;
      findings.push(...checkTrailers(list, block.endStream));
      return { kind: 'trailers', note: trailersNote(describeStatus(status)), statusName: grpcStatusName(status) };
    }
    if (block.endStream) {
      call.trailers = list;
      call.trailersOnly = true;
      findings.push(...checkResponseHeaders(list, true, call.request?.acceptEncoding));
      return {
        kind: 'trailers-only',
        note: trailersOnlyNote(describeStatus(status)),
        statusName: grpcStatusName(status),
      };
    }
    call.responseHeaders = list;
    findings.push(...checkResponseHeaders(list, false, call.request?.acceptEncoding));
    return { kind: 'response', note: RESPONSE_HEADERS_NOTE };
  }

  // ---- DATA and messages ----

  private onData(side: DirectionState, frame: FrameOf<'DATA'>, ev: FrameEvent, findings: Finding[]): void {
    const dir = side.dir;
    const id = frame.streamId;
    let call = this.calls.get(id);
    if (!call) {
      findings.push({
        rule: 'RFC 9113 §5.1',
        note:
          dir === 'c2s' && id > this.lastClientStream
            ? `DATA before HEADERS: stream ${id} was never opened`
            : `DATA on stream ${id}, which is not open`,
      });
      if (dir === 'c2s' && id > this.lastClientStream && id % 2 === 1) {
        // Follow it anyway: its messages can still be shown (without a method).
        call = new CallTracker(id, this.now);
        call.schema = { missing: 'the stream has no request HEADERS' };
        this.lastClientStream = id;
        this.calls.set(id, call);
      }
    } else if (dir === 's2c' && !call.responseHeaders && !call.trailers) {
      findings.push({ rule: 'PROTOCOL-HTTP2 Responses', note: 'DATA before the response HEADERS' });
    } else if (call.ended[dir]) {
      findings.push({ rule: 'RFC 9113 §5.1', note: `DATA after END_STREAM from the ${sender(dir)} (STREAM_CLOSED)` });
    } else if (dir === 's2c' && call.trailers) {
      findings.push({ rule: 'PROTOCOL-HTTP2 Responses', note: 'DATA after the trailers' });
    }
    const endStream = frame.flagNames.includes('END_STREAM');
    if (!call) {
      this.outFrame(ev, findings);
      return;
    }
    if (endStream && dir === 's2c') {
      findings.push({
        rule: 'PROTOCOL-HTTP2 Responses',
        note: 'the response ends on DATA, without trailers: the client ends the call with INTERNAL',
      });
    }
    call.wireBytes[dir] += frame.data.length;
    const pushed = call.assemblers[dir].push(frame.data);
    if (this.hexFrame) this.describeData(call, dir, frame.data, pushed);
    ev.segments = pushed.segments;
    const note = dataNote(dir, frame.data.length, endStream, pushed.segments);
    if (note) ev.note = note;
    this.outFrame(ev, findings);
    this.onMessages(call, dir, pushed.messages);
    if (pushed.error) {
      const rule =
        pushed.error.kind === 'bad-flag'
          ? 'PROTOCOL-HTTP2 Length-Prefixed-Message'
          : 'gRPC max message size (4 MiB by default)';
      this.warn(
        dir,
        id,
        rule,
        `${pushed.error.message}: the receiver fails the call; messages on this stream are not read further`,
      );
    }
    if (endStream) this.endDirection(call, dir);
  }

  /** With the hex view: the frame being read ends a header block, decoded as `decoded` with `layout`. */
  private describeBlock(block: Buffer, decoded: HpackBlock, layout: RepresentationBytes[]): void {
    const hex = this.hexFrame!;
    const ranges = headerBlockRanges(block, decoded, layout);
    // This frame holds the end of the block: its last `fragment` bytes.
    const from = block.length - ('fragment' in hex.frame ? hex.frame.fragment.length : 0);
    hex.content = (at) => windowOf(ranges, from, block.length, at);
  }

  /** With the hex view: the DATA frame being read holds `data`, pushed as `pushed` into its stream's messages. */
  private describeData(call: CallTracker, dir: Direction, data: Buffer, pushed: PushResult): void {
    const hex = this.hexFrame!;
    hex.content = (at) => this.dataRanges(call, dir, data, at, pushed);
    if (call.schema instanceof Promise && pushed.messages.length > 0) hex.namedBy = call.schema;
  }

  /** With the hex view: a DATA frame's data as the gRPC messages it carries. */
  private dataRanges(call: CallTracker, dir: Direction, data: Buffer, at: number, pushed: PushResult): ByteRange[] {
    const type = schemaType(call.schema, dir);
    const out = pushed.segments.flatMap((s) => {
      const m = s.part === 'whole' || s.part === 'end' ? pushed.messages.find((x) => x.index === s.message) : undefined;
      const whole = m && { compressed: m.compressed, body: m.body, encoding: call.encoding(dir) };
      return segmentRanges(s, data, at, pushed.seenBefore, whole, type);
    });
    const read = pushed.segments.reduce((n, s) => n + s.bytes, 0);
    if (read < data.length) {
      const why = pushed.error ? pushed.error.message : 'an earlier message of this stream could not be read';
      out.push(range(at + read, data.length - read, `not read as gRPC messages: ${why}`));
    }
    return out;
  }

  private onMessages(call: CallTracker, dir: Direction, messages: AssembledMessage[]): void {
    for (const m of messages) {
      call.messages[dir]++;
      const schema = call.schema ?? { missing: 'no schema' };
      if (!(schema instanceof Promise)) {
        this.events.pushAll(this.messageEvents(call, dir, m, this.now, schema));
        continue;
      }
      const t = this.now;
      // A copy: a view would keep the whole socket chunk alive for as long as the message waits.
      const kept: AssembledMessage = { ...m, body: Buffer.from(m.body) };
      this.events.wait(
        kept.body.length,
        schema,
        this.guarded(dir, (answer) =>
          this.messageEvents(call, dir, kept, t, answer ?? { missing: 'the schema lookup had not answered yet' }),
        ),
      );
    }
  }

  private messageEvents(
    call: CallTracker,
    dir: Direction,
    m: AssembledMessage,
    t: number,
    schema: SchemaLookup,
  ): TapEvent[] {
    const decoded = decodeMessage(
      m,
      {
        t,
        conn: this.options.conn,
        dir,
        stream: call.stream,
        method: call.method,
        encoding: call.encoding(dir),
        maxBody: this.options.maxBody,
        hex: this.options.hex === true,
      },
      schema,
    );
    call.messageBytes[dir] += decoded.bytes;
    const events: TapEvent[] = [decoded.event];
    for (const f of decoded.warnings) events.push(this.warning(dir, call.stream, f, t));
    return events;
  }

  // ---- the end of a call ----

  private endDirection(call: CallTracker, dir: Direction): void {
    call.ended[dir] = true;
    const truncated = call.assemblers[dir].end();
    if (truncated) this.warn(dir, call.stream, 'PROTOCOL-HTTP2 Length-Prefixed-Message', truncated.message);
    if (call.finished) this.finish(call);
  }

  private finish(call: CallTracker, cut?: 'goaway' | 'connection closed'): void {
    if (call.summarized) return;
    call.summarized = true;
    this.calls.delete(call.stream);
    if (call.trailers !== undefined) {
      this.endedWithStatus.add(call.stream);
      if (this.endedWithStatus.size > ENDED_STREAMS_KEPT) {
        this.endedWithStatus.delete(this.endedWithStatus.values().next().value!);
      }
    }
    const t = this.now;
    // Built when it leaves the queue, so that it counts the bytes of messages decoded late.
    this.events.pushLater((): TapEvent[] => [call.summary(t, this.options.conn, cut) satisfies CallEvent]);
  }
}
