// Seeded fuzzing of the fault injector (the same seed, the same inputs: a failure names its seed).
//
// - The SPEC parser on SPECs made from its grammar and then mutated, and `--faults` lists made the
//   same way: each gives its faults or an error naming the bad part, and never throws.
// - The rewriter on mutated real traffic: the bytes our client and server exchanged (GetFeature,
//   ListFeatures, RecordRoute, RouteChat), flipped, cut, repeated and chunked at random, replayed
//   through taps with faults of every kind by a client and a server that send what they were given.
//   No byte sequence may make the tap throw, hang a connection, or fail inside its rewriter (which
//   it would report as a `skip` of the fault "tap"); after the garbage, the same tap relays a real
//   call to our server.
//
// FAULT_FUZZ_ROUNDS=N runs N connections for each set of faults (default 12).

import net from 'node:net';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { seededRandom, type Random } from '../../src/wire/fault/rng.js';
import { FAULT_KINDS, parseFault, parseFaultList } from '../../src/wire/fault/spec.js';
import { CANONICAL_NOTES, chatLines } from '../helpers/chat.js';
import { faultTap, ofKind } from '../helpers/fault-peers.js';
import { startTestServer } from '../helpers/test-server.js';

const ROUNDS = Number(process.env.FAULT_FUZZ_ROUNDS ?? 12);
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];
const between = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));

// ---- the SPEC parser ----

const KEYS = [
  'code',
  'to',
  'close',
  'debug',
  'status',
  'message',
  'as',
  'for',
  'dir',
  'scope',
  'count',
  'every',
  'value',
  'data',
  'padding',
  'time',
  'jitter',
  'rate',
  'min',
  'max-bytes',
  'gap',
  'when',
  'percent',
  'max',
  'method',
  'header',
  'call',
  'conn',
];
const VALUES = [
  'CANCEL',
  '8',
  'REFUSED_STREAM',
  '0x7',
  'client',
  'server',
  'both',
  '2s',
  '15ms',
  '0',
  '-1',
  '99999999999999999999',
  'UNAVAILABLE',
  '16',
  '17',
  'c2s',
  's2c',
  'call',
  'connection',
  'request',
  'response-headers',
  'trailers',
  'connect',
  'message:s2c:2',
  'bytes:c2s:50%',
  'bytes:s2c:101%',
  'calls:1',
  'time:1.5s',
  '10KB',
  '1KiB',
  '*Chat',
  'x-a:b*',
  ':authority:*',
  '%2C',
  '%ZZ',
  '%E7%B3%BB',
  '',
  'rst',
  'data',
];

function randomSpec(random: Random): string {
  let text = pick(random, [...FAULT_KINDS, 'rst_after_header', 'goaway', 'nothing']);
  const params = between(random, 0, 4);
  for (let i = 0; i < params; i++) text += `${i === 0 ? ':' : ','}${pick(random, KEYS)}=${pick(random, VALUES)}`;
  // Mutations: a character replaced, removed or added, anywhere.
  const mutations = random() < 0.5 ? 0 : between(random, 1, 3);
  for (let i = 0; i < mutations; i++) {
    const at = between(random, 0, text.length);
    const char = String.fromCharCode(pick(random, [0x3a, 0x2c, 0x3d, 0x25, 0x20, 0x0, 0x7f, 0xe9, 0xd800, 0x2a]));
    const op = between(random, 0, 2);
    text =
      op === 0
        ? text.slice(0, at) + char + text.slice(at + 1)
        : op === 1
          ? text.slice(0, at) + text.slice(at + 1)
          : text.slice(0, at) + char + text.slice(at);
  }
  return text;
}

