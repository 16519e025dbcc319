// The client's reading of response headers and trailers (PROTOCOL-HTTP2 "Responses",
// doc/http-grpc-status-mapping.md), as tables: each block gives its metadata or a GrpcError.

import t from 'tap';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Metadata } from '../src/protocol/metadata.js';
import { parseResponseHeaders, parseTrailers } from '../src/protocol/response-status.js';
import { Status } from '../src/protocol/status.js';

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
