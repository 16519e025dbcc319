// Flags shared by the interop commands: the official ones take `--use_tls=false`-style booleans.

import { UsageError, type ParsedArgs } from './args.js';

/** `--flag`, `--flag=true|false`, `--flag true|false`; absent → `fallback`. */
export function boolFlag(args: ParsedArgs, name: string, fallback = false): boolean {
  const value = args.flags.get(name);
  if (value === undefined) return fallback;
  if (value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--${name} must be true or false, got "${value}"`);
}

/** A required TCP port flag (1..65535, or 0 where `allowZero`). */
export function portFlag(args: ParsedArgs, name: string, fallback?: number, allowZero = false): number {
  const value = args.flags.get(name);
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === undefined || value === true) throw new UsageError(`--${name} is required`);
  const port = Number(value);
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new UsageError(`--${name} must be a port number, got "${value}"`);
  }
  return port;
}
