// HPACK encoded again, on real captures: the header blocks real peers sent (grpc-go's client, our
// client, grpc-go's server, our server) are decoded, encoded again by the tap's encoder — with the
// static table only, as the tap sends blocks once a direction's tables diverge, and as a full
// encoder — and handed to independent decoders: node:http2's (nghttp2's) as a server and as a
// client, and the nghttp command-line client. Each must read the same header lists as the tap's
// decoder read from the peers' own bytes.

import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import { decodeFrame, isFrameError } from '../../src/wire/h2/frame-decode.js';
import { HeaderBlockAssembler } from '../../src/wire/h2/header-blocks.js';
import { HpackDecoder, HpackEncoder, HpackError } from '../../src/wire/hpack/index.js';
import { goFaultClient, runGoFaultClient } from '../helpers/fault-peers.js';
import { goRouteGuideBinaries, ROUTE_GUIDE_DB, startGoServer } from '../helpers/go.js';
import { PREFACE, h2frame } from '../helpers/h2-frames.js';
import { CANONICAL_NOTES } from '../helpers/chat.js';
import { startTestServer } from '../helpers/test-server.js';

t.setTimeout(120_000);

const goClient = goFaultClient();
const goBins = goRouteGuideBinaries();
const goSkip = typeof goClient === 'string' && !('skip' in goBins) ? false : 'Go peers unavailable';

type Field = [name: string, value: string];
/** One header block as captured: its stream, whether it ended it, its fields as the tap decoded them. */
interface Captured {
  stream: number;
  endStream: boolean;
  fields: Field[];
}

/** A TCP relay in front of `upstream` that keeps every byte each way. */
async function capturing(t: Test, upstream: number) {
  const bytes = { c2s: [] as Buffer[], s2c: [] as Buffer[] };
  const server = net.createServer((client) => {
    const up = net.connect(upstream, '127.0.0.1');
    client.on('data', (chunk: Buffer) => bytes.c2s.push(chunk));
    up.on('data', (chunk: Buffer) => bytes.s2c.push(chunk));
    client.pipe(up).on('error', () => client.destroy());
    up.pipe(client).on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as net.AddressInfo).port, bytes };
}

/** The header blocks of one direction's bytes, decoded in order by the tap's decoder. */
function headerBlocks(bytes: Buffer[], clientSide: boolean): Captured[] {
  const parser = new FrameParser(clientSide);
  const blocks = new HeaderBlockAssembler();
  const hpack = new HpackDecoder();
  const out: Captured[] = [];
  for (const event of parser.push(Buffer.concat(bytes))) {
    if (event.kind !== 'frame') continue;
    const frame = decodeFrame(event.frame);
    if (isFrameError(frame)) throw new Error(frame.message);
    const result =
      frame.type === 'HEADERS'
        ? blocks.begin(frame)
        : frame.type === 'CONTINUATION'
          ? blocks.continue(frame)
          : undefined;
    if (!result) continue;
    if ('error' in result) throw new Error(result.error.message);
    const decoded = hpack.decode(result.block.block);
    if (decoded instanceof HpackError) throw decoded;
    out.push({
      stream: result.block.streamId,
      endStream: result.block.endStream,
      fields: decoded.fields.map((f) => [f.name, f.value]),
    });
  }
  return out;
}

/** The same lists encoded again: the tap's way (static table only) and a full encoder's. */
const ENCODINGS = {
  'static table only': () => new HpackEncoder({ indexing: false }),
  'full encoder': () => new HpackEncoder(),
};

