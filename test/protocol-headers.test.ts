// Header names of the protocol and which of them are never application metadata.

import t from 'tap';
import { isReservedHeader } from '../src/protocol/headers.js';

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
