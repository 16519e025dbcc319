// The send side of a call (src/call/writer.ts) over a real HTTP/2 stream on loopback, written each
// message as it comes (the server's writer) and gathered into one write per tick (the client's,
// speed only): the same bytes in the same order, sends that resolve while the stream takes more and
// wait while the peer reads nothing (flow control), END_STREAM after every message sent before it,
// and pending sends rejected when the call ends.

import { once } from 'node:events';
import { gunzipSync } from 'node:zlib';
import http2, { type ClientHttp2Stream, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { PREFIX_SIZE } from '../../framing/index.js';
import { MessageWriter } from '../../src/call/writer.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { loadProtoFiles, serviceDefinition, type MessageCodec } from '../../src/protocol/schema.js';
import { Status } from '../../src/protocol/status.js';
import { ROUTE_GUIDE_PROTO } from '../../src/services/routeguide/index.js';
import { prng } from '../helpers/rng.js';

interface Note {
  location?: { latitude?: number; longitude?: number };
  message?: string;
}

const chat = serviceDefinition(loadProtoFiles(ROUTE_GUIDE_PROTO), 'routeguide.RouteGuide').methods.find(
  (m) => m.name === 'RouteChat',
)!;
const codec = chat.request as MessageCodec<Note>;
// Latitudes from 1: a proto3 zero is not on the wire, and the order check reads them back.
const note = (i: number): Note => ({ location: { latitude: i + 1, longitude: -1 }, message: `note ${i}` });
const SENDS = 8_000; // notes of ~25 bytes: about 200 KB, past the peer's 64 KiB window and the buffers

/** What the peer received: the Length-Prefixed messages of `bytes`, decoded. */
function messagesIn(bytes: Buffer): Note[] {
  const out: Note[] = [];
  for (let pos = 0; pos < bytes.length;) {
    const length = bytes.readUInt32BE(pos + 1);
    const body = bytes.subarray(pos + PREFIX_SIZE, pos + PREFIX_SIZE + length);
    out.push({ ...(codec.deserialize(bytes[pos] === 1 ? gunzipSync(body) : body) as object) });
    pos += PREFIX_SIZE + length;
  }
  return out.map((m) => JSON.parse(JSON.stringify(m)) as Note);
}

/**
 * A client stream to a server that reads nothing until `read()`: the server's stream window is
 * 64 KiB, so a writer that ignores flow control would be caught by its sends still resolving.
 */
async function pausedPeer(t: Test) {
  const server = http2.createServer({ settings: { initialWindowSize: 65_535 } });
  const arrived = new Promise<ServerHttp2Stream>((resolve) => server.once('stream', resolve));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  t.teardown(() => {
    session.destroy();
    server.close();
  });
  const stream: ClientHttp2Stream = session.request({ ':method': 'POST', ':path': '/w' });
  stream.on('error', () => {});
  const peer = await arrived;
  peer.pause();
  const chunks: Buffer[] = [];
  const ended = new Promise<Buffer>((resolve) => peer.on('end', () => resolve(Buffer.concat(chunks))));
  return {
    stream,
    /** Starts reading; resolves with every byte the peer received once the client half-closed. */
    read: () => {
      peer.on('data', (chunk: Buffer) => chunks.push(chunk));
      peer.resume();
      return ended;
    },
  };
}

for (const gather of [false, true]) {
  const how = gather ? 'gathered per tick' : 'written as they come';

  t.test(`${how}: sends resolve while the stream takes more, then wait for the peer to read`, async (t) => {
    const { stream, read } = await pausedPeer(t);
    const writer = new MessageWriter<Note>(stream, codec, 'identity', Infinity, gather);
    const states: boolean[] = [];
    const sends: Promise<void>[] = [];
    for (let i = 0; i < SENDS; i++) {
      const sent = writer.write(note(i), false);
      sends.push(sent);
      states.push(false);
      void sent.then(() => (states[i] = true));
    }
    await new Promise((r) => setTimeout(r, 200));
    const resolvedEarly = states.filter(Boolean).length;
    t.ok(states[0], 'the first send resolved at once');
    t.notOk(states[SENDS - 1], 'the last send waits: the peer has read nothing');
    t.ok(resolvedEarly < SENDS / 2, `only what the windows and buffers hold was taken (${resolvedEarly} sends)`);
    const received = read();
    await Promise.all(sends);
    writer.end();
    const got = messagesIn(await received);
    t.equal(got.length, SENDS, 'every message arrived');
    t.ok(
      got.every((m, i) => m.location?.latitude === i + 1 && m.message === `note ${i}`),
      'in the order sent',
    );
  });

  t.test(`${how}: END_STREAM goes after every message sent before end(), in the same tick`, async (t) => {
    const { stream, read } = await pausedPeer(t);
    const writer = new MessageWriter<Note>(stream, codec, 'identity', Infinity, gather);
    void writer.write(note(1), false);
    void writer.write(note(2), false);
    await writer.flushed();
    void writer.write(note(3), false);
    writer.end();
    t.same(messagesIn(await read()), [note(1), note(2), note(3)]);
  });

  t.test(`${how}: compressed and uncompressed messages, in many ticks, arrive in the order sent`, async (t) => {
    const { stream, read } = await pausedPeer(t);
    const writer = new MessageWriter<Note>(stream, codec, 'gzip', Infinity, gather);
    const received = read();
    const rng = prng(7);
    for (let i = 0; i < 3000; i++) {
      const sent = writer.write(note(i), rng() < 0.2);
      if (rng() < 0.1) await sent;
    }
    writer.end();
    const bytes = await received;
    const got = messagesIn(bytes);
    t.equal(got.length, 3000);
    t.ok(
      got.every((m, i) => m.location?.latitude === i + 1 && m.message === `note ${i}`),
      'in the order sent',
    );
  });

  t.test(`${how}: a send waiting for the peer rejects when the call ends; later sends reject at once`, async (t) => {
    const { stream } = await pausedPeer(t);
    const writer = new MessageWriter<Note>(stream, codec, 'identity', Infinity, gather);
    let waiting: Promise<void> | undefined;
    for (let i = 0; i < SENDS && !waiting; i++) {
      const sent = writer.write(note(i), false);
      const settled = await Promise.race([sent.then(() => true), new Promise((r) => setImmediate(r, false))]);
      if (!settled) waiting = sent;
    }
    t.ok(waiting, 'a send waits for the peer');
    const error = new GrpcError(Status.CANCELLED, 'call cancelled by the caller');
    writer.close(error);
    await t.rejects(waiting!, error);
    await t.rejects(writer.write(note(0), false), error);
  });
}
