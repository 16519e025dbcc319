// gRPC status in every form it takes on the wire: the 17 codes (src/protocol/status.ts), the
// percent-encoded grpc-message (status-message.ts), GrpcError (grpc-error.ts), the status read from
// response headers and trailers (response-status.ts), and the codes that HTTP statuses, RST_STREAM
// error codes and framing errors map to (http-status.ts, rst-code.ts, framing-status.ts). One
// section per source file.

import { constants } from 'node:http2';
import t from 'tap';
import { FramingError, type FramingErrorKind } from '../../framing/index.js';
import { statusFromFramingError } from '../../src/protocol/framing-status.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { codeFromHttpStatus } from '../../src/protocol/http-status.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { parseResponseHeaders, parseTrailers } from '../../src/protocol/response-status.js';
import { codeFromRstCode, Http2Code, http2CodeName } from '../../src/protocol/rst-code.js';
import { decodeStatusMessage, encodeStatusMessage } from '../../src/protocol/status-message.js';
import { isStatusCode, parseStatusCode, Status, type StatusCode, statusName } from '../../src/protocol/status.js';

// ------------------------------------------------------------------------------------------------
// The 17 status codes (doc/statuscodes.md) and grpc-status parsing (PROTOCOL-HTTP2: decimal, no leading zeros).

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

// ------------------------------------------------------------------------------------------------
// grpc-message (PROTOCOL-HTTP2 "Responses"): Percent-Encoded UTF-8. Unencoded bytes are
// %x20-24 / %x26-7E (space and VCHAR except "%"); the rest is "%" 2HEXDIGIT, uppercase.
// Decoding "MUST NOT error or throw away the message".

t.test('encode / decode table', async (t) => {
  const cases: Array<[message: string, wire: string]> = [
    ['', ''],
    ['no feature here', 'no feature here'], // space is kept raw
    ['my favorite character is \u0000', 'my favorite character is %00'], // grpc-go test table
    ['my favorite character is %', 'my favorite character is %25'],
    ['100%', '100%25'],
    ['%25', '%2525'], // an already-encoded-looking message is encoded again
    ['系统', '%E7%B3%BB%E7%BB%9F'], // spec example: UTF-8, uppercase hex
    ['ß', '%C3%9F'],
    ['☺', '%E2%98%BA'],
    ['😈', '%F0%9F%98%88'], // non-BMP: one code point, four bytes
    ['tab\there', 'tab%09here'],
    ['line\r\n', 'line%0D%0A'],
    ['\u007f', '%7F'], // DEL is not VCHAR
    ['~!$&\'()*+,;=:@/?#[]{}|^`"<>\\', '~!$&\'()*+,;=:@/?#[]{}|^`"<>\\'], // every other VCHAR stays raw
  ];
  for (const [message, wire] of cases) {
    t.equal(encodeStatusMessage(message), wire, `encode ${JSON.stringify(message)}`);
    t.equal(decodeStatusMessage(wire), message, `decode ${JSON.stringify(wire)}`);
  }
});

t.test('every byte 0..255 as a one-character string round-trips', async (t) => {
  const failures: number[] = [];
  for (let byte = 0; byte <= 255; byte++) {
    const message = String.fromCharCode(byte);
    const wire = encodeStatusMessage(message);
    const raw = byte >= 0x20 && byte <= 0x7e && byte !== 0x25;
    if (raw ? wire !== message : !/^(%[0-9A-F]{2})+$/.test(wire)) failures.push(byte);
    if (decodeStatusMessage(wire) !== message) failures.push(byte);
  }
  t.same(
    failures,
    [],
    'each byte is either kept raw (%x20-24 / %x26-7E) or escaped with uppercase hex, and decodes back',
  );
});

t.test('every ASCII byte inside a longer message round-trips', async (t) => {
  let all = '';
  for (let byte = 0; byte < 0x80; byte++) all += `a${String.fromCharCode(byte)}b`;
  const wire = encodeStatusMessage(all);
  t.match(wire, /^[\x20-\x7e]*$/, 'the wire form is printable ASCII');
  t.equal(decodeStatusMessage(wire), all);
});

t.test('interop special_status_message round-trips', async (t) => {
  const special = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
  const wire = encodeStatusMessage(special);
  t.equal(wire, '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A');
  t.equal(decodeStatusMessage(wire), special);
});

