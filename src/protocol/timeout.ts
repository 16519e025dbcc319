// grpc-timeout (PROTOCOL-HTTP2 "Timeout"): TimeoutValue TimeoutUnit, where TimeoutValue is a
// positive integer of at most 8 ASCII digits and TimeoutUnit is one of H M S m u n.

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;

const MS_PER_UNIT: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

/** Parses a grpc-timeout value into milliseconds. Returns an error instead of throwing. */
export function parseTimeout(value: string): { ms: number; error?: undefined } | { ms?: undefined; error: string } {
  const m = TIMEOUT.exec(value);
  if (!m) return { error: `malformed grpc-timeout "${value}": want 1-8 digits and a unit of H, M, S, m, u or n` };
  return { ms: Number(m[1]) * MS_PER_UNIT[m[2]] };
}

// Largest unit first, so the value keeps the most precision that fits in 8 digits.
const UNITS_FINE_TO_COARSE: ReadonlyArray<[string, number]> = [
  ['n', 1e-6],
  ['u', 1e-3],
  ['m', 1],
  ['S', 1_000],
  ['M', 60_000],
  ['H', 3_600_000],
];
const MAX_VALUE = 99_999_999;

/**
 * Formats a timeout in milliseconds, picking the finest unit whose value fits in 8 digits
 * (100000000 ms → "100000S"). Values are rounded up so a deadline is never shortened.
 */
export function formatTimeout(ms: number): string {
  const positive = Math.max(ms, 0);
  for (const [unit, size] of UNITS_FINE_TO_COARSE) {
    // The small epsilon keeps float noise (7 / 1e-6 = 7000000.000000001) from adding a unit.
    const value = Math.ceil(positive / size - 1e-9);
    if (value <= MAX_VALUE) return `${Math.max(value, 1)}${unit}`;
  }
  return `${MAX_VALUE}H`;
}
