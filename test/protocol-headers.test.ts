// Header names of the protocol and which of them are never application metadata.

import t from 'tap';
import * as h from '../src/protocol/headers.js';

t.test('header name constants are the wire names (lowercase, as HTTP/2 requires)', async (t) => {
  const cases: Array<[value: string, wire: string]> = [
    [h.HEADER_METHOD, ':method'],
    [h.HEADER_PATH, ':path'],
    [h.HEADER_SCHEME, ':scheme'],
    [h.HEADER_AUTHORITY, ':authority'],
    [h.HEADER_STATUS, ':status'],
    [h.HEADER_CONTENT_TYPE, 'content-type'],
    [h.HEADER_TE, 'te'],
    [h.HEADER_USER_AGENT, 'user-agent'],
    [h.HEADER_TIMEOUT, 'grpc-timeout'],
    [h.HEADER_ENCODING, 'grpc-encoding'],
    [h.HEADER_ACCEPT_ENCODING, 'grpc-accept-encoding'],
    [h.HEADER_MESSAGE_TYPE, 'grpc-message-type'],
    [h.HEADER_GRPC_STATUS, 'grpc-status'],
    [h.HEADER_GRPC_MESSAGE, 'grpc-message'],
    [h.HEADER_STATUS_DETAILS, 'grpc-status-details-bin'],
    [h.TE_TRAILERS, 'trailers'],
  ];
  for (const [value, wire] of cases) t.equal(value, wire);
});

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
  for (const [name, reserved] of cases) t.equal(h.isReservedHeader(name), reserved, name);
});