t.test('decoding broken input never throws and keeps what it cannot decode', async (t) => {
  const cases: Array<[wire: string, message: string]> = [
    ['%G0', '%G0'], // not hex
    ['%0G', '%0G'],
    ['abc%6', 'abc%6'], // trailing, one digit
    ['%6', '%6'],
    ['%', '%'], // lone percent
    ['abc%', 'abc%'],
    ['%%41', '%A'], // a stray % before a valid escape
    ['50% done', '50% done'],
    ['%e7%b3%bb', '系'], // lowercase hex is accepted when reading
    ['%41%G1%42', 'A%G1B'], // valid escapes around a broken one still decode
    ['%FF', '\ufffd'], // invalid UTF-8 becomes U+FFFD, the message survives
    ['ok %E7%B3', 'ok \ufffd'], // a cut UTF-8 sequence
    ['系统', '系统'], // raw non-ASCII (no %) kept as is
    ['😈 %41', '😈 A'], // raw non-BMP next to an escape stays whole
    ['系 %41', '系 A'],
  ];
  for (const [wire, message] of cases) {
    let decoded: string | undefined;
    t.doesNotThrow(() => (decoded = decodeStatusMessage(wire)), JSON.stringify(wire));
    t.equal(decoded, message, `decode ${JSON.stringify(wire)}`);
  }
});

t.test('a lone surrogate is encoded as U+FFFD (UTF-8 has no surrogates)', async (t) => {
  t.equal(encodeStatusMessage('a\ud800b'), 'a%EF%BF%BDb');
});

t.test('a plain message is returned as is (no allocation path)', async (t) => {
  const plain = 'Deadline Exceeded (1000 ms)';
  t.equal(encodeStatusMessage(plain), plain);
  t.equal(decodeStatusMessage(plain), plain);
});

// ------------------------------------------------------------------------------------------------
// GrpcError: code, wire message (details), trailer metadata and local cause, kept apart.

t.test('fields and message', async (t) => {
  const cases: Array<[code: StatusCode, details: string, message: string, codeName: string]> = [
    [Status.NOT_FOUND, 'no feature here', 'NOT_FOUND: no feature here', 'NOT_FOUND'],
    [Status.OK, '', 'OK: ', 'OK'],
    [Status.UNAUTHENTICATED, '系统', 'UNAUTHENTICATED: 系统', 'UNAUTHENTICATED'],
  ];
  for (const [code, details, message, codeName] of cases) {
    const err = new GrpcError(code, details);
    t.equal(err.code, code);
    t.equal(err.details, details, 'details keep the wire message without the code prefix');
    t.equal(err.message, message);
    t.equal(err.codeName, codeName);
    t.equal(err.name, 'GrpcError');
    t.type(err, Error);
    t.type(err.metadata, Metadata);
    t.equal(err.metadata.size, 0);
    t.equal(err.cause, undefined);
    t.notOk('cause' in err, 'no cause property without a cause');
  }
});

t.test('metadata and cause are kept apart from the details', async (t) => {
  const metadata = new Metadata({ 'retry-after': '5' });
  const cause = new Error('disk on fire');
  const err = new GrpcError(Status.UNAVAILABLE, 'try later', { metadata, cause });
  t.equal(err.metadata, metadata);
  t.equal(err.cause, cause);
  t.equal(err.details, 'try later');
  t.notMatch(err.message, /disk on fire/, 'the cause never reaches the wire message');
});

t.test('GrpcError.from', async (t) => {
  const own = new GrpcError(Status.ABORTED, 'conflict');
  t.equal(GrpcError.from(own, 'fallback'), own, 'a GrpcError passes through');

  const thrown: unknown[] = [new Error('secret detail'), 'a string', undefined, 42];
  for (const value of thrown) {
    const err = GrpcError.from(value, 'handler failed');
    t.equal(err.code, Status.UNKNOWN, `${String(value)} → UNKNOWN`);
    t.equal(err.details, 'handler failed', 'the fallback message, not the thrown one');
  }
  const cause = new Error('secret detail');
  t.equal(GrpcError.from(cause, 'x').cause, cause);
});

// ------------------------------------------------------------------------------------------------
// The client's reading of response headers and trailers (PROTOCOL-HTTP2 "Responses",
// doc/http-grpc-status-mapping.md), as tables: each block gives its metadata or a GrpcError.

const GRPC = { ':status': '200', 'content-type': 'application/grpc' };

