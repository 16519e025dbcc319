// What changes from run to run, made the same on every run (docs/wire/README.md lists the rules):
// ports, times, versions in user-agent, PING payloads, and — where a client's deadline is measured
// from its clock — grpc-timeout values. Byte counts are left as they are: every value replaced here
// has a length (and an HPACK encoding) that does not change from run to run. In the hex view, a
// replaced header value's bytes are the encoding of the value shown.

import type { ByteRange, HeaderTriple, RawBytes, TapEvent } from '../../src/wire/events.js';
import { stringOctetsLabel } from '../../src/wire/hpack/block-layout.js';
import { encodeHuffman } from '../../src/wire/hpack/index.js';

/** The ports shown, as in the examples of the README and docs/tap.md: the server on 50051, the tap on 50052. */
export const SHOWN_SERVER_PORT = 50051;
export const SHOWN_TAP_PORT = 50052;
/** The client's ephemeral port, whatever the system picked. */
export const SHOWN_CLIENT_PORT = 'CLIENT_PORT';

export interface NormaliseOptions {
  serverPort: number;
  tapPort: number;
  /** grpc-timeout is the time left on the client's clock: keep its first two digits only. */
  timeoutValues?: boolean;
  /** PING data is the same on every run (grpc-go's BDP PING): show it as it is. */
  keepPingData?: boolean;
}

export function normaliseEvents(events: readonly TapEvent[], options: NormaliseOptions): TapEvent[] {
  const pings = new Map<string, number>();
  const ports = (text: string) =>
    text
      .replace(new RegExp(`:${options.tapPort}(?!\\d)`, 'g'), `:${SHOWN_TAP_PORT}`)
      .replace(new RegExp(`:${options.serverPort}(?!\\d)`, 'g'), `:${SHOWN_SERVER_PORT}`);
  const one = (e: TapEvent): TapEvent => {
    e.t = 0;
    if (e.kind === 'connection') {
      if (e.client !== undefined) e.client = e.client.replace(/:\d+$/, `:${SHOWN_CLIENT_PORT}`);
      if (e.upstream !== undefined) e.upstream = ports(e.upstream);
    }
    if (e.kind === 'frame') {
      const received = e.headers;
      if (received) e.headers = received.map((h) => header(h, ports, options));
      if (e.raw && e.headers && received) e.raw = rawHeaders(e.raw, received, e.headers);
      if (e.opaque !== undefined && !options.keepPingData) {
        // PING data is the sender's choice (node:http2: a timestamp): each payload by its number.
        if (!pings.has(e.opaque)) pings.set(e.opaque, pings.size + 1);
        e.opaque = `payload ${pings.get(e.opaque)} (8 bytes)`;
      }
    }
    if (e.kind === 'call') e.durationMs = 0;
    // A frame the tap wrote is a frame like any other inside its fault event; a round trip is the run's own.
    if (e.kind === 'fault') {
      if (e.frame && 'kind' in e.frame) one(e.frame);
      if (e.rttMs !== undefined) e.rttMs = 0;
    }
    if (e.note !== undefined) e.note = note(e.note, options);
    return e;
  };
  return events.map((original) => one(structuredClone(original)));
}

function header(
  [name, value, how]: HeaderTriple,
  ports: (s: string) => string,
  options: NormaliseOptions,
): HeaderTriple {
  if (name === ':authority') return [name, ports(value), how];
  if (name === 'user-agent') return [name, value.replace(/\/\d+\.\d+\.\d+\S*/, '/x.y.z'), how];
  if (name === 'grpc-timeout' && options.timeoutValues) return [name, blurDigits(value), how];
  return [name, value, how];
}

function note(text: string, options: NormaliseOptions): string {
  let out = text
    .replace(/ of t=\d+\.\d+ms/, '') // SETTINGS ACK: when the SETTINGS were seen
    .replace(/, \d+\.\d+ ms later$/, ''); // PING ACK: the round trip
  // (the note writes the milliseconds as a number: 9999.98, not 9999.980)
  if (options.timeoutValues)
    out = out.replace(/(?<=deadline in )[\d.]+(?= ms)/, (ms) => blurDigits(Number(ms).toFixed(3)));
  return out;
}

/**
 * The hex view of a header block whose values were replaced: each replaced value's string literal
 * (RFC 7541 §5.2) holds the replacement's octets, Huffman-coded if the original was. An encoding of
 * another length would change the frame's length: its bytes are then shown as `xx`.
 */
function rawHeaders(raw: RawBytes, before: HeaderTriple[], after: HeaderTriple[]): RawBytes {
  let hex = raw.hex;
  const replace = (ranges: ByteRange[], name: string, old: string, value: string): ByteRange[] =>
    ranges.map((r) => {
      if (r.what === `${name}: ${old}` && r.parts)
        return { ...r, what: `${name}: ${value}`, parts: r.parts.map((p) => octets(p, old, value)) };
      return r.parts ? { ...r, parts: replace(r.parts, name, old, value) } : r;
    });
  const octets = (r: ByteRange, old: string, value: string): ByteRange => {
    for (const huffman of [true, false]) {
      if (r.what !== `value ${stringOctetsLabel(old, huffman)}`) continue;
      const text = Buffer.from(value, 'latin1');
      const encoded = Buffer.from(huffman ? encodeHuffman(text) : text).toString('hex');
      const bytes = encoded.length === 2 * r.bytes ? encoded : 'x'.repeat(2 * r.bytes);
      hex = hex.slice(0, 2 * r.at) + bytes + hex.slice(2 * (r.at + r.bytes));
      return { ...r, what: `value ${stringOctetsLabel(value, huffman)}` };
    }
    return r;
  };
  let ranges = raw.ranges;
  before.forEach(([name, old], i) => {
    if (old !== after[i][1]) ranges = replace(ranges, name, old, after[i][1]);
  });
  return { hex, ranges };
}

/** Digits after the first two as x: 9999983u → 99xxxxxu. */
function blurDigits(value: string): string {
  return value.replace(/^(\d\d)([\d.]*)/, (_, kept: string, rest: string) => kept + rest.replace(/\d/g, 'x'));
}
