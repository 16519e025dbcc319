// One direction of an HTTP/2 connection, bytes → frames (RFC 9113 §3.4, §4.1).
//
//   client → server: the 24-byte connection preface, then frames
//   server → client: frames (its preface is its first frame, a SETTINGS frame)
//
//   Frame header, 9 bytes:  Length (24) | Type (8) | Flags (8) | R (1) | Stream Identifier (31)
//
// Chunks may be cut anywhere — inside the preface, inside a frame header, inside a payload — and
// the same bytes in any chunking give the same events. The parser never throws: a preface that is
// not HTTP/2 is an error event, after which it reads no further (nothing after it can be trusted).

import type { WireError } from '../wire-error.js';

/** RFC 9113 §3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
export const CONNECTION_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_SIZE = 9;

/** A frame as cut from the byte stream: its header fields and its payload, not yet interpreted. */
export interface RawFrame {
  /** Where the frame header starts, counted from the first byte of this direction. */
  offset: number;
  length: number;
  type: number;
  flags: number;
  streamId: number;
  /** The R bit before the stream identifier: "MUST remain unset (0x0) when sending" (§4.1). */
  reservedBit: boolean;
  payload: Buffer;
}

export type ParseEvent =
  { kind: 'preface'; offset: number } | { kind: 'frame'; frame: RawFrame } | { kind: 'error'; error: WireError };

const enum State {
  Preface,
  Header,
  Payload,
  Failed,
}

export class FrameParser {
  private state: State;
  /** Bytes of this direction consumed so far: every event names its offset. */
  private consumed = 0;
  // The preface or a frame header split across chunks is gathered here.
  private readonly head = Buffer.alloc(CONNECTION_PREFACE.length);
  private headFilled = 0;
  private frame: RawFrame | undefined;
  // A payload split across chunks is copied into one buffer of its final size (no O(n²) regrowth).
  private payload: Buffer | undefined;
  private payloadFilled = 0;

  /** `clientSide`: this direction starts with the connection preface. */
  constructor(clientSide: boolean) {
    this.state = clientSide ? State.Preface : State.Header;
  }

  /** True when no frame (or preface) is partly read: the stream may end here cleanly. */
  get idle(): boolean {
    return this.state === State.Failed || (this.state !== State.Payload && this.headFilled === 0);
  }

  /** Feeds one chunk; returns what it completed, in order. */
  push(chunk: Buffer): ParseEvent[] {
    const events: ParseEvent[] = [];
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      switch (this.state) {
        case State.Failed:
          return events;
        case State.Preface:
          pos = this.readPreface(chunk, pos, events);
          break;
        case State.Header: {
          if (this.headFilled === 0 && end - pos >= FRAME_HEADER_SIZE) {
            this.startFrame(chunk, pos); // fast path: the whole header is in this chunk
            pos += FRAME_HEADER_SIZE;
          } else {
            const n = Math.min(FRAME_HEADER_SIZE - this.headFilled, end - pos);
            chunk.copy(this.head, this.headFilled, pos, pos + n);
            this.headFilled += n;
            pos += n;
            if (this.headFilled < FRAME_HEADER_SIZE) break;
            this.headFilled = 0;
            this.startFrame(this.head, 0);
          }
          const frame = this.frame!;
          if (end - pos >= frame.length) {
            // Fast path: the whole payload is in this chunk — a view, no copy.
            events.push(this.finish(chunk.subarray(pos, pos + frame.length)));
            pos += frame.length;
          } else {
            this.payload = Buffer.allocUnsafe(frame.length);
            this.payloadFilled = 0;
            this.state = State.Payload;
          }
          break;
        }
        case State.Payload: {
          const payload = this.payload!;
          const n = Math.min(payload.length - this.payloadFilled, end - pos);
          chunk.copy(payload, this.payloadFilled, pos, pos + n);
          this.payloadFilled += n;
          pos += n;
          if (this.payloadFilled === payload.length) {
            this.payload = undefined;
            this.state = State.Header;
            events.push(this.finish(payload));
          }
          break;
        }
      }
    }
    return events;
  }

  /** Call when the direction ends: a frame cut short is an error event. */
  end(): ParseEvent[] {
    if (this.idle) return [];
    const at = this.consumed;
    const what =
      this.state === State.Preface
        ? `the connection preface (${this.headFilled} of ${CONNECTION_PREFACE.length} bytes)`
        : this.state === State.Header
          ? `a frame header (${this.headFilled} of ${FRAME_HEADER_SIZE} bytes)`
          : `a ${this.frame!.length}-byte frame payload (${this.payloadFilled} bytes)`;
    this.state = State.Failed;
    return [
      { kind: 'error', error: { offset: at, rule: 'RFC 9113 §4.1', message: `the stream ended inside ${what}` } },
    ];
  }

  private readPreface(chunk: Buffer, pos: number, events: ParseEvent[]): number {
    const n = Math.min(CONNECTION_PREFACE.length - this.headFilled, chunk.length - pos);
    chunk.copy(this.head, this.headFilled, pos, pos + n);
    // Compare as the bytes come, so that an HTTP/1.1 request or a TLS ClientHello is named at once.
    for (let i = this.headFilled; i < this.headFilled + n; i++) {
      if (this.head[i] !== CONNECTION_PREFACE[i]) {
        this.state = State.Failed;
        const sample = Buffer.concat([this.head.subarray(0, this.headFilled), chunk.subarray(pos, pos + 24)]);
        events.push({
          kind: 'error',
          error: { offset: i, rule: 'RFC 9113 §3.4', message: notAPreface(sample.subarray(0, 24), i) },
        });
        return chunk.length;
      }
    }
    this.headFilled += n;
    if (this.headFilled === CONNECTION_PREFACE.length) {
      this.headFilled = 0;
      this.consumed = CONNECTION_PREFACE.length;
      this.state = State.Header;
      events.push({ kind: 'preface', offset: 0 });
    }
    return pos + n;
  }

  private startFrame(buf: Buffer, at: number): void {
    // Byte layout (§4.1): length at 0..2, type at 3, flags at 4, R bit + stream id at 5..8.
    const word = buf.readUInt32BE(at + 5);
    this.frame = {
      offset: this.consumed,
      length: (buf[at] << 16) | (buf[at + 1] << 8) | buf[at + 2],
      type: buf[at + 3],
      flags: buf[at + 4],
      reservedBit: word >>> 31 === 1,
      streamId: word & 0x7fffffff,
      payload: EMPTY,
    };
  }

  private finish(payload: Buffer): ParseEvent {
    const frame = this.frame!;
    this.frame = undefined;
    this.consumed += FRAME_HEADER_SIZE + frame.length;
    frame.payload = payload; // (set, not spread into a new object: V8 spreads slowly, ~1 µs per frame)
    return { kind: 'frame', frame };
  }
}

const EMPTY = Buffer.alloc(0);

/** Why the first bytes are not a connection preface, naming what they look like. */
function notAPreface(start: Buffer, at: number): string {
  if (start[0] === 0x16) {
    return 'not an HTTP/2 connection preface but a TLS handshake (give the tap --tls-cert and --tls-key)';
  }
  const text = start.toString('latin1').replace(/[^\x20-\x7e]/g, '.');
  if (/^(GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH) \S/.test(text)) {
    return `not an HTTP/2 connection preface: "${text}…" is HTTP/1.x (h2c needs prior knowledge)`;
  }
  return `not an HTTP/2 connection preface: byte ${at} is 0x${start[at].toString(16).padStart(2, '0')}`;
}
