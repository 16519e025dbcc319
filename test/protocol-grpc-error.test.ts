// GrpcError: code, wire message (details), trailer metadata and local cause, kept apart.

import t from 'tap';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Metadata } from '../src/protocol/metadata.js';
import { Status, type StatusCode } from '../src/protocol/status.js';

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
