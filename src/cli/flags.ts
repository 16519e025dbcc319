// Checked conversions of option values: each returns the value or throws a UsageError that names
// the option and what it wants.

import { UsageError } from './command.js';

/** A TCP port, 1..65535 (0 too, meaning "pick one", where `allowZero`). */
export function portValue(name: string, value: string, allowZero = false): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`--${name} must be a port number (${allowZero ? 0 : 1}..65535), got "${value}"`);
  }
  return port;
}

/** A positive integer. */
export function positiveIntValue(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  }
  return n;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const MS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration like 500ms, 10s, 2m or 1h, in milliseconds. */
export function durationValue(name: string, value: string): number {
  const m = DURATION.exec(value);
  if (!m) throw new UsageError(`--${name} must be a duration like 500ms, 10s or 2m, got "${value}"`);
  return Number(m[1]) * MS_PER_UNIT[m[2]];
}

const SIZE = /^(\d+)(|B|KiB|MiB|GiB|KB|MB|GB)$/;
const BYTES_PER_UNIT: Record<string, number> = {
  '': 1,
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

/** A size in bytes: a number, or a number with B, KiB, MiB, GiB (or KB, MB, GB). */
export function sizeValue(name: string, value: string): number {
  const m = SIZE.exec(value);
  if (!m || Number(m[1]) < 1)
    throw new UsageError(`--${name} must be a size like 65536, 64KiB or 512MiB, got "${value}"`);
  return Number(m[1]) * BYTES_PER_UNIT[m[2]];
}

/** The official interop flags' booleans: `--use_tls=true` / `--use_tls=false`. */
export function boolValue(name: string, value: string | undefined, fallback = false): boolean {
  if (value === undefined) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} must be true or false, got "${value}"`);
}

/** A value that must be given. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

/** A number of worker processes: a positive integer, or `auto` for one per CPU. */
export function workersValue(name: string, value: string, cpus: number): number {
  if (value === 'auto') return cpus;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1024) {
    throw new UsageError(`--${name} must be a number of processes (1..1024) or auto, got "${value}"`);
  }
  return n;
}

export type StoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string };

/** Where RouteChat notes live: `memory`, or a Redis URL `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. */
export function storeValue(name: string, value: string): StoreChoice {
  if (value === 'memory') return { kind: 'memory' };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined; // not a URL: refused below, naming the flag
  }
  const valid =
    url !== undefined &&
    url.protocol === 'redis:' &&
    url.hostname !== '' &&
    /^(\/\d{0,5})?$/.test(url.pathname) &&
    url.search === '' &&
    url.hash === '';
  if (!valid) throw new UsageError(`--${name} must be memory or redis://HOST[:PORT][/DB], got "${value}"`);
  return { kind: 'redis', url: value };
}
