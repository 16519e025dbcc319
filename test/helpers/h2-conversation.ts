// Byte-exact HTTP/2 conversations for the tap's connection decoder: header blocks encoded by hand
// in the simplest HPACK form (RFC 7541 §6.2.2, literal without indexing, new name, no Huffman),
// gRPC messages with their 5-byte prefix, and frames from h2-frames.ts.

import { h2frame, PREFACE, settingsPayload, u32 } from './h2-frames.js';

/** An HPACK integer with an N-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
export function hpackInteger(value: number, prefixBits: number, first = 0): number[] {
  const max = (1 << prefixBits) - 1;
  if (value < max) return [first | value];
  const out = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

function hpackString(text: string): number[] {
  const bytes = Buffer.from(text, 'latin1');
  return [...hpackInteger(bytes.length, 7), ...bytes];
}

/** A header block of literal fields without indexing (new names, plain strings). */
export function hpackBlock(fields: [string, string][], sizeUpdates: number[] = []): Buffer {
  const out: number[] = [];
  for (const size of sizeUpdates) out.push(...hpackInteger(size, 5, 0x20)); // §6.3
  for (const [name, value] of fields) out.push(0x00, ...hpackString(name), ...hpackString(value));
  return Buffer.from(out);
}

export const F = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export function headers(stream: number, fields: [string, string][], flags: number = F.END_HEADERS): Buffer {
  return h2frame(0x1, flags, stream, hpackBlock(fields));
}

export function data(stream: number, payload: Uint8Array, flags = 0): Buffer {
  return h2frame(0x0, flags, stream, payload);
}

export const settings = (params: [number, number][] = []) => h2frame(0x4, 0, 0, settingsPayload(params));
export const settingsAck = () => h2frame(0x4, F.ACK, 0);
export const rstStream = (stream: number, code: number) => h2frame(0x3, 0, stream, u32(code));
export const goaway = (last: number, code: number, debug = '') =>
  h2frame(0x7, 0, 0, Buffer.concat([u32(last), u32(code), Buffer.from(debug)]));
export const windowUpdate = (stream: number, n: number) => h2frame(0x8, 0, stream, u32(n));
export const ping = (opaque: string, ack = false) => h2frame(0x6, ack ? F.ACK : 0, 0, Buffer.from(opaque, 'hex'));

/** A Length-Prefixed-Message. */
export function grpcMessage(body: Uint8Array, flag = 0): Buffer {
  const out = Buffer.alloc(5 + body.length);
  out[0] = flag;
  out.writeUInt32BE(body.length, 1);
  out.set(body, 5);
  return out;
}

export const REQUEST: [string, string][] = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/routeguide.RouteGuide/RouteChat'],
  [':authority', 'localhost'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
];
export const RESPONSE: [string, string][] = [
  [':status', '200'],
  ['content-type', 'application/grpc'],
];
export const OK_TRAILERS: [string, string][] = [['grpc-status', '0']];

export { PREFACE };
