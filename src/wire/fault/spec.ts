// A fault, as `routeguide tap --fault SPEC` (or a `--faults FILE` entry) gives it: what the tap
// does, where, when and how often. docs/faults-guide.md is the reference for users; this file is
// the grammar.
//
//   SPEC  = KIND [ ":" PARAM *( "," PARAM ) ]  |  CASE
//   PARAM = KEY "=" VALUE                          (a value may hold %XX escapes, e.g. %2C for ",")
//   CASE  = one of gRPC's negative HTTP/2 interop cases by name (interop-cases.ts)
//
// Every kind takes `when`, `percent` and `max`; the call filters `method`, `header` and `call` go
// with triggers that happen on a call; `conn` with any. The rest are the kind's own. A malformed
// SPEC is an error naming the bad part, returned, never thrown.

import type { Direction } from '../events.js';
import { isNegativeHttp2Case, NEGATIVE_HTTP2_CASES } from '../../protocol/negative-http2-cases.js';
import { expandInteropCase } from './interop-cases.js';
import {
  byteCount,
  durationMs,
  glob,
  grpcStatus,
  http2Code,
  integer,
  percentage,
  unescape,
  type Parsed,
} from './values.js';

export const FAULT_KINDS = [
  'rst-stream',
  'goaway',
  'abort',
  'drop-trailers',
  'delay',
  'ping',
  'max-streams',
  'pad-data',
  'latency',
  'bandwidth',
  'slice',
  'reset-peer',
  'hang',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** Both directions, or one. */
export type Directions = Direction | 'both';
/** A side of the connection, the tap's frames go to. */
export type Side = 'client' | 'server';

/**
 * When a fault fires. The call triggers happen on one call (its stream):
 * - `request`: as the request headers pass (before any response headers);
 * - `response-headers`: right after the response headers;
 * - `message`: right after the Nth message in `dir` (a DATA frame that goes on is cut there);
 * - `bytes`: once N DATA bytes went in `dir` (prefixes included), or P% of the first message in
 *   `dir` (its 5-byte prefix included, as its length prefix tells); N = 0 is before the first DATA;
 * - `trailers`: as the trailers come, before they go on (rst-stream and abort take their place);
 * - `time` on a call fault: that long after the call's request headers.
 * The connection triggers: `connect` (as it opens), `calls` (after its Nth call ended), and `time`
 * for the connection faults (that long after it opened).
 */
export type Trigger =
  | { at: 'connect' }
  | { at: 'request' }
  | { at: 'response-headers' }
  | { at: 'trailers' }
  | { at: 'message'; dir: Direction; n: number }
  | { at: 'bytes'; dir: Direction; n: number }
  | { at: 'bytes'; dir: Direction; percent: number }
  | { at: 'calls'; n: number }
  | { at: 'time'; ms: number };

export type FaultAction =
  /** RST_STREAM `code` to `to`, CANCEL to the other side. */
  | { kind: 'rst-stream'; code: number; to: Side }
  /** GOAWAY `code` to `to` with the last stream it may have seen; the connection closed `closeAfterMs` later. */
  | { kind: 'goaway'; code: number; to: Side; closeAfterMs?: number; debug: string }
  /** The call ends for the client with `status` (Trailers-Only, or trailers after what was sent); the server's stream is cancelled. With `httpStatus`, an HTTP response of that status instead. */
  | { kind: 'abort'; status: number; message: string; httpStatus?: number }
  /** The response ends without trailers: END_STREAM on an empty DATA frame, or RST_STREAM `code`. */
  | { kind: 'drop-trailers'; as: 'data' | 'rst'; code: number }
  /** The frames of a call (or of the whole direction) in `dir` held for `ms`, order kept. */
  | { kind: 'delay'; ms: number; dir: Direction; scope: 'call' | 'connection' }
  /** `count` PINGs to `to` (again every `everyMs`), each ACK timed and swallowed. */
  | { kind: 'ping'; to: Side | 'both'; count: number; everyMs?: number }
  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS as the client sees it, and as the tap enforces it. */
  | { kind: 'max-streams'; value: number }
  /** DATA in `dir` re-framed: `data` bytes and `padding` bytes of padding a frame (0: not PADDED). */
  | { kind: 'pad-data'; data: number; padding: number; dir: Direction }
  /** Each frame held `ms` (± `jitterMs`) before it goes on, order kept. */
  | { kind: 'latency'; ms: number; jitterMs: number; dir: Directions }
  /** At most `bytesPerSecond` a second in `dir`, on the whole connection or on one call's DATA. */
  | { kind: 'bandwidth'; bytesPerSecond: number; dir: Directions; scope: 'call' | 'connection' }
  /** Writes cut at random points into segments of `min` to `max` bytes, `gapMs` apart. */
  | { kind: 'slice'; min: number; max: number; gapMs: number; dir: Directions }
  /** The TCP connection reset (RST) towards `to`; the other side's closed. */
  | { kind: 'reset-peer'; to: Side | 'both' }
  /** Nothing relayed in `dir` (for `forMs`, or for good); the sockets stay open. */
  | { kind: 'hang'; dir: Directions; forMs?: number };

/** Where a fault applies. */
export interface FaultScope {
  /** A glob over the call's `:path`. */
  method?: RegExp;
  /** A request header that must be present, its value matching a glob. */
  header?: { name: string; value: RegExp };
  /** The Nth call of its connection (1: the first). */
  call?: number;
  /** The Nth connection through the tap (1: the first). */
  conn?: number;
}

export interface FaultSpec {
  /** As the user wrote it (events name the fault by it). */
  label: string;
  action: FaultAction;
  when: Trigger;
  where: FaultScope;
  /** The chance, in percent, that a call (or connection) it could apply to gets it. */
  percent: number;
  /** At most this many times in all (undefined: no limit). */
  max?: number;
}

export type FaultParse = { specs: FaultSpec[] } | { error: string };

/** One `--fault` value: a SPEC (one fault) or an interop case's name (the faults it is made of). */
export function parseFault(text: string): FaultParse {
  if (isNegativeHttp2Case(text)) return { specs: expandInteropCase(text) };
  const colon = text.indexOf(':');
  const kind = colon === -1 ? text : text.slice(0, colon);
  const params: [string, string][] = [];
  if (colon !== -1) {
    for (const part of text.slice(colon + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return { error: `"${part}" is not KEY=VALUE` };
      params.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  const spec = buildSpec(text, kind, params);
  return 'error' in spec ? spec : { specs: [spec] };
}

/**
 * The faults of a `--faults FILE`: a JSON list of SPEC strings, or of objects with the same keys
 * (`{ "kind": "abort", "status": "UNAVAILABLE", "method": "*GetFeature" }`).
 */
export function parseFaultList(json: string): FaultParse {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch (error) {
    return { error: `not JSON: ${(error as Error).message}` };
  }
  if (!Array.isArray(list)) return { error: 'a JSON list of faults (SPEC strings or objects) is wanted' };
  const specs: FaultSpec[] = [];
  for (const [i, entry] of list.entries()) {
    const parsed = typeof entry === 'string' ? parseFault(entry) : parseFaultObject(entry);
    if ('error' in parsed) return { error: `entry ${i + 1} (${JSON.stringify(entry)}): ${parsed.error}` };
    specs.push(...parsed.specs);
  }
  return { specs };
}

function parseFaultObject(entry: unknown): FaultParse {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    return { error: 'each entry is a SPEC string or an object with a "kind"' };
  const { kind, ...rest } = entry as Record<string, unknown>;
  if (typeof kind !== 'string') return { error: 'the object has no "kind"' };
  const params: [string, string][] = [];
  for (const [key, value] of Object.entries(rest)) {
    if (typeof value !== 'string' && typeof value !== 'number')
      return { error: `${key}: a string or a number is wanted, got ${JSON.stringify(value)}` };
    params.push([key, String(value)]);
  }
  const label = params.length === 0 ? kind : `${kind}:${params.map(([k, v]) => `${k}=${v}`).join(',')}`;
  const spec = buildSpec(label, kind, params);
  return 'error' in spec ? spec : { specs: [spec] };
}

/** The parameters of one SPEC, taken one by one; the first bad one is kept as the error. */
class Params {
  error: string | undefined;
  private readonly values = new Map<string, string>();

  constructor(entries: [string, string][]) {
    for (const [key, value] of entries) {
      if (this.values.has(key)) this.error ??= `${key} is given twice`;
      this.values.set(key, value);
    }
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  take<T>(key: string, parse: (text: string) => Parsed<T>): T | undefined {
    const text = this.values.get(key);
    if (text === undefined) return undefined;
    this.values.delete(key);
    const parsed = parse(text);
    if ('error' in parsed) {
      this.error ??= `${key}: ${parsed.error}`;
      return undefined;
    }
    return parsed.value;
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    return (
      this.take(key, (text) =>
        (choices as readonly string[]).includes(text)
          ? { value: text as T }
          : { error: `one of ${choices.join(', ')}, got "${text}"` },
      ) ?? fallback
    );
  }

  required<T>(key: string, parse: (text: string) => Parsed<T>, what: string): T | undefined {
    if (!this.values.has(key)) {
      this.error ??= `${key}=${what} is required`;
      return undefined;
    }
    return this.take(key, parse);
  }

  /** Keys nobody took. */
  rest(): string[] {
    return [...this.values.keys()];
  }
}

const DIRECTIONS = ['c2s', 's2c'] as const;
const DIRECTION_SETS = ['c2s', 's2c', 'both'] as const;
const SIDES = ['client', 'server'] as const;
const SIDES_OR_BOTH = ['client', 'server', 'both'] as const;
const MAX_COUNT = 1_000_000;

/** Each kind: its own parameters (read from `p`), and the trigger it has when `when` is not given. */
const KINDS: Record<FaultKind, { when: string; params: string[]; action(p: Params): FaultAction | undefined }> = {
  'rst-stream': {
    when: 'response-headers',
    params: ['code', 'to'],
    action: (p) => ({
      kind: 'rst-stream',
      code: p.take('code', http2Code) ?? 0x8,
      to: p.choice('to', SIDES, 'client'),
    }),
  },
  goaway: {
    when: 'request',
    params: ['code', 'to', 'close', 'debug'],
    action: (p) => ({
      kind: 'goaway',
      code: p.take('code', http2Code) ?? 0,
      to: p.choice('to', SIDES, 'client'),
      closeAfterMs: p.take('close', durationMs),
      debug: p.take('debug', unescape) ?? '',
    }),
  },
  abort: {
    when: 'request',
    params: ['status', 'message'],
    action: (p) => {
      const status = p.required('status', grpcStatus, 'CODE');
      const message = p.take('message', unescape) ?? 'fault injected by the tap';
      return status === undefined ? undefined : { kind: 'abort', status, message };
    },
  },
  'drop-trailers': {
    when: 'trailers',
    params: ['as', 'code'],
    action: (p) => ({
      kind: 'drop-trailers',
      as: p.choice('as', ['data', 'rst'], 'data'),
      code: p.take('code', http2Code) ?? 0,
    }),
  },
  delay: {
    when: 'request',
    params: ['for', 'dir', 'scope'],
    action: (p) => {
      const ms = p.required('for', durationMs, 'DURATION');
      const dir = p.choice('dir', DIRECTIONS, 's2c');
      const scope = p.choice('scope', ['call', 'connection'], 'call');
      return ms === undefined ? undefined : { kind: 'delay', ms, dir, scope };
    },
  },
  ping: {
    when: 'connect',
    params: ['to', 'count', 'every'],
    action: (p) => ({
      kind: 'ping',
      to: p.choice('to', SIDES_OR_BOTH, 'client'),
      count: p.take('count', (t) => integer(t, 1, 1000)) ?? 1,
      everyMs: p.take('every', durationMs),
    }),
  },
  'max-streams': {
    when: 'connect',
    params: ['value'],
    action: (p) => {
      const value = p.required('value', (t) => integer(t, 0, 0xffffffff), 'N');
      return value === undefined ? undefined : { kind: 'max-streams', value };
    },
  },
  'pad-data': {
    when: 'request',
    params: ['data', 'padding', 'dir'],
    action: (p) => ({
      kind: 'pad-data',
      data: p.take('data', (t) => integer(t, 1, 16_384 - 256)) ?? 5,
      padding: p.take('padding', (t) => integer(t, 0, 255)) ?? 255,
      dir: p.choice('dir', DIRECTIONS, 's2c'),
    }),
  },
  latency: {
    when: 'connect',
    params: ['time', 'jitter', 'dir'],
    action: (p) => {
      const ms = p.required('time', durationMs, 'DURATION');
      const jitterMs = p.take('jitter', durationMs) ?? 0;
      const dir = p.choice('dir', DIRECTION_SETS, 'both');
      return ms === undefined ? undefined : { kind: 'latency', ms, jitterMs, dir };
    },
  },
  bandwidth: {
    when: 'connect',
    params: ['rate', 'dir', 'scope'],
    action: (p) => {
      const rate = p.required('rate', (t) => byteCount(t, 1), 'BYTES');
      const dir = p.choice('dir', DIRECTION_SETS, 'both');
      const scope = p.choice('scope', ['call', 'connection'], 'connection');
      return rate === undefined ? undefined : { kind: 'bandwidth', bytesPerSecond: rate, dir, scope };
    },
  },
  slice: {
    when: 'connect',
    params: ['min', 'max-bytes', 'gap', 'dir'],
    action: (p) => {
      const min = p.take('min', (t) => byteCount(t, 1)) ?? 1;
      const max = p.take('max-bytes', (t) => byteCount(t, 1)) ?? 16;
      if (max < min) p.error ??= `max-bytes (${max}) is below min (${min})`;
      return {
        kind: 'slice',
        min,
        max,
        gapMs: p.take('gap', durationMs) ?? 0,
        dir: p.choice('dir', DIRECTION_SETS, 'both'),
      };
    },
  },
  'reset-peer': {
    when: 'request',
    params: ['to'],
    action: (p) => ({ kind: 'reset-peer', to: p.choice('to', SIDES_OR_BOTH, 'both') }),
  },
  hang: {
    when: 'request',
    params: ['dir', 'for'],
    action: (p) => ({ kind: 'hang', dir: p.choice('dir', DIRECTION_SETS, 'both'), forMs: p.take('for', durationMs) }),
  },
};

const COMMON_PARAMS = ['when', 'percent', 'max', 'method', 'header', 'call', 'conn'];

/** Whether the fault acts on one call (its `time` counts from the call's request headers). */
export function isCallFault(action: FaultAction): boolean {
  switch (action.kind) {
    case 'rst-stream':
    case 'abort':
    case 'drop-trailers':
    case 'pad-data':
      return true;
    case 'delay':
    case 'bandwidth':
      return action.scope === 'call';
    default:
      return false;
  }
}

export function isCallTrigger(trigger: Trigger): boolean {
  return trigger.at !== 'connect' && trigger.at !== 'calls' && trigger.at !== 'time';
}

function buildSpec(label: string, kind: string, entries: [string, string][]): FaultSpec | { error: string } {
  if (!(FAULT_KINDS as readonly string[]).includes(kind))
    return {
      error: `unknown fault "${kind}": one of ${FAULT_KINDS.join(', ')}, or a case: ${NEGATIVE_HTTP2_CASES.join(', ')}`,
    };
  const rule = KINDS[kind as FaultKind];
  const p = new Params(entries);
  const action = rule.action(p);
  const when = p.take('when', trigger) ?? (trigger(rule.when) as { value: Trigger }).value;
  const percent = p.take('percent', percentage) ?? 100;
  const max = p.take('max', (t) => integer(t, 1, MAX_COUNT));
  const where: FaultScope = {
    method: p.take('method', (t) => ({ value: glob(t) })),
    header: p.take('header', headerMatch),
    call: p.take('call', (t) => integer(t, 1, MAX_COUNT)),
    conn: p.take('conn', (t) => integer(t, 1, MAX_COUNT)),
  };
  const unknown = p.rest();
  if (unknown.length > 0)
    return { error: `${kind} takes no "${unknown[0]}" (it takes ${[...rule.params, ...COMMON_PARAMS].join(', ')})` };
  if (p.error !== undefined || action === undefined) return { error: p.error ?? 'bad parameters' };
  for (const key of Object.keys(where) as (keyof FaultScope)[]) if (where[key] === undefined) delete where[key];
  const problem = triggerProblem(action, when, where);
  if (problem) return { error: problem };
  return { label, action, when, where, percent, ...(max === undefined ? {} : { max }) };
}

/** Triggers and filters that do not go with the kind. */
function triggerProblem(action: FaultAction, when: Trigger, where: FaultScope): string | undefined {
  if (action.kind === 'drop-trailers' && when.at !== 'trailers') return 'drop-trailers happens at when=trailers only';
  if (isCallFault(action)) {
    if (!isCallTrigger(when) && when.at !== 'time')
      return `${action.kind} acts on a call: when=${when.at} is not on a call (use request, response-headers, message:…, bytes:…, trailers or time:…)`;
    return undefined;
  }
  const callFilter = where.method ?? where.header ?? where.call;
  if (callFilter !== undefined && !isCallTrigger(when))
    return `method, header and call choose a call: they go with a trigger on a call (request, response-headers, message:…, bytes:…, trailers), not when=${when.at}`;
  return undefined;
}

const TRIGGER =
  /^(connect|request|response-headers|trailers)$|^(message|bytes):(c2s|s2c):(\d+%?)$|^calls:(\d+)$|^time:(.+)$/;

/** A trigger: `request`, `response-headers`, `trailers`, `connect`, `message:DIR:N`, `bytes:DIR:N`, `bytes:DIR:P%`, `calls:N`, `time:DURATION`. */
export function trigger(text: string): Parsed<Trigger> {
  const m = TRIGGER.exec(text);
  const wanted = `connect, request, response-headers, trailers, message:c2s|s2c:N, bytes:c2s|s2c:N (or N%), calls:N or time:DURATION, got "${text}"`;
  if (!m) return { error: wanted };
  if (m[1]) return { value: { at: m[1] as 'connect' | 'request' | 'response-headers' | 'trailers' } };
  if (m[2]) {
    const dir = m[3] as Direction;
    const percent = m[4].endsWith('%');
    const n = Number(m[4].replace('%', ''));
    if (!Number.isSafeInteger(n) || (m[2] === 'message' && (percent || n < 1)) || (percent && n > 100))
      return { error: wanted };
    if (percent) return { value: { at: 'bytes', dir, percent: n } };
    return { value: m[2] === 'message' ? { at: 'message', dir, n } : { at: 'bytes', dir, n } };
  }
  if (m[5]) {
    const n = Number(m[5]);
    return n >= 1 && Number.isSafeInteger(n) ? { value: { at: 'calls', n } } : { error: wanted };
  }
  const ms = durationMs(m[6]);
  return 'error' in ms ? { error: `time: ${ms.error}` } : { value: { at: 'time', ms: ms.value } };
}

/** `header=NAME:GLOB` (a pseudo-header's name keeps its colon: `header=:authority:*.example`). */
function headerMatch(text: string): Parsed<{ name: string; value: RegExp }> {
  const colon = text.indexOf(':', text.startsWith(':') ? 1 : 0);
  const name = colon === -1 ? '' : text.slice(0, colon).toLowerCase();
  if (!/^:?[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name))
    return { error: `NAME:GLOB (a header name, a colon, a glob), got "${text}"` };
  const value = unescape(text.slice(colon + 1));
  return 'error' in value ? value : { value: { name, value: glob(value.value) } };
}
