// Ceiling for the clients on raw node:http2: the same calls as bench/clients/ours.mjs, made with
// precomputed bytes — one frozen request header block, request messages framed before the clock
// starts, responses compared byte for byte with the expected ones. No gRPC library, no
// serialization, no parsing, no promise per call. What a client on node:http2 cannot beat.
//
//   unary:     GetFeature from `-c` concurrent lanes; each lane starts its next call when the last
//              one's stream closes. Every response must be the expected Length-Prefixed Feature
//              (learnt, and checked field by field, from one call per ask before the clock starts)
//              and end with grpc-status 0.
//   routechat: one stream; every note is written as its own message, waiting for 'drain' when the
//              stream is full; the reply bytes must equal the notes' bytes (each note is at a new
//              location, so the server answers it with itself, in protobuf-go's bytes).

import { once } from 'node:events';
import http2 from 'node:http2';
import protobuf from 'protobufjs';
import {
  ASKS,
  checkFeature,
  DEADLINE_MS,
  die,
  noteAt,
  parseClientArgs,
  printResult,
  startClock,
  WARMUP_BASE,
} from './common.mjs';

const opts = parseClientArgs();
const root = protobuf.loadSync(new URL('../../proto/route_guide.proto', import.meta.url).pathname);
const Point = root.lookupType('routeguide.Point');
const Feature = root.lookupType('routeguide.Feature');
const RouteNote = root.lookupType('routeguide.RouteNote');

/** PROTOCOL-HTTP2: Length-Prefixed-Message = Compressed-Flag(0) Message-Length(4, big endian) Message. */
function lengthPrefixed(message) {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** The request headers of a call, as ours.mjs's calls send them (the deadline a fixed grpc-timeout). */
function requestHeaders(method) {
  return Object.freeze({
    ':method': 'POST',
    ':scheme': 'http',
    ':path': `/routeguide.RouteGuide/${method}`,
    ':authority': opts.addr,
    'grpc-timeout': `${DEADLINE_MS}m`,
    'content-type': 'application/grpc',
    'grpc-accept-encoding': 'gzip,deflate,identity',
    te: 'trailers',
    'user-agent': 'routeguide-bench-ceiling',
  });
}

const session = http2.connect(`http://${opts.addr}`, {
  settings: { initialWindowSize: 1024 * 1024, enablePush: false },
});
session.on('error', (err) => die(`connection: ${err.message}`));
session.once('connect', () => session.setLocalWindowSize(1024 * 1024)); // as src/client/channel.ts

/** One raw call: writes `body` and half-closes; `done(error, responseBytes)` when the stream closes. */
function call(headers, body, done) {
  const stream = session.request(headers);
  const chunks = [];
  let status;
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('trailers', (trailers) => (status = trailers['grpc-status']));
  stream.on('error', () => {});
  stream.on('close', () => {
    if (status !== '0') return done(new Error(`grpc-status ${status}, RST code ${stream.rstCode}`));
    done(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
  });
  stream.end(body);
}

const callOnce = (headers, body) =>
  new Promise((resolve, reject) => call(headers, body, (err, bytes) => (err ? reject(err) : resolve(bytes))));

const GET_FEATURE = requestHeaders('GetFeature');
const REQUESTS = ASKS.map((p) => lengthPrefixed(Point.encode(p).finish()));

/** The expected response to each ask: one call each, decoded and checked field by field. */
async function learnResponses() {
  const responses = [];
  for (let i = 0; i < REQUESTS.length; i++) {
    const bytes = await callOnce(GET_FEATURE, REQUESTS[i]);
    if (bytes.length < 5 || bytes.readUInt32BE(1) !== bytes.length - 5) die(`unary: bad framing for ask ${i}`);
    checkFeature(Feature.toObject(Feature.decode(bytes.subarray(5))), i);
    responses.push(bytes);
  }
  return responses;
}

function unary(n, c, responses) {
  return new Promise((resolve) => {
    let next = 0;
    let finished = 0;
    const lane = () => {
      const i = next++;
      if (i >= n) return;
      call(GET_FEATURE, REQUESTS[i % 2], (err, bytes) => {
        if (err) die(`unary: call ${i}: ${err.message}`);
        if (!bytes.equals(responses[i % 2])) die(`unary: call ${i} answered ${bytes.toString('hex')}`);
        if (++finished === n) resolve();
        else lane();
      });
    };
    for (let k = 0; k < Math.min(c, n); k++) lane();
  });
}

/** All notes of the run, framed, in one buffer; `offsets[i]` is where note i starts. */
function frameNotes(n, base) {
  const frames = [];
  for (let i = 0; i < n; i++) frames.push(lengthPrefixed(RouteNote.encode(noteAt(base + i)).finish()));
  const offsets = [0];
  for (const f of frames) offsets.push(offsets.at(-1) + f.length);
  return { all: Buffer.concat(frames), offsets };
}

async function routeChat(n, { all, offsets }) {
  const stream = session.request(requestHeaders('RouteChat'));
  let received = 0;
  let status;
  stream.on('data', (chunk) => {
    if (!chunk.equals(all.subarray(received, received + chunk.length)))
      die(`routechat: reply bytes differ from the notes' after ${received} bytes`);
    received += chunk.length;
  });
  stream.on('trailers', (trailers) => (status = trailers['grpc-status']));
  const closed = once(stream, 'close');
  for (let i = 0; i < n; i++) {
    if (!stream.write(all.subarray(offsets[i], offsets[i + 1]))) await once(stream, 'drain');
  }
  stream.end();
  await closed;
  if (status !== '0') die(`routechat: grpc-status ${status}, RST code ${stream.rstCode}`);
  if (received !== all.length) die(`routechat: ${received} reply bytes for ${all.length} bytes of notes`);
}

// Before the clock starts: the connection, the expected answers, the warm-up if asked for
// (common.mjs), the framed notes.
const responses = await learnResponses();
if (opts.warmup > 0) {
  if (opts.mode === 'routechat') await routeChat(opts.warmup, frameNotes(opts.warmup, WARMUP_BASE));
  else await unary(opts.warmup, opts.c, responses);
}
const notes = opts.mode === 'routechat' ? frameNotes(opts.n, opts.base) : undefined;
const clock = startClock();
if (opts.mode === 'routechat') await routeChat(opts.n, notes);
else await unary(opts.n, opts.c, responses);
printResult(opts.n, clock);
session.close();
