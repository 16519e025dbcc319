// A gRPC message's bytes, for the hex view: the 5-byte prefix of PROTOCOL-HTTP2's
// Length-Prefixed-Message — Compressed-Flag (1 byte), Message-Length (4 bytes, big-endian) — then
// the body: its protobuf fields (protobuf/field-layout.ts), or, compressed, its bytes as they are.
// And the part of each message a DATA frame carries (its segments), placed in the frame.

import type protobuf from 'protobufjs';
import { PREFIX_SIZE } from '../../../framing/index.js';
import type { ByteRange, DataSegment } from '../events.js';
import { fieldRanges } from '../protobuf/field-layout.js';
import { decodeWireFormat } from '../protobuf/wire-format.js';
import { range, shifted, windowOf } from '../raw-bytes.js';

/** A message whose bytes are all known: its flag, its body as on the wire, how it was compressed. */
export interface WholeMessage {
  compressed: boolean;
  body: Uint8Array;
  encoding?: string;
}

/** The ranges of a whole message, offsets from its first prefix byte; `type` names its fields. */
export function messageRanges(m: WholeMessage, type?: protobuf.Type): ByteRange[] {
  const out = [prefixRange(m.compressed ? 1 : 0, m.body.length, m.encoding)];
  if (m.body.length === 0) return out;
  const size = `${m.body.length} bytes`;
  if (m.compressed) {
    out.push(range(PREFIX_SIZE, m.body.length, `body: ${size} compressed${m.encoding ? ` with ${m.encoding}` : ''}`));
    return out;
  }
  const dump = decodeWireFormat(m.body, true);
  const parts = shifted(fieldRanges(dump.fields, dump.layout ?? [], type), PREFIX_SIZE);
  const read = parts.length > 0 ? parts[parts.length - 1].at + parts[parts.length - 1].bytes - PREFIX_SIZE : 0;
  if (read < m.body.length) {
    const why = dump.error ? `not protobuf from here: ${dump.error.message}` : 'not read';
    parts.push(range(PREFIX_SIZE + read, m.body.length - read, why));
  }
  const name = type ? type.fullName.replace(/^\./, '') : 'protobuf';
  return [...out, range(PREFIX_SIZE, m.body.length, `body: ${name}, ${size}`, parts)];
}

/**
 * The ranges of one segment of a DATA frame's data (`at` is where the data starts in the frame).
 * `whole`: the message, when this frame completes it (its `whole` or `end` part); a message still
 * incomplete shows its prefix as far as this frame has it, and its body bytes as such.
 */
export function segmentRanges(
  s: DataSegment,
  data: Uint8Array,
  at: number,
  seenBefore: number,
  whole: WholeMessage | undefined,
  type?: protobuf.Type,
): ByteRange[] {
  const from = s.part === 'whole' || s.part === 'start' ? 0 : seenBefore;
  const what = `message ${s.message} (${s.part === 'whole' ? 'whole' : `${s.part} of it`})`;
  let inner: ByteRange[];
  if (whole) {
    inner = windowOf(messageRanges(whole, type), from, from + s.bytes, at + s.at);
  } else {
    // Incomplete: the prefix, when this frame has all of it, says the flag and the length.
    const own = data.subarray(s.at, s.at + s.bytes);
    const known = from === 0 && own.length >= PREFIX_SIZE;
    const length = known ? new DataView(own.buffer, own.byteOffset + 1, 4).getUint32(0) : undefined;
    const pieces = [
      length === undefined
        ? range(0, PREFIX_SIZE, PREFIX_WHAT, [range(0, 1, 'Compressed-Flag'), range(1, 4, 'Message-Length')])
        : prefixRange(own[0], length),
    ];
    const bodyAt = Math.max(PREFIX_SIZE, from);
    const end = from + s.bytes;
    if (length !== undefined) pieces.push(range(PREFIX_SIZE, length, `body (${INCOMPLETE})`));
    else if (end > bodyAt) pieces.push(range(bodyAt, end - bodyAt, `body, a piece of it (${INCOMPLETE})`));
    inner = windowOf(pieces, from, end, at + s.at);
  }
  return [range(at + s.at, s.bytes, what, inner)];
}

const PREFIX_WHAT = 'prefix (PROTOCOL-HTTP2 Length-Prefixed-Message)';
const INCOMPLETE = 'the message is not complete in this frame: its fields are shown on the message';

function prefixRange(flag: number, length: number, encoding?: string): ByteRange {
  const compressed =
    flag === 0
      ? 'not compressed'
      : flag === 1
        ? `compressed${encoding ? ` (${encoding})` : ''}`
        : 'not 0 or 1: the receiver fails the call';
  return range(0, PREFIX_SIZE, PREFIX_WHAT, [
    range(0, 1, `Compressed-Flag ${flag}: ${compressed}`),
    range(1, 4, `Message-Length ${length}`),
  ]);
}
