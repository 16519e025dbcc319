// Ceiling for RouteChat on raw node:http2: echoes the request DATA bytes back as they arrive (a
// note at a new location is answered with that same note, so the bytes are the right answer),
// with backpressure, then trailers with grpc-status 0. No framing, no parsing.
//
//   node bench/servers/ceiling-echo.mjs --port P

import http2 from 'node:http2';
import { exitOnSignal, HOST, portArg } from './args.mjs';

const HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const TRAILERS = { 'grpc-status': '0' };

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.on('wantTrailers', () => stream.sendTrailers(TRAILERS));
  stream.respond(HEADERS, { waitForTrailers: true });
  stream.pipe(stream); // request body -> response body; ends the response when the request ends
});
server.listen(portArg(), HOST, () => console.log(`listening on ${HOST}:${server.address().port}`));
exitOnSignal(() => server.close());
