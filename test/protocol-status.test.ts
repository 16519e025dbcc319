// The 17 status codes (doc/statuscodes.md) and grpc-status parsing (PROTOCOL-HTTP2: decimal, no leading zeros).

import t from 'tap';
import { Status, statusName, isStatusCode, parseStatusCode } from '../src/protocol/status.js';

const CODES: Array<[name: string, code: number]> = [
  ['OK', 0],
  ['CANCELLED', 1],
  ['UNKNOWN', 2],
  ['INVALID_ARGUMENT', 3],
  ['DEADLINE_EXCEEDED', 4],
  ['NOT_FOUND', 5],
  ['ALREADY_EXISTS', 6],
  ['PERMISSION_DENIED', 7],
  ['RESOURCE_EXHAUSTED', 8],
  ['FAILED_PRECONDITION', 9],
  ['ABORTED', 10],
  ['OUT_OF_RANGE', 11],
  ['UNIMPLEMENTED', 12],
  ['INTERNAL', 13],
  ['UNAVAILABLE', 14],
  ['DATA_LOSS', 15],
  ['UNAUTHENTICATED', 16],
];

t.test('all 17 codes: name ↔ number', async (t) => {
  t.equal(Object.keys(Status).length, 17);
  for (const [name, code] of CODES) {
    t.equal((Status as Record<string, number>)[name], code, `Status.${name}`);
    t.equal(statusName(code), name, `statusName(${code})`);
    t.equal(isStatusCode(code), true, `isStatusCode(${code})`);
    t.equal(parseStatusCode(String(code)), code, `parseStatusCode("${code}")`);
  }
});

t.test('statusName of numbers outside the 17 codes', async (t) => {
  const cases: Array<[code: number, name: string]> = [
    [17, 'CODE_17'],
    [-1, 'CODE_-1'],
    [100, 'CODE_100'],
    [1.5, 'CODE_1.5'],
  ];
  for (const [code, name] of cases) t.equal(statusName(code), name, String(code));
});

t.test('isStatusCode rejects non-codes', async (t) => {
  for (const code of [-1, 17, 1.5, NaN, Infinity]) t.equal(isStatusCode(code), false, String(code));
});

t.test('parseStatusCode rejects leading zeros, garbage and out-of-range values', async (t) => {
  const bad = [
    '', // empty
    '00', // leading zero
    '01',
    '007',
    '17', // out of range
    '99',
    '100',
    '-1', // sign
    '+1',
    ' 1', // whitespace
    '1 ',
    '1.0', // not an integer
    '1e1',
    '0x1',
    'OK', // a name is not a number
    'abc',
    '١', // non-ASCII digit (Arabic-Indic one)
  ];
  for (const value of bad) t.equal(parseStatusCode(value), undefined, JSON.stringify(value));
});
