// grpc-timeout (PROTOCOL-HTTP2 "Timeout"): TimeoutValue = 1-8 ASCII digits, TimeoutUnit = H M S m u n.

import t from 'tap';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Status } from '../src/protocol/status.js';
import { parseTimeout, formatTimeout } from '../src/protocol/timeout.js';

t.test('parseTimeout: valid values', async (t) => {
  const cases: Array<[value: string, ms: number]> = [
    ['1H', 3_600_000],
    ['2M', 120_000],
    ['3S', 3_000],
    ['4m', 4],
    ['5000u', 5],
    ['6000000n', 6],
    ['1u', 0.001],
    ['1n', 0.000001],
    ['100u', 0.1], // exact: no 0.09999999999999999 from multiplying by 1e-3
    ['12345u', 12.345],
    ['7000n', 0.007],
    ['0m', 0],
    ['99999999H', 99_999_999 * 3_600_000], // 8 digits, the largest value
    ['99999999m', 99_999_999],
    ['00000001S', 1_000], // 8 digits with leading zeros
    ['100000S', 100_000_000], // the spec's example of an encoder's choice
  ];
  for (const [value, ms] of cases) {
    t.equal(parseTimeout(value), ms, `${value} → ${ms} ms`);
  }
});

t.test('parseTimeout: malformed values return an error, never throw', async (t) => {
  const bad = [
    '', // empty
    '1', // no unit
    'S', // no value
    '123456789m', // 9 digits
    '000000001m', // 9 digits, even with leading zeros
    '-1m', // sign
    '+1m',
    '1H1H', // two timeouts
    ' 1S', // whitespace
    '1S ',
    '1 S',
    '1s', // lowercase s is not a unit
    '1h',
    '1x',
    '1.5S', // not an integer
    '1e3m',
    '0x10m',
    '١S', // non-ASCII digit
  ];
  for (const value of bad) {
    const parsed = parseTimeout(value);
    t.type(parsed, GrpcError, `${JSON.stringify(value)}: an error`);
    t.match(
      parsed,
      { code: Status.INTERNAL, details: /^malformed grpc-timeout/ },
      `${JSON.stringify(value)}: INTERNAL`,
    );
  }
});

t.test('formatTimeout picks a unit keeping at most 8 digits', async (t) => {
  const cases: Array<[ms: number, value: string]> = [
    [100_000_000, '100000S'], // the spec's example: 100000000 ms must not go out as 9 digits
    [1, '1000000n'],
    [99, '99000000n'],
    [100, '100000u'],
    [99_999, '99999000u'],
    [100_000, '100000m'],
    [99_999_999, '99999999m'],
    [99_999_999 * 1_000, '99999999S'],
    [99_999_999 * 60_000, '99999999M'],
    [99_999_999 * 3_600_000, '99999999H'],
    [0.001, '1000n'],
    [0.000001, '1n'],
    [1.5, '1500000n'],
    [0.007, '7000n'], // float noise (0.007 * 1e6 = 7000.000000000001) does not add a unit
    [12.345, '12345000n'],
    [0, '1n'], // an expired deadline still goes out as the smallest legal timeout
    [-5, '1n'],
    [100_000_000 + 1, '100001S'], // rounded up, never shortened
    [Infinity, '99999999H'], // clamped to the largest value
  ];
  for (const [ms, value] of cases) {
    const formatted = formatTimeout(ms);
    t.equal(formatted, value, `${ms} ms → ${value}`);
    t.match(formatted, /^\d{1,8}[HMSmun]$/, `${formatted} is well-formed`);
  }
});

t.test('formatTimeout → parseTimeout round-trips within the chosen unit', async (t) => {
  const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };
  const values = [
    0.000001,
    0.001,
    0.5,
    1,
    7,
    42.42,
    99.999,
    1_000,
    12_345,
    60_000,
    99_999_999,
    123_456_789,
    3_600_000 * 24 * 365,
  ];
  for (const ms of values) {
    const formatted = formatTimeout(ms);
    const parsed = parseTimeout(formatted) as number;
    t.type(parsed, 'number', `${formatted} parses`);
    const unit = unitMs[formatted.slice(-1)];
    // Never shorter than asked (allowing float noise), never longer by a whole unit.
    t.ok(parsed >= ms * (1 - 1e-12), `${ms} ms → ${formatted} is not shorter`);
    t.ok(parsed - ms < unit, `${ms} ms → ${formatted} is within one ${formatted.slice(-1)}`);
  }
});

t.test('parseTimeout → formatTimeout round-trips exact values', async (t) => {
  for (const value of ['1H', '5M', '30S', '250m', '100u', '100000u', '12345u', '999n', '7000n', '100000S']) {
    const ms = parseTimeout(value) as number;
    t.equal(parseTimeout(formatTimeout(ms)), ms, value);
  }
});