/** node:http2 as a server reads the request blocks, sent on streams 1, 3, 5… of a raw connection. */
async function nodeServerReads(requests: Captured[], encoder: HpackEncoder): Promise<Field[][]> {
  const server = http2.createServer();
  const seen: Field[][] = [];
  server.on('stream', (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: number, raw: string[]) => {
    seen.push(pairs(raw));
    stream.respond({ ':status': 200 }, { endStream: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(Buffer.concat([PREFACE, h2frame(0x4, 0, 0)]));
  requests.forEach((request, i) => {
    // HEADERS with END_STREAM | END_HEADERS: a request without a body.
    socket.write(
      h2frame(0x1, 0x5, 2 * i + 1, encoder.encode(request.fields.map(([name, value]) => ({ name, value })))),
    );
  });
  for (let i = 0; i < 100 && seen.length < requests.length; i++) await new Promise((r) => setTimeout(r, 20));
  socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  return seen;
}

/**
 * A raw server that answers the i-th request it gets with the blocks of the i-th stream of
 * `responses`, encoded by `encoder` in their captured order, once all the requests are in.
 */
async function rawResponder(responses: Captured[], encoder: () => HpackEncoder) {
  const streams = [...new Set(responses.map((r) => r.stream))];
  const server = net.createServer((socket) => {
    const parser = new FrameParser(true);
    const requests: number[] = [];
    const hpack = encoder();
    socket.write(h2frame(0x4, 0, 0));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) {
        if (event.kind !== 'frame') continue;
        const { type, flags, streamId } = event.frame;
        if (type === 0x4 && (flags & 0x1) === 0) socket.write(h2frame(0x4, 0x1, 0));
        if (type !== 0x1) continue;
        requests.push(streamId);
        if (requests.length !== streams.length) continue;
        for (const response of responses) {
          const block = hpack.encode(response.fields.map(([name, value]) => ({ name, value })));
          const to = requests[streams.indexOf(response.stream)];
          socket.write(h2frame(0x1, 0x4 | (response.endStream ? 0x1 : 0), to, block));
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    streams,
    close: () => new Promise((r) => server.close(r)),
  };
}

/** node:http2 as a client reads the response blocks: what 'response' and 'trailers' give, per stream. */
async function nodeClientReads(responses: Captured[], encoder: () => HpackEncoder): Promise<Field[][][]> {
  const responder = await rawResponder(responses, encoder);
  const session = http2.connect(`http://127.0.0.1:${responder.port}`);
  session.on('error', () => {});
  const got = await Promise.all(
    responder.streams.map(
      (_, i) =>
        new Promise<Field[][]>((resolve) => {
          const blocks: Field[][] = [];
          const request = session.request({ ':method': 'POST', ':path': `/${i}` }, { endStream: true });
          request.on('response', (_h: unknown, _f: number, raw: string[]) => blocks.push(pairs(raw)));
          request.on('trailers', (_h: unknown, _f: number, raw: string[]) => blocks.push(pairs(raw)));
          request.on('error', () => {});
          request.on('close', () => resolve(blocks));
          request.resume();
        }),
    ),
  );
  session.close();
  await responder.close();
  return got;
}

/** The nghttp client reads them too: its -v lines "recv (stream_id=N) name: value", per stream. */
async function nghttpReads(responses: Captured[], encoder: () => HpackEncoder): Promise<Field[][]> {
  const responder = await rawResponder(responses, encoder);
  const uris = responder.streams.map((_, i) => `http://127.0.0.1:${responder.port}/${i}`);
  const out = await new Promise<string>((resolve) =>
    execFile('nghttp', ['-nv', ...uris], { timeout: 20_000 }, (_e, stdout) => resolve(stdout)),
  );
  await responder.close();
  const byStream = new Map<number, Field[]>();
  for (const m of out.matchAll(/recv \(stream_id=(\d+)\) ([^:\n][^:\n]*|:[^:\n]+): (.*)$/gm)) {
    const list = byStream.get(Number(m[1])) ?? [];
    list.push([m[2], m[3]]);
    byStream.set(Number(m[1]), list);
  }
  return [...byStream.keys()].sort((a, b) => a - b).map((id) => byStream.get(id)!);
}

function pairs(raw: string[]): Field[] {
  const out: Field[] = [];
  for (let i = 0; i < raw.length; i += 2) out.push([raw[i], raw[i + 1]]);
  return out;
}

/** Runs every check on one capture. */
async function checkCapture(t: Test, what: string, c2s: Captured[], s2c: Captured[]): Promise<void> {
  t.ok(
    c2s.length > 3 && s2c.length > 3,
    `${what}: ${c2s.length} request blocks, ${s2c.length} response blocks captured`,
  );
  const requests = c2s.filter((b, i) => c2s.findIndex((x) => x.stream === b.stream) === i);
  const byStream = [...new Set(s2c.map((b) => b.stream))].map((id) =>
    s2c.filter((b) => b.stream === id).map((b) => b.fields),
  );
  for (const [name, make] of Object.entries(ENCODINGS)) {
    t.same(
      await nodeServerReads(requests, make()),
      requests.map((r) => r.fields),
      `${what}, ${name}: node:http2 reads the requests`,
    );
    t.same(await nodeClientReads(s2c, make), byStream, `${what}, ${name}: node:http2 reads the responses and trailers`);
    t.same(
      await nghttpReads(s2c, make),
      byStream.map((blocks) => blocks.flat()),
      `${what}, ${name}: nghttp reads them`,
    );
  }
}

t.test("grpc-go's client and our server, as captured", { skip: goSkip }, async (t) => {
  const { port, close } = await startTestServer();
  t.teardown(close);
  const relay = await capturing(t, port);
  await runGoFaultClient(goClient as string, relay.port, 'chat', 8);
  await new Promise((r) => setTimeout(r, 100));
  await checkCapture(t, 'grpc-go → ours', headerBlocks(relay.bytes.c2s, true), headerBlocks(relay.bytes.s2c, false));
});

t.test("our client (with metadata) and grpc-go's server, as captured", { skip: goSkip }, async (t) => {
  if ('skip' in goBins) return;
  const go = await startGoServer(goBins.server, 0, ROUTE_GUIDE_DB);
  t.teardown(() => go.stop());
  const relay = await capturing(t, go.port);
  const channel = new Channel(`127.0.0.1:${relay.port}`);
  const client = routeGuideClient(channel);
  for (let i = 0; i < 6; i++) {
    const metadata = new Metadata();
    metadata.set('x-request-id', `request-${i}`);
    metadata.set('x-trace-bin', Buffer.from([0, 1, 2, 255 - i]));
    metadata.set('authorization', `Bearer token-${i % 2}`);
    await client.getFeature({ latitude: 409146138, longitude: -746188906 + i }, { metadata });
  }
  const chat = client.routeChat();
  for (const note of CANONICAL_NOTES.slice(0, 3)) await chat.send(note);
  chat.closeSend();
  for await (const _ of chat); // the echoes
  channel.close();
  await new Promise((r) => setTimeout(r, 100));
  await checkCapture(t, 'ours → grpc-go', headerBlocks(relay.bytes.c2s, true), headerBlocks(relay.bytes.s2c, false));
});
