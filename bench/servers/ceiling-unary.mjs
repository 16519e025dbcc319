// Ceiling for unary calls on raw node:http2: reads each request, then answers with precomputed
// bytes: response headers, one length-prefixed Feature (the one the benchmark asks for), and
// trailers with grpc-status 0. No parsing, no routing, no serialization.
//
//   node bench/servers/ceiling-unary.mjs --port P

import http2 from 'node:http2';
import { RESPONSE_BYTES } from '../lib/unary-fixture.mjs';
import { exitOnSignal, HOST, portArg } from './args.mjs';

const body = RESPONSE_BYTES; // the answer to bench/run.mjs's request

const HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.on('wantTrailers', () => stream.sendTrailers(TRAILERS));
  stream.on('data', () => {});
  stream.on('end', () => {
    if (stream.destroyed) return; // the client gave up
    stream.respond(HEADERS, { waitForTrailers: true });
    stream.end(body);
  });
});
server.listen(portArg(), HOST, () => console.log(`listening on ${HOST}:${server.address().port}`));
exitOnSignal(() => server.close());
