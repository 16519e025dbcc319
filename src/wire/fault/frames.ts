// The frames the tap writes itself when a fault asks (RFC 9113 §4.1, §6). Each builder returns the
// frame's bytes, header and payload; the reserved bit is always 0, and so are the flags a type does
// not define.
// (The 9-byte frame header: ../h2/frame-header.ts.)

import { frameHeader } from '../h2/frame-header.js';
import { Flag, FrameType } from '../h2/frame-types.js';
import { INITIAL_MAX_FRAME_SIZE } from '../h2/settings.js';

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  return Buffer.concat([frameHeader(payload.length, type, flags, streamId), payload]);
}

/** §6.4: Error Code (32). */
export function rstStreamFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(code >>> 0, 0);
  return frame(FrameType.RST_STREAM, 0, streamId, payload);
}

/** §6.8: R (1) | Last-Stream-ID (31) | Error Code (32) | Additional Debug Data. */
export function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
  const debugData = Buffer.from(debug, 'utf8');
  const payload = Buffer.allocUnsafe(8 + debugData.length);
  payload.writeUInt32BE(lastStreamId & 0x7fffffff, 0);
  payload.writeUInt32BE(code >>> 0, 4);
  debugData.copy(payload, 8);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** §6.7: Opaque Data (64). */
export function pingFrame(opaque: Buffer, ack = false): Buffer {
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, opaque);
}

/** §6.5.1: each parameter Identifier (16) | Value (32). */
export function settingsFrame(settings: readonly { id: number; value: number }[]): Buffer {
  const payload = Buffer.allocUnsafe(6 * settings.length);
  settings.forEach(({ id, value }, i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value >>> 0, 6 * i + 2);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

/** §6.9: R (1) | Window Size Increment (31), 1 to 2^31-1. */
export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const payload = Buffer.allocUnsafe(4);
  payload.writeUInt32BE(increment & 0x7fffffff, 0);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, payload);
}

/**
 * §6.1: one DATA frame; with `padding` (0 to 255), PADDED: Pad Length (8) | Data | Padding (zeros).
 * Its flow-controlled length is the whole payload, the Pad Length octet and the padding included.
 */
export function dataFrame(streamId: number, data: Buffer, endStream: boolean, padding?: number): Buffer {
  const flags = (endStream ? Flag.END_STREAM : 0) | (padding === undefined ? 0 : Flag.PADDED);
  if (padding === undefined) return frame(FrameType.DATA, flags, streamId, data);
  const payload = Buffer.alloc(1 + data.length + padding);
  payload[0] = padding;
  data.copy(payload, 1);
  return frame(FrameType.DATA, flags, streamId, payload);
}

/** The flow-controlled size of a DATA frame's payload (§6.9.1): everything after the frame header. */
export function dataFrameCost(dataLength: number, padding?: number): number {
  return padding === undefined ? dataLength : 1 + dataLength + padding;
}

export interface HeaderFrameOptions {
  endStream: boolean;
  /** HEADERS with PRIORITY: the 5 bytes of its priority fields (§6.2), as the peer sent them. */
  priority?: Buffer;
  /** The receiver's SETTINGS_MAX_FRAME_SIZE (default its initial 16,384). */
  maxFrameSize?: number;
}

/**
 * §4.3, §6.2, §6.10: a header block as HEADERS and, past the receiver's frame size, CONTINUATION
 * frames; END_HEADERS on the last.
 */
export function headerBlockFrames(streamId: number, block: Buffer, options: HeaderFrameOptions): Buffer[] {
  const max = options.maxFrameSize ?? INITIAL_MAX_FRAME_SIZE;
  const first = options.priority ? max - options.priority.length : max;
  const frames: Buffer[] = [];
  let at = Math.min(first, block.length);
  const last = at === block.length;
  let flags = (options.endStream ? Flag.END_STREAM : 0) | (last ? Flag.END_HEADERS : 0);
  if (options.priority) flags |= Flag.PRIORITY;
  const head = options.priority ? Buffer.concat([options.priority, block.subarray(0, at)]) : block.subarray(0, at);
  frames.push(frame(FrameType.HEADERS, flags, streamId, head));
  while (at < block.length) {
    const end = Math.min(at + max, block.length);
    frames.push(
      frame(FrameType.CONTINUATION, end === block.length ? Flag.END_HEADERS : 0, streamId, block.subarray(at, end)),
    );
    at = end;
  }
  return frames;
}
