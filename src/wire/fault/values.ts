// The values a fault SPEC is made of, each parsed by one function that returns the value or a
// sentence saying what it wanted (never a throw: the SPEC parser names the bad part with it).

import { Http2Code } from '../../protocol/rst-code.js';
import { Status } from '../../protocol/status.js';

export type Parsed<T> = { value: T } | { error: string };

const DURATION = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/;
const MS_PER_UNIT: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration like 0ms, 250ms, 2s, 1.5m: milliseconds. A bare number has no unit and is refused. */
export function durationMs(text: string): Parsed<number> {
  const m = DURATION.exec(text);
  if (!m) return { error: `a duration like 0ms, 250ms, 2s or 1.5m, got "${text}"` };
  return { value: Number(m[1]) * MS_PER_UNIT[m[2]] };
}

const SIZE = /^(\d+(?:\.\d+)?)(|B|KB|KiB|MB|MiB|GB|GiB)$/;
const BYTES_PER_UNIT: Record<string, number> = {
  '': 1,
  B: 1,
  KB: 1000,
  KiB: 1024,
  MB: 1000 ** 2,
  MiB: 1024 ** 2,
  GB: 1000 ** 3,
  GiB: 1024 ** 3,
};

/** A number of bytes, with an optional unit (KB = 1000, KiB = 1024); at least `min`. */
export function byteCount(text: string, min = 0): Parsed<number> {
  const m = SIZE.exec(text.replace(/\/s$/, ''));
  const value = m ? Math.floor(Number(m[1]) * BYTES_PER_UNIT[m[2]]) : NaN;
  if (!m || !Number.isSafeInteger(value) || value < min)
    return { error: `a number of bytes like 512, 10KB or 64KiB${min > 0 ? ` (at least ${min})` : ''}, got "${text}"` };
  return { value };
}

/** A whole number from `min` to `max`. */
export function integer(text: string, min: number, max: number): Parsed<number> {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    return { error: `a whole number from ${min} to ${max}, got "${text}"` };
  return { value };
}

/** A percentage, 0 to 100, decimals allowed. */
export function percentage(text: string): Parsed<number> {
  const value = Number(text.replace(/%$/, ''));
  if (!/^\d+(\.\d+)?%?$/.test(text) || value > 100) return { error: `a percentage from 0 to 100, got "${text}"` };
  return { value };
}

const HTTP2_CODES = Object.keys(Http2Code) as (keyof typeof Http2Code)[];

/** An HTTP/2 error code (RFC 9113 §7) by name (CANCEL, REFUSED_STREAM…) or number. */
export function http2Code(text: string): Parsed<number> {
  const name = text.toUpperCase();
  if ((HTTP2_CODES as string[]).includes(name)) return { value: Http2Code[name as keyof typeof Http2Code] };
  if (/^(0x[0-9a-f]{1,8}|\d{1,10})$/i.test(text) && Number(text) <= 0xffffffff) return { value: Number(text) };
  return { error: `an HTTP/2 error code (${HTTP2_CODES.join(', ')}, or a number), got "${text}"` };
}

const STATUS_NAMES = Object.keys(Status) as (keyof typeof Status)[];

/** A gRPC status (doc/statuscodes.md) by name (UNAVAILABLE, unavailable) or number (14). */
export function grpcStatus(text: string): Parsed<number> {
  const name = text.toUpperCase();
  if ((STATUS_NAMES as string[]).includes(name)) return { value: Status[name as keyof typeof Status] };
  if (/^\d{1,2}$/.test(text) && Number(text) <= 16) return { value: Number(text) };
  return { error: `a gRPC status (a name such as UNAVAILABLE, or 0 to 16), got "${text}"` };
}

/**
 * A glob over a whole string: `*` any run of characters, `?` one character, everything else itself
 * (`/routeguide.RouteGuide/*`, `*Chat`).
 */
export function glob(text: string): RegExp {
  const body = [...text]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** `%XX` escapes decoded (so that a value may hold a comma: `%2C`); a broken escape is an error. */
export function unescape(text: string): Parsed<string> {
  try {
    return { value: decodeURIComponent(text) };
  } catch {
    return { error: `a value with %XX escapes of UTF-8, got "${text}"` };
  }
}
