// One direction of a connection as the fuzzer handles it: a list of pieces, each the preface or one
// HTTP/2 frame as it was sent (RFC 9113 §3.4, §4.1), which the mutators change, drop, add and move.
// A piece keeps the stream its frame was on when recorded: a hostile server sends the answer to a
// stream only once the client under test has opened it (fuzz/client-target.ts).
//
//   Frame header, 9 bytes:  Length (24) | Type (8) | Flags (8) | R (1) | Stream Identifier (31)

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_SIZE = 9;

// RFC 9113 §6.
export const DATA = 0x0;
export const HEADERS = 0x1;
export const PRIORITY = 0x2;
export const RST_STREAM = 0x3;
export const SETTINGS = 0x4;
export const PUSH_PROMISE = 0x5;
export const PING = 0x6;
export const GOAWAY = 0x7;
export const WINDOW_UPDATE = 0x8;
export const CONTINUATION = 0x9;

export const END_STREAM = 0x1;
export const ACK = 0x1;
export const END_HEADERS = 0x4;
export const PADDED = 0x8;
export const PRIORITY_FLAG = 0x20;

/** RFC 9113 §6.5.2: SETTINGS_MAX_FRAME_SIZE's initial value. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

export interface Piece {
  bytes: Buffer;
  /** The stream of the frame when it was recorded (0: the connection, and the preface). */
  stream: number;
}

export interface FrameView {
  length: number;
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** One frame: the 9-byte header and the payload. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_SIZE + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId >>> 0, 5);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

/** The frame a piece holds, or undefined for the preface and for pieces too short for a header. */
export function view(piece: Piece): FrameView | undefined {
  const b = piece.bytes;
  if (b.length < FRAME_HEADER_SIZE || isPreface(b)) return undefined;
  return {
    length: b.readUIntBE(0, 3),
    type: b[3],
    flags: b[4],
    streamId: b.readUInt32BE(5) & 0x7fffffff,
    payload: b.subarray(FRAME_HEADER_SIZE),
  };
}

export function isPreface(bytes: Buffer): boolean {
  return bytes.length === PREFACE.length && bytes.equals(PREFACE);
}

/**
 * A direction's bytes cut into the preface (client side) and frames, by the length in each frame
 * header; bytes after the last whole frame (a connection closed mid-frame) are one last piece.
 */
export function splitPieces(bytes: Buffer, clientSide: boolean): Piece[] {
  const pieces: Piece[] = [];
  let pos = 0;
  if (clientSide && bytes.subarray(0, PREFACE.length).equals(PREFACE)) {
    pieces.push({ bytes: Buffer.from(PREFACE), stream: 0 });
    pos = PREFACE.length;
  }
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    const size = left < FRAME_HEADER_SIZE ? left : Math.min(left, FRAME_HEADER_SIZE + bytes.readUIntBE(pos, 3));
    const stream = size >= FRAME_HEADER_SIZE ? bytes.readUInt32BE(pos + 5) & 0x7fffffff : 0;
    pieces.push({ bytes: Buffer.from(bytes.subarray(pos, pos + size)), stream });
    pos += size;
  }
  return pieces;
}

export function joinPieces(pieces: readonly Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => p.bytes));
}

/**
 * The header block fragment of a HEADERS, PUSH_PROMISE or CONTINUATION frame, without the Pad
 * Length, priority and promised-stream fields and the padding (RFC 9113 §6.2, §6.6, §6.10);
 * undefined when those fields do not fit in the payload.
 */
export function headerFragment(f: FrameView): Buffer | undefined {
  let start = 0;
  let end = f.payload.length;
  if ((f.type === HEADERS || f.type === PUSH_PROMISE) && f.flags & PADDED) {
    if (end < 1) return undefined;
    end -= f.payload[0];
    start = 1;
  }
  if (f.type === HEADERS && f.flags & PRIORITY_FLAG) start += 5;
  if (f.type === PUSH_PROMISE) start += 4;
  return start <= end ? f.payload.subarray(start, end) : undefined;
}

/** A piece in the form the recordings and failure files keep: frame header fields apart, then the payload, in hex. */
export function pieceLine(piece: Piece): string {
  const b = piece.bytes;
  if (isPreface(b)) return `PREFACE ${b.toString('hex')}`;
  if (b.length < FRAME_HEADER_SIZE) return `PARTIAL ${b.toString('hex')}`;
  const hex = b.toString('hex');
  const name = TYPE_NAMES[b[3]] ?? `TYPE_${b[3]}`;
  return `${name} ${hex.slice(0, 6)} ${hex.slice(6, 8)} ${hex.slice(8, 10)} ${hex.slice(10, 18)} ${hex.slice(18)}`.trimEnd();
}

/** The bytes of a `pieceLine` (its first word names it; the rest is hex, spaces ignored). */
export function lineBytes(line: string): Buffer {
  const hex = line.slice(line.indexOf(' ') + 1).replace(/ /g, '');
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`not a piece line: ${line.slice(0, 60)}`);
  return Buffer.from(hex, 'hex');
}

const TYPE_NAMES = [
  'DATA',
  'HEADERS',
  'PRIORITY',
  'RST_STREAM',
  'SETTINGS',
  'PUSH_PROMISE',
  'PING',
  'GOAWAY',
  'WINDOW_UPDATE',
  'CONTINUATION',
];