t.test('the SPEC parser: 4,000 made-up SPECs and 500 --faults lists, never a throw', async (t) => {
  const random = seededRandom(20);
  let good = 0;
  let bad = 0;
  for (let i = 0; i < 4000; i++) {
    const text = randomSpec(random);
    let parsed;
    try {
      parsed = parseFault(text);
    } catch (error) {
      t.fail(`parseFault(${JSON.stringify(text)}) threw: ${(error as Error).message}`);
      continue;
    }
    if ('error' in parsed) {
      bad++;
      if (typeof parsed.error !== 'string' || parsed.error.length === 0)
        t.fail(`${JSON.stringify(text)}: an empty error`);
    } else {
      good++;
      if (parsed.specs.length === 0) t.fail(`${JSON.stringify(text)}: no fault and no error`);
      for (const spec of parsed.specs)
        if (!(spec.percent >= 0 && spec.percent <= 100)) t.fail(`${JSON.stringify(text)}: percent ${spec.percent}`);
    }
  }
  t.ok(good > 100 && bad > 100, `both kinds of outcome: ${good} parsed, ${bad} refused`);

  for (let i = 0; i < 500; i++) {
    const entries = Array.from({ length: between(random, 0, 3) }, () =>
      random() < 0.5
        ? randomSpec(random)
        : { kind: pick(random, FAULT_KINDS), [pick(random, KEYS)]: pick(random, VALUES) },
    );
    let json = JSON.stringify(random() < 0.2 ? { faults: entries } : entries);
    if (random() < 0.3) json = json.slice(0, between(random, 0, json.length));
    try {
      const parsed = parseFaultList(json);
      if ('error' in parsed && parsed.error.length === 0) t.fail(`${json}: an empty error`);
    } catch (error) {
      t.fail(`parseFaultList(${json}) threw: ${(error as Error).message}`);
    }
  }
});

// ---- the rewriter ----

const server = await startTestServer();
t.teardown(server.close);

/** What our client and server sent each other through a plain TCP relay, each way as one buffer. */
async function record(): Promise<{ c2s: Buffer; s2c: Buffer }> {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const relay = net.createServer((client) => {
    const upstream = net.connect(server.port, '127.0.0.1');
    client.on('data', (chunk: Buffer) => (c2s.push(chunk), upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => (s2c.push(chunk), client.write(chunk)));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const channel = new Channel(`127.0.0.1:${(relay.address() as net.AddressInfo).port}`);
  const client = routeGuideClient(channel);
  await client.getFeature({ latitude: 409146138, longitude: -746188906 });
  for await (const feature of client.listFeatures({
    lo: { latitude: 400000000, longitude: -750000000 },
    hi: { latitude: 410000000, longitude: -745000000 },
  }))
    void feature;
  const route = client.recordRoute();
  for (const note of CANONICAL_NOTES) await route.send(note.location!);
  await route.closeAndRecv();
  await chatLines(client, CANONICAL_NOTES);
  channel.close();
  await new Promise<void>((resolve) => relay.close(() => resolve()));
  return { c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c) };
}

/** `bytes` flipped, cut, repeated or grown at random; the client's preface mostly kept. */
function mutate(random: Random, bytes: Buffer, keep: number): Buffer {
  let out = Buffer.from(bytes);
  const count = between(random, 1, 6);
  for (let i = 0; i < count; i++) {
    const at = between(random, random() < 0.9 ? keep : 0, Math.max(keep, out.length - 1));
    switch (between(random, 0, 4)) {
      case 0: // a byte flipped
        if (at < out.length) out[at] ^= 1 << between(random, 0, 7);
        break;
      case 1: // a byte set to a value that means much in a frame header
        if (at < out.length) out[at] = pick(random, [0x00, 0x01, 0x04, 0x08, 0x09, 0x20, 0x7f, 0x80, 0xff]);
        break;
      case 2: // cut short
        out = out.subarray(0, at);
        break;
      case 3: {
        // a stretch repeated
        const length = between(random, 1, 200);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + length), out.subarray(at)]);
        break;
      }
      default: // random bytes added
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from(Array.from({ length: between(random, 1, 40) }, () => between(random, 0, 255))),
          out.subarray(at),
        ]);
    }
  }
  return out;
}

/** Writes `bytes` to `socket` in chunks of random sizes, a turn of the event loop apart, then FIN. */
async function sendChunked(random: Random, socket: net.Socket, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length && !socket.destroyed;) {
    const size = between(random, 1, random() < 0.5 ? 64 : 4096);
    socket.write(bytes.subarray(at, at + size));
    at += size;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!socket.destroyed) socket.end();
}