t.test('parseResponseHeaders', async (t) => {
  const cases: [headers: Record<string, string>, code: number | 'ok', details?: RegExp][] = [
    [GRPC, 'ok'],
    [{ ...GRPC, 'content-type': 'application/grpc+proto' }, 'ok'],
    [{ ':status': '404' }, Status.UNIMPLEMENTED, /HTTP status 404 without grpc-status/],
    [{ ':status': '503' }, Status.UNAVAILABLE],
    [{ ':status': '431' }, Status.INTERNAL],
    [{ ':status': '418' }, Status.UNKNOWN],
    [{ ':status': '503', 'grpc-status': '8' }, 'ok'], // grpc-status wins: the trailers decide
    [{ ':status': '200', 'content-type': 'text/html' }, Status.UNKNOWN, /not a gRPC server/],
    [{ ...GRPC, 'x-bad-bin': '***' }, Status.INTERNAL, /malformed binary metadata: "x-bad-bin"/],
  ];
  for (const [headers, code, details] of cases) {
    const result = parseResponseHeaders(headers);
    const what = JSON.stringify(headers);
    if (code === 'ok') {
      t.type(result, Metadata, `${what}: metadata`);
    } else {
      t.type(result, GrpcError, `${what}: an error`);
      t.equal((result as GrpcError).code, code, `${what}: code ${code}`);
      if (details) t.match((result as GrpcError).details, details);
    }
  }
  const md = parseResponseHeaders({ ...GRPC, 'x-a': 'b', 'grpc-encoding': 'gzip' }) as Metadata;
  t.same(md.toJSON(), { 'x-a': ['b'] }, 'only custom metadata');
});

t.test('parseTrailers', async (t) => {
  const ok = parseTrailers({ 'grpc-status': '0', 'x-t': 'v' });
  t.type(ok, Metadata, 'OK: the trailer metadata');
  t.same((ok as Metadata).toJSON(), { 'x-t': ['v'] });
  const cases: [trailers: Record<string, string>, code: number, details: string][] = [
    [{ 'grpc-status': '5', 'grpc-message': 'not%20here' }, Status.NOT_FOUND, 'not here'],
    [{ 'grpc-status': '13' }, Status.INTERNAL, ''],
    [{}, Status.INTERNAL, 'protocol error: the response ended without grpc-status'],
    [{ 'grpc-status': '17', 'grpc-message': 'x' }, Status.UNKNOWN, 'invalid grpc-status "17": x'],
    [{ 'grpc-status': 'abc' }, Status.UNKNOWN, 'invalid grpc-status "abc": '],
    [{ 'grpc-status': '0', 'x-bad-bin': '!' }, Status.INTERNAL, 'malformed binary metadata: "x-bad-bin" is not base64'],
  ];
  for (const [trailers, code, details] of cases) {
    const result = parseTrailers(trailers);
    t.type(result, GrpcError, JSON.stringify(trailers));
    t.match(result, { code, details }, JSON.stringify(trailers));
  }
  const failed = parseTrailers({ 'grpc-status': '7', 'x-why': 'policy' }) as GrpcError;
  t.same(failed.metadata.toJSON(), { 'x-why': ['policy'] }, 'a failure carries the trailer metadata');
});

// ------------------------------------------------------------------------------------------------
// doc/http-grpc-status-mapping.md: the code a client derives from the HTTP status when a response
// has no grpc-status.

t.test('HTTP status → gRPC code', async (t) => {
  const cases: Array<[http: number, code: StatusCode]> = [
    [400, Status.INTERNAL], // Bad Request
    [401, Status.UNAUTHENTICATED], // Unauthorized
    [403, Status.PERMISSION_DENIED], // Forbidden
    [404, Status.UNIMPLEMENTED], // Not Found
    [429, Status.UNAVAILABLE], // Too Many Requests
    [431, Status.INTERNAL], // Request Header Fields Too Large
    [502, Status.UNAVAILABLE], // Bad Gateway
    [503, Status.UNAVAILABLE], // Service Unavailable
    [504, Status.UNAVAILABLE], // Gateway Timeout
    [200, Status.UNKNOWN], // 200 without grpc-status
    [204, Status.UNKNOWN],
    [301, Status.UNKNOWN],
    [405, Status.UNKNOWN],
    [415, Status.UNKNOWN], // Unsupported Media Type: "all others"
    [500, Status.UNKNOWN],
    [505, Status.UNKNOWN],
    [0, Status.UNKNOWN],
  ];
  for (const [http, code] of cases) t.equal(codeFromHttpStatus(http), code, `${http} → ${statusName(code)}`);
});

