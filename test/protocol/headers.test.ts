// The request and response headers of the protocol, one section per source file: reserved header
// names (src/protocol/headers.ts), content-type (content-type.ts), grpc-timeout (timeout.ts) and
// Custom-Metadata (metadata.ts, incoming-metadata.ts).

import t from 'tap';
import {
  CONTENT_TYPE_GRPC,
  CONTENT_TYPE_GRPC_PROTO,
  grpcContentSubtype,
  responseContentType,
} from '../../src/protocol/content-type.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { isReservedHeader } from '../../src/protocol/headers.js';
import { checkBinaryHeaders, decodeBinaryValue, metadataFromHeaders } from '../../src/protocol/incoming-metadata.js';
import { encodeBinaryValue, invalidMetadataName, isBinaryKey, Metadata } from '../../src/protocol/metadata.js';
import { Status } from '../../src/protocol/status.js';
import { formatTimeout, parseTimeout } from '../../src/protocol/timeout.js';

// ------------------------------------------------------------------------------------------------
// Header names of the protocol and which of them are never application metadata.

t.test('isReservedHeader', async (t) => {
  const cases: Array<[name: string, reserved: boolean]> = [
    [':path', true], // pseudo-headers
    [':authority', true],
    [':status', true],
    ['grpc-timeout', true], // PROTOCOL-HTTP2: grpc-* is reserved
    ['grpc-encoding', true],
    ['grpc-accept-encoding', true],
    ['grpc-status', true],
    ['grpc-message', true],
    ['grpc-status-details-bin', true],
    ['grpc-message-type', true],
    ['grpc-anything', true],
    ['content-type', true], // transport headers
    ['te', true],
    ['user-agent', true],
    ['accept-encoding', true],
    ['connection', true],
    ['host', true],
    ['transfer-encoding', true],
    ['keep-alive', true],
    ['upgrade', true],
    ['proxy-connection', true],
    ['authorization', false], // application metadata
    ['x-request-id', false],
    ['grpc', false],
    ['my-grpc-thing', false],
    ['trace-bin', false],
    ['content-length', false],
  ];
  for (const [name, reserved] of cases) t.equal(isReservedHeader(name), reserved, name);
});

// ------------------------------------------------------------------------------------------------
// content-type (PROTOCOL-HTTP2 "Requests"): "application/grpc" [("+proto" / "+json" / {custom})].

