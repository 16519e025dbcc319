// grpc-timeout (PROTOCOL-HTTP2 "Timeout"): TimeoutValue TimeoutUnit, where TimeoutValue is a
// positive integer of at most 8 ASCII digits and TimeoutUnit is one of H M S m u n.

import { GrpcError } from './grpc-error.js';
import { Status } from './status.js';

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;

// Milliseconds per unit as a fraction [numerator, denominator]: 1e-3 and 1e-6 are not exact in
// binary floating point, so conversions multiply and divide by exact integers instead
// (100000u is then exactly 0.1 ms, not 0.09999999999999999).
type Unit = 'H' | 'M' | 'S' | 'm' | 'u' | 'n';
const MS_PER_UNIT: Record<Unit, readonly [number, number]> = {
  H: [3_600_000, 1],
  M: [60_000, 1],
  S: [1_000, 1],
  m: [1, 1],
  u: [1, 1_000],
  n: [1, 1_000_000],
};

/**
 * Parses a grpc-timeout value into milliseconds, or returns the error (INTERNAL, as grpc-go and
 * grpc-js answer a malformed one: the spec leaves the code open — docs/spec-map.md).
 */
export function parseTimeout(value: string): number | GrpcError {
  const m = TIMEOUT.exec(value);
  if (!m) {
    return new GrpcError(
      Status.INTERNAL,
      `malformed grpc-timeout "${value}": want 1-8 digits and a unit of H, M, S, m, u or n`,
    );
  }
  const [num, den] = MS_PER_UNIT[m[2] as Unit];
  return (Number(m[1]) * num) / den;
}

// Finest unit first: the first one whose value fits in 8 digits keeps the most precision.
const UNITS_FINE_TO_COARSE: readonly Unit[] = ['n', 'u', 'm', 'S', 'M', 'H'];
const MAX_VALUE = 99_999_999;

/**
 * Formats a timeout in milliseconds, picking the finest unit whose value fits in 8 digits
 * (100000000 ms → "100000S"). Values are rounded up so a deadline is never shortened.
 */
export function formatTimeout(ms: number): string {
  const positive = Math.max(ms, 0);
  for (const unit of UNITS_FINE_TO_COARSE) {
    const [num, den] = MS_PER_UNIT[unit];
    const exact = (positive * den) / num;
    // A few ulps of slack keep float noise (0.007 ms * 1e6 = 7000.000000000001) from adding a unit.
    const value = Math.ceil(exact - exact * 4 * Number.EPSILON);
    if (value <= MAX_VALUE) return `${Math.max(value, 1)}${unit}`;
  }
  return `${MAX_VALUE}H`;
}
