// Custom-Metadata (PROTOCOL-HTTP2 "Requests"/"Responses"): names, ASCII and -bin values, base64
// "MUST accept padded and un-padded values and should emit un-padded values", reserved headers.

import t from 'tap';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { isReservedHeader } from '../src/protocol/headers.js';
import { checkBinaryHeaders, decodeBinaryValue, metadataFromHeaders } from '../src/protocol/incoming-metadata.js';
import { Metadata, invalidMetadataName, isBinaryKey, encodeBinaryValue } from '../src/protocol/metadata.js';
import { Status } from '../src/protocol/status.js';

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