t.test('grpcContentSubtype', async (t) => {
  const cases: Array<[contentType: string | undefined, subtype: string | undefined]> = [
    ['application/grpc', 'proto'], // plain application/grpc means protobuf
    ['application/grpc+proto', 'proto'],
    ['application/grpc+json', 'json'],
    ['application/grpc+thrift', 'thrift'], // {custom}
    ['application/grpc; charset=utf-8', 'proto'], // parameters ignored
    ['application/grpc+proto;charset=utf-8', 'proto'],
    ['Application/GRPC+Proto', 'proto'], // media types are case-insensitive
    [' application/grpc ', 'proto'],
    ['application/grpc+', undefined], // empty subtype
    ['application/grpc-web', undefined], // a different protocol
    ['application/grpc-web+proto', undefined],
    ['application/grpcx', undefined],
    ['application/json', undefined],
    ['application/proto', undefined],
    ['text/plain', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [contentType, subtype] of cases)
    t.equal(grpcContentSubtype(contentType), subtype, JSON.stringify(contentType));
});

t.test('responseContentType echoes the request form', async (t) => {
  t.equal(CONTENT_TYPE_GRPC, 'application/grpc');
  t.equal(CONTENT_TYPE_GRPC_PROTO, 'application/grpc+proto');
  const cases: Array<[request: string, response: string]> = [
    ['application/grpc', 'application/grpc'],
    ['application/grpc+proto', 'application/grpc+proto'],
    ['application/grpc+proto; charset=utf-8', 'application/grpc+proto'],
    ['application/grpc; charset=utf-8', 'application/grpc'],
  ];
  for (const [request, response] of cases) t.equal(responseContentType(request), response, request);
});

// ------------------------------------------------------------------------------------------------
// grpc-timeout (PROTOCOL-HTTP2 "Timeout"): TimeoutValue = 1-8 ASCII digits, TimeoutUnit = H M S m u n.

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

// ------------------------------------------------------------------------------------------------
// Custom-Metadata (PROTOCOL-HTTP2 "Requests"/"Responses"): names, ASCII and -bin values, base64
// "MUST accept padded and un-padded values and should emit un-padded values", reserved headers.

t.test('name validation', async (t) => {
  const valid = ['x', 'user-id', 'trace_id', 'a.b.c', '0-9', 'custom-bin', 'authorization'];
  for (const name of valid) t.equal(invalidMetadataName(name), undefined, `${name} is valid`);

  const invalid: Array<[name: string, why: RegExp]> = [
    ['', /must match/],
    ['Upper', /must match/], // names are lowercase on the wire
    ['has space', /must match/],
    ['colon:in', /must match/],
    ['ünï', /must match/],
    ['slash/x', /must match/],
    [':path', /must match/],
    ['grpc-status', /reserved/],
    ['grpc-custom', /reserved/], // PROTOCOL-HTTP2: grpc-* is reserved
    ['content-type', /reserved/],
    ['te', /reserved/],
    ['user-agent', /reserved/],
    ['connection', /reserved/],
  ];
  for (const [name, why] of invalid) t.match(invalidMetadataName(name), why, JSON.stringify(name));
});

t.test('set/add reject bad names and values', async (t) => {
  const md = new Metadata();
  const cases: Array<[what: string, act: () => unknown, error: RegExp]> = [
    ['space in name', () => md.set('a b', 'x'), /must match/],
    ['reserved name', () => md.add('grpc-timeout', '1S'), /reserved/],
    ['string for -bin', () => md.set('blob-bin', 'AAAA'), /binary: give a Buffer/],
    ['Buffer for ASCII name', () => md.set('plain', Buffer.from('x')), /only "-bin" names take Buffer/],
    ['newline in value', () => md.set('plain', 'a\nb'), /printable ASCII/],
    ['non-ASCII value', () => md.set('plain', 'système'), /printable ASCII/],
    ['DEL in value', () => md.set('plain', '\x7f'), /printable ASCII/],
  ];
  for (const [what, act, error] of cases) t.throws(act, error, what);
  t.equal(md.size, 0, 'nothing was stored');
});

t.test('set, add, get, first, has, delete, iteration', async (t) => {
  const md = new Metadata({ 'x-one': '1', 'x-many': ['a', 'b'] });
  md.add('X-Many', 'c'); // names are case-insensitive and stored lowercase
  md.set('x-one', 'uno');
  md.set('blob-bin', Buffer.from([1, 2, 3]));
  t.same(md.get('x-many'), ['a', 'b', 'c'], 'duplicates keep their order');
  t.equal(md.first('X-ONE'), 'uno', 'set replaces');
  t.same(md.get('absent'), []);
  t.equal(md.first('absent'), undefined);
  t.equal(md.has('blob-bin'), true);
  t.same(
    [...md].map(([k]) => k),
    ['x-one', 'x-many', 'x-many', 'x-many', 'blob-bin'],
  );
  t.same(md.toJSON(), { 'x-one': ['uno'], 'x-many': ['a', 'b', 'c'], 'blob-bin': ['AQID'] });
  t.equal(md.delete('x-many'), true);
  t.equal(md.size, 2);
  t.same(new Metadata().merge(md).toJSON(), md.toJSON());
  t.equal(isBinaryKey('blob-bin'), true);
  t.equal(isBinaryKey('bin'), false);
  t.equal(isBinaryKey('blob-binary'), false);
});

t.test('-bin values are encoded unpadded', async (t) => {
  const cases: Array<[bytes: number[], wire: string]> = [
    [[], ''],
    [[0xff], '/w'], // padded: "/w=="
    [[0xff, 0xfe], '//4'], // padded: "//4="
    [[0xff, 0xfe, 0xfd], '//79'], // no padding needed
    [[0, 1, 2, 3], 'AAECAw'],
    [[0xfb, 0xef], '++8'], // "+" and "/" are the standard alphabet (RFC 4648 §4)
  ];
  for (const [bytes, wire] of cases) {
    t.equal(encodeBinaryValue(Buffer.from(bytes)), wire, `encode [${bytes.join(',')}]`);
    t.same([...decodeBinaryValue(wire)!], bytes, `decode "${wire}"`);
  }
  // A view into a larger buffer encodes only its own bytes.
  const backing = Buffer.from([9, 0xff, 9]);
  t.equal(encodeBinaryValue(backing.subarray(1, 2)), '/w');
});

t.test('decodeBinaryValue accepts padded and unpadded, rejects malformed', async (t) => {
  const good: Array<[wire: string, bytes: number[]]> = [
    ['/w==', [0xff]],
    ['/w', [0xff]],
    ['//4=', [0xff, 0xfe]],
    ['//4', [0xff, 0xfe]],
    ['AAECAw==', [0, 1, 2, 3]],
    ['AAECAw', [0, 1, 2, 3]],
  ];
  for (const [wire, bytes] of good) t.same([...decodeBinaryValue(wire)!], bytes, wire);

  const bad = ['A', 'AAAAA', '/w=', 'A===', '=', '/w==x', 'a b', 'AA-_', '!!!!', 'AQID\n'];
  for (const wire of bad) t.equal(decodeBinaryValue(wire), undefined, JSON.stringify(wire));
});

t.test('writeTo: ASCII as is, binary unpadded, duplicates as an array', async (t) => {
  const md = new Metadata();
  md.add('x-id', '42').add('x-tag', 'a').add('x-tag', 'b');
  md.add('blob-bin', Buffer.from([0xff])).add('blob-bin', Buffer.from([1, 2]));
  const headers: Record<string, string | string[]> = { ':status': '200' };
  md.writeTo(headers);
  t.same(headers, { ':status': '200', 'x-id': '42', 'x-tag': ['a', 'b'], 'blob-bin': ['/w', 'AQI'] });
});

t.test('metadataFromHeaders: binary values padded, unpadded and comma-joined', async (t) => {
  const cases: Array<[value: string | string[], bytes: number[][]]> = [
    ['/w==', [[0xff]]],
    ['/w', [[0xff]]],
    ['/w,AQI', [[0xff], [1, 2]]], // PROTOCOL-HTTP2: split on "," before decoding
    ['/w==, AQI=', [[0xff], [1, 2]]], // joined with ", " and padded
    [
      ['/w', 'AQI,AAECAw'],
      [[0xff], [1, 2], [0, 1, 2, 3]],
    ], // repeated header, one of them joined
    ['', [[]]],
  ];
  for (const [value, bytes] of cases) {
    const md = metadataFromHeaders({ 'blob-bin': value });
    if (md instanceof GrpcError) {
      t.fail(`${JSON.stringify(value)}: ${md.message}`);
      continue;
    }
    t.same(
      md.get('blob-bin').map((b) => [...(b as Buffer)]),
      bytes,
      JSON.stringify(value),
    );
  }
});

t.test('metadataFromHeaders: malformed base64 gives an INTERNAL GrpcError, not a throw', async (t) => {
  for (const value of ['A', '/w=', 'AQI,A', 'not base64!', ['/w', '***']]) {
    const result = metadataFromHeaders({ 'x-ok': 'fine', 'blob-bin': value });
    t.type(result, GrpcError, JSON.stringify(value));
    t.match(result, { code: Status.INTERNAL, details: /^malformed binary metadata: "blob-bin"/ });
  }
  // The server's check of raw request headers gives the same answer.
  for (const value of ['A', '/w=', 'AQI,A', 'not base64!']) {
    t.match(checkBinaryHeaders(['x-ok', 'fine', 'blob-bin', value]), {
      code: Status.INTERNAL,
      details: /^malformed binary metadata: "blob-bin"/,
    });
  }
  t.equal(
    checkBinaryHeaders(['blob-bin', '/w==, AQI', 'grpc-status-details-bin', '***']),
    undefined,
    'reserved -bin headers are not metadata',
  );
});

t.test('metadataFromHeaders: ASCII values trimmed, arrays kept in order, undefined skipped', async (t) => {
  const md = metadataFromHeaders({
    'x-a': '  padded  ',
    'x-b': ['1', '2'],
    'x-c': undefined,
    'x-comma': 'a,b',
  }) as Metadata;
  t.same(
    md.toJSON(),
    { 'x-a': ['padded'], 'x-b': ['1', '2'], 'x-comma': ['a,b'] },
    'ASCII values are not split on ","',
  );
});

t.test('metadataFromHeaders never surfaces reserved, pseudo or transport headers', async (t) => {
  const reserved = [
    ':path',
    ':method',
    ':scheme',
    ':authority',
    ':status',
    'grpc-timeout',
    'grpc-encoding',
    'grpc-accept-encoding',
    'grpc-message-type',
    'grpc-status',
    'grpc-message',
    'grpc-status-details-bin',
    'content-type',
    'te',
    'user-agent',
    'accept-encoding',
    'connection',
  ];
  const headers: Record<string, string> = { 'x-kept': 'yes' };
  for (const name of reserved) {
    headers[name] = 'AAAA';
    t.equal(isReservedHeader(name), true, `${name} is reserved`);
  }
  const md = metadataFromHeaders(headers) as Metadata;
  t.same(md.toJSON(), { 'x-kept': ['yes'] });
});

t.test('a header round trip: writeTo then metadataFromHeaders', async (t) => {
  const md = new Metadata();
  md.add('x-text', 'hello world').add('x-text', 'again');
  for (let n = 0; n < 5; n++) md.add('blob-bin', Buffer.from(Array.from({ length: n }, (_, i) => 250 + i)));
  const headers: Record<string, string | string[]> = {};
  md.writeTo(headers);
  const back = metadataFromHeaders(headers) as Metadata;
  t.same(back.toJSON(), md.toJSON());
});
