// Where each field of a frame lies in its bytes, for the hex view (raw-bytes.ts): the 9-byte header
// (RFC 9113 §4.1) and each type's payload fields (§6), read off the decoded frame. Offsets count
// from the frame's first byte.

import { http2CodeName } from '../../protocol/rst-code.js';
import type { ByteRange } from '../events.js';
import { range } from '../raw-bytes.js';
import type { Frame, FrameError, FrameHeader, Priority } from './frame-decode.js';
import { frameHeader } from './frame-header.js';
import { FRAME_HEADER_SIZE, type RawFrame } from './frame-parser.js';
import { Flag } from './frame-types.js';
import { settingName } from './settings.js';

/**
 * What a frame's data or header block fragment holds, where the caller knows more than the frame:
 * the gRPC messages in DATA, a header block's HPACK representations. Ranges covering [at, at + bytes).
 */
export type ContentRanges = (at: number, bytes: number) => ByteRange[];

/** The frame's bytes: its header, then its payload's fields; `content` describes its data or header block fragment. */
export function frameLayout(raw: RawFrame, frame: Frame | FrameError, content?: ContentRanges): ByteRange[] {
  const header = 'header' in frame ? frame.header : frame;
  const typeName = 'header' in frame ? frame.header.type : frame.type;
  const out = [headerRange(raw, header, typeName)];
  if (raw.length === 0) return out;
  if ('code' in frame) {
    out.push(range(FRAME_HEADER_SIZE, raw.length, `payload: not read further (${frame.message})`));
    return out;
  }
  out.push(...payloadRanges(frame, (at, bytes) => range(at, bytes, contentName(frame.type), content?.(at, bytes))));
  return out;
}

/** The frame's 9-byte header, as it was on the wire: Length (24) | Type (8) | Flags (8) | R (1) | Stream Identifier (31). */
export function frameHeaderBytes(raw: RawFrame): Uint8Array {
  return frameHeader(raw.length, raw.type, raw.flags, raw.streamId, raw.reservedBit);
}

function headerRange(raw: RawFrame, header: FrameHeader, typeName: string): ByteRange {
  const type = typeName === 'UNKNOWN' ? 'unknown: the receiver ignores the frame (RFC 9113 §5.5)' : typeName;
  const flags = header.flagNames.length > 0 ? `: ${header.flagNames.join(' ')}` : '';
  const undefinedBits = header.undefinedFlags
    ? `; ${hex(header.undefinedFlags, 2)} not defined for ${typeName} (must be 0)`
    : '';
  return range(0, FRAME_HEADER_SIZE, 'frame header (RFC 9113 §4.1)', [
    range(0, 3, `Length ${raw.length}`),
    range(3, 1, `Type ${hex(raw.type, 1)} ${type}`),
    range(4, 1, `Flags ${hex(raw.flags, 2)}${flags}${undefinedBits}`),
    range(
      5,
      4,
      `Stream Identifier ${raw.streamId}${raw.reservedBit ? ' (and the Reserved bit, which must be 0)' : ''}`,
    ),
  ]);
}

function payloadRanges(frame: Frame, content: (at: number, bytes: number) => ByteRange): ByteRange[] {
  const start = FRAME_HEADER_SIZE;
  const end = start + frame.length;
  switch (frame.type) {
    case 'DATA':
    case 'HEADERS':
    case 'PUSH_PROMISE':
    case 'CONTINUATION': {
      const out: ByteRange[] = [];
      let at = start;
      // Pad Length (8), when PADDED (§6.1, §6.2, §6.6).
      const padded = frame.type !== 'CONTINUATION' && (frame.flags & Flag.PADDED) !== 0;
      if (padded) out.push(range(at++, 1, `Pad Length ${frame.padding?.length ?? 0}`));
      if (frame.type === 'HEADERS' && frame.priority) {
        out.push(...priorityRanges(at, frame.priority));
        at += 5;
      }
      if (frame.type === 'PUSH_PROMISE') {
        out.push(range(at, 4, `Promised Stream ID ${frame.promisedStreamId}`));
        at += 4;
      }
      const inner = frame.type === 'DATA' ? frame.data : frame.fragment;
      if (inner.length > 0) out.push(content(at, inner.length));
      const padding = frame.type !== 'CONTINUATION' ? frame.padding : undefined;
      if (padding && padding.length > 0) {
        const zero = padding.nonZero ? 'not all zero: a receiver may treat it as PROTOCOL_ERROR' : 'zero';
        out.push(range(end - padding.length, padding.length, `Padding: ${padding.length} bytes, ${zero}`));
      }
      return out;
    }
    case 'PRIORITY':
      return priorityRanges(start, frame.priority);
    case 'RST_STREAM':
      return [range(start, 4, `Error Code ${hex(frame.errorCode, 8)} ${http2CodeName(frame.errorCode)}`)];
    case 'SETTINGS':
      // Each parameter: Identifier (16) | Value (32) (§6.5.1).
      return frame.settings.map((s, i) =>
        range(start + 6 * i, 6, `${settingName(s.id)} = ${s.value}`, [
          range(start + 6 * i, 2, `Identifier ${hex(s.id, 4)} ${settingName(s.id)}`),
          range(start + 6 * i + 2, 4, `Value ${s.value}`),
        ]),
      );
    case 'PING':
      return [range(start, 8, 'Opaque Data: the ACK carries the same 8 bytes')];
    case 'GOAWAY': {
      const out = [
        range(start, 4, `Last-Stream-ID ${frame.lastStreamId}`),
        range(start + 4, 4, `Error Code ${hex(frame.errorCode, 8)} ${http2CodeName(frame.errorCode)}`),
      ];
      if (frame.debugData.length > 0) {
        const text = JSON.stringify(frame.debugData.toString('latin1'));
        out.push(range(start + 8, frame.debugData.length, `Additional Debug Data: ${text}`));
      }
      return out;
    }
    case 'WINDOW_UPDATE':
      return [
        range(start, 4, `Window Size Increment ${frame.increment}${frame.reservedBit ? ' (reserved bit set)' : ''}`),
      ];
    case 'UNKNOWN':
      return [range(start, frame.length, 'payload of a frame type this tap does not know')];
  }
}

/** E (1) | Stream Dependency (31) | Weight (8) (§6.3). */
function priorityRanges(at: number, p: Priority): ByteRange[] {
  return [
    range(at, 4, `Stream Dependency ${p.dependency}${p.exclusive ? ', exclusive (E = 1)' : ''}`),
    range(at + 4, 1, `Weight ${p.weight} (sent as ${p.weight - 1})`),
  ];
}

function contentName(type: Frame['type']): string {
  return type === 'DATA' ? 'Data' : 'Field Block Fragment (HPACK, RFC 7541)';
}

function hex(n: number, digits: number): string {
  return `0x${n.toString(16).padStart(digits, '0')}`;
}
