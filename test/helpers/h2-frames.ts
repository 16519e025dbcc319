// HTTP/2 frames built byte by byte (RFC 9113 §4.1), for feeding the tap's parser exactly what a
// test needs — including what no well-behaved peer would send.

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** One frame: 9-byte header (length, type, flags, R bit + stream id) and the payload. */
export function h2frame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = Buffer.alloc(0),
  reservedBit = false,
): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(((reservedBit ? 0x80000000 : 0) | streamId) >>> 0, 5);
  out.set(payload, 9);
  return out;
}

export const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** SETTINGS parameters: identifier (16) and value (32) each. */
export function settingsPayload(params: [number, number][]): Buffer {
  const out = Buffer.alloc(params.length * 6);
  params.forEach(([id, value], i) => {
    out.writeUInt16BE(id, i * 6);
    out.writeUInt32BE(value, i * 6 + 2);
  });
  return out;
}

/** A PADDED payload: Pad Length, the body, then `pad` zero bytes (or `fill`). */
export function padded(body: Uint8Array, pad: number, fill = 0): Buffer {
  return Buffer.concat([Buffer.from([pad]), body, Buffer.alloc(pad, fill)]);
}

/** Cuts `bytes` into chunks at the given offsets. */
export function cutAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** Random chunk boundaries for `length` bytes, chunks of 1..maxChunk bytes. */
export function randomCuts(length: number, random: () => number, maxChunk: number): number[] {
  const cuts: number[] = [];
  for (let at = 1 + Math.floor(random() * maxChunk); at < length; at += 1 + Math.floor(random() * maxChunk))
    cuts.push(at);
  return cuts;
}
