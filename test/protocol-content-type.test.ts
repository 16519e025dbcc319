// content-type (PROTOCOL-HTTP2 "Requests"): "application/grpc" [("+proto" / "+json" / {custom})].

import t from 'tap';
import {
  grpcContentSubtype,
  responseContentType,
  CONTENT_TYPE_GRPC,
  CONTENT_TYPE_GRPC_PROTO,
} from '../src/protocol/content-type.js';

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
