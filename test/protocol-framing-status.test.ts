// Which status a framing failure ends the call with (doc/statuscodes.md).

import t from 'tap';
import { FramingError, type FramingErrorKind } from '../framing/index.js';
import { statusFromFramingError } from '../src/protocol/framing-status.js';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Status, statusName, type StatusCode } from '../src/protocol/status.js';

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