/** The sets of faults the garbage meets, every kind among them. */
const FAULT_SETS: readonly string[][] = [
  ['rst-stream', 'ping:to=both,count=2'],
  ['rst-stream:code=REFUSED_STREAM,when=request,percent=50', 'max-streams:value=1'],
  ['abort:status=UNAVAILABLE,when=message:s2c:1', 'drop-trailers:as=rst,percent=50'],
  ['drop-trailers', 'pad-data:dir=c2s,data=3,padding=7'],
  ['data_frame_padding', 'delay:for=5ms,dir=c2s'],
  ['goaway:when=calls:1,close=30ms', 'latency:time=1ms,jitter=1ms'],
  ['rst_during_data', 'slice:min=1,max-bytes=9', 'bandwidth:rate=2MB'],
  ['reset-peer:when=message:c2s:3,percent=50', 'hang:dir=s2c,for=20ms', 'abort:status=INTERNAL,when=trailers'],
];

t.test('mutated real traffic through taps with faults of every kind', async (t) => {
  const traffic = await record();
  t.ok(traffic.c2s.length > 500 && traffic.s2c.length > 500, 'a recording both ways');
  const kinds = new Set(
    FAULT_SETS.flat().flatMap((text) => {
      const parsed = parseFault(text);
      return 'error' in parsed ? [`${text}: ${parsed.error}`] : parsed.specs.map((spec) => spec.action.kind);
    }),
  );
  t.same([...kinds].sort(), [...FAULT_KINDS].sort(), 'every SPEC here parses, and every kind is among them');

  // A server that answers each connection with the bytes it is given, or relays to ours.
  let answer: Buffer | 'relay' = 'relay';
  let answerRandom: Random = seededRandom(0);
  const fake = net.createServer((socket) => {
    socket.on('error', () => {});
    if (answer === 'relay') {
      const upstream = net.connect(server.port, '127.0.0.1');
      upstream.on('error', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
      socket.on('close', () => upstream.destroy());
      return;
    }
    socket.resume(); // reads what comes, answers what it was given
    void sendChunked(answerRandom, socket, answer);
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.teardown(() => fake.close());
  const fakePort = (fake.address() as net.AddressInfo).port;

  for (const [set, specs] of FAULT_SETS.entries()) {
    const tap = await faultTap(t, fakePort, specs, { seed: set + 1 });
    for (let round = 0; round < ROUNDS; round++) {
      const seed = set * 1000 + round;
      const random = seededRandom(seed);
      const c2s = mutate(random, traffic.c2s, 24);
      answer = mutate(random, traffic.s2c, 0);
      answerRandom = seededRandom(seed ^ 0xabcdef);
      const closed = ofKind(tap.events, 'connection').filter((e) => e.type === 'close').length;
      const client = net.connect(tap.port, '127.0.0.1');
      client.on('error', () => {});
      client.resume();
      await new Promise<void>((resolve) => client.once('connect', resolve));
      await sendChunked(random, client, c2s);
      const ended = await waitUntil(
        () => ofKind(tap.events, 'connection').filter((e) => e.type === 'close').length > closed,
        5000,
      );
      client.destroy();
      if (!ended) t.fail(`seed ${seed} (${specs.join(' ')}): the connection did not end within 5 s`);
    }
    const acted = new Set(
      ofKind(tap.events, 'fault')
        .filter((e) => e.action !== 'skip' && e.fault !== 'tap')
        .map((e) => e.conn),
    );
    t.ok(acted.size >= ROUNDS / 4, `${specs.join(' ')}: the faults acted on ${acted.size} of ${ROUNDS} connections`);
    const failures = ofKind(tap.events, 'fault').filter((e) => e.fault === 'tap');
    t.same(
      failures.map((e) => e.note),
      [],
      `${specs.join(' ')}: ${ROUNDS} mutated connections, the rewriter never failed`,
    );

    // The same tap, after the garbage, in front of our server.
    answer = 'relay';
    const channel = new Channel(`127.0.0.1:${tap.port}`);
    const outcome = await routeGuideClient(channel)
      .getFeature({ latitude: 409146138, longitude: -746188906 }, { timeoutMs: 5000 })
      .then(
        () => 'OK',
        (error: unknown) => (error instanceof GrpcError ? error.codeName : String(error)),
      );
    channel.close();
    t.not(outcome, 'DEADLINE_EXCEEDED', `${specs.join(' ')}: a real call afterwards ends (${outcome}), not stuck`);
  }
});

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