// ------------------------------------------------------------------------------------------------
// PROTOCOL-HTTP2 "Errors": RST_STREAM error code → gRPC status.

t.test('RST_STREAM code → gRPC code', async (t) => {
  const cases: Array<[rst: number, code: StatusCode]> = [
    [Http2Code.NO_ERROR, Status.INTERNAL], // a status should have been sent
    [Http2Code.PROTOCOL_ERROR, Status.INTERNAL],
    [Http2Code.INTERNAL_ERROR, Status.INTERNAL],
    [Http2Code.FLOW_CONTROL_ERROR, Status.INTERNAL],
    [Http2Code.SETTINGS_TIMEOUT, Status.INTERNAL],
    [Http2Code.STREAM_CLOSED, Status.INTERNAL],
    [Http2Code.FRAME_SIZE_ERROR, Status.INTERNAL],
    [Http2Code.REFUSED_STREAM, Status.UNAVAILABLE], // no processing occurred
    [Http2Code.CANCEL, Status.CANCELLED],
    [Http2Code.COMPRESSION_ERROR, Status.INTERNAL],
    [Http2Code.CONNECT_ERROR, Status.INTERNAL],
    [Http2Code.ENHANCE_YOUR_CALM, Status.RESOURCE_EXHAUSTED], // resource = bandwidth
    [Http2Code.INADEQUATE_SECURITY, Status.PERMISSION_DENIED],
    [Http2Code.HTTP_1_1_REQUIRED, Status.INTERNAL],
    [0xff, Status.INTERNAL], // unknown codes
  ];
  for (const [rst, code] of cases) t.equal(codeFromRstCode(rst), code, `${http2CodeName(rst)} → ${statusName(code)}`);
});

t.test('HTTP/2 error code numbers and names (RFC 9113 §7)', async (t) => {
  const cases: Array<[code: number, name: string]> = [
    [0x0, 'NO_ERROR'],
    [0x1, 'PROTOCOL_ERROR'],
    [0x2, 'INTERNAL_ERROR'],
    [0x3, 'FLOW_CONTROL_ERROR'],
    [0x4, 'SETTINGS_TIMEOUT'],
    [0x5, 'STREAM_CLOSED'],
    [0x6, 'FRAME_SIZE_ERROR'],
    [0x7, 'REFUSED_STREAM'],
    [0x8, 'CANCEL'],
    [0x9, 'COMPRESSION_ERROR'],
    [0xa, 'CONNECT_ERROR'],
    [0xb, 'ENHANCE_YOUR_CALM'],
    [0xc, 'INADEQUATE_SECURITY'],
    [0xd, 'HTTP_1_1_REQUIRED'],
    [0xe, '0xe'],
    [0x1ff, '0x1ff'],
  ];
  for (const [code, name] of cases) {
    t.equal(http2CodeName(code), name, `0x${code.toString(16)}`);
    if (!name.startsWith('0x')) t.equal((Http2Code as Record<string, number>)[name], code, `Http2Code.${name}`);
  }
});

t.test('Http2Code agrees with node:http2 constants', async (t) => {
  const node = constants as unknown as Record<string, number>;
  for (const [name, code] of Object.entries(Http2Code)) t.equal(node[`NGHTTP2_${name}`], code, name);
});

// ------------------------------------------------------------------------------------------------
// Which status a framing failure ends the call with (doc/statuscodes.md).

t.test('framing error kind → status', async (t) => {
  const cases: Array<[kind: FramingErrorKind, code: StatusCode]> = [
    ['too-large', Status.RESOURCE_EXHAUSTED], // "Sent or received message larger than configured limit"
    ['bad-flag', Status.INTERNAL],
    ['truncated', Status.INTERNAL],
    ['compression', Status.INTERNAL],
  ];
  for (const [kind, code] of cases) {
    const err = statusFromFramingError(new FramingError(kind, `the ${kind} message`));
    t.type(err, GrpcError);
    t.equal(err.code, code, `${kind} → ${statusName(code)}`);
    t.equal(err.details, `the ${kind} message`, 'the framing message travels as grpc-message');
  }
});
