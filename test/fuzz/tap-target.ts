// Fuzz target "tap": `routeguide tap --json`, the built CLI, between a fuzzer playing the client and
// a fuzzer playing the server, each sending a recorded side of a connection, mutated. The tap must
// relay every byte unchanged and in order both ways, pass each side's FIN (or reset) on, never stall
// a connection, keep its NDJSON one JSON object per line (no error of its own decoder among them),
// count each connection's bytes right in its close event, and stay up.

import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { builtCli } from '../helpers/cli-build.js';
import { start, waitForOutput, type Started } from '../helpers/processes.js';
import type { Rng } from '../helpers/rng.js';
import { joinPieces } from './frames.js';
import { writes, type Ending, type FuzzConnection, type FuzzInput } from './input.js';
import { mutate } from './mutate.js';
import { loadRecordings, samples } from './recordings.js';
import type { Target, TargetSession } from './runner.js';
import { endAs, writeAll } from './send.js';
import { crashReport } from './process-watch.js';

const PROTO = fileURLToPath(new URL('../../proto/route_guide.proto', import.meta.url));
/** How long a connection may take to deliver every byte both ways (loopback; a loaded machine). */
const DELIVERY_MS = 10_000;
const ENDINGS: readonly Ending[] = ['close', 'close', 'reset', 'hold'];
const SAMPLES = samples(loadRecordings());

/** Both sides of one recorded connection, each mutated (now and then one side left as it was). */
function generate(rng: Rng): FuzzInput {
  const sample = rng.pick(SAMPLES);
  const c2s = rng.chance(0.8) ? mutate(rng, sample.c2s, true) : { pieces: sample.c2s, changes: [] };
  const s2c = rng.chance(0.8) ? mutate(rng, sample.s2c, false) : { pieces: sample.s2c, changes: [] };
  const connection: FuzzConnection = {
    c2s: c2s.pieces,
    s2c: s2c.pieces,
    pace: rng.int(2 ** 32),
    end: rng.pick(ENDINGS),
  };
  return {
    connections: [connection],
    notes: [
      `${sample.recording}#${sample.index} c2s: ${c2s.changes.join('; ') || 'as recorded'}; s2c: ${s2c.changes.join('; ') || 'as recorded'}`,
    ],
  };
}

/** Collects what a socket receives; `until(n)` resolves once n bytes are in (or the socket closed). */
function receiver(socket: net.Socket) {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    wake?.();
  });
  socket.on('end', () => {
    ended = true;
    wake?.();
  });
  socket.on('close', () => wake?.());
  const wait = (done: () => boolean, ms: number) =>
    new Promise<boolean>((resolve) => {
      if (done()) return resolve(true);
      const timer = setTimeout(() => finish(false), ms);
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        wake = undefined;
        resolve(ok);
      };
      wake = () => {
        if (done()) finish(true);
        else if (socket.destroyed) finish(done());
      };
    });
  return {
    bytes: () => Buffer.concat(chunks),
    get length() {
      return length;
    },
    /** Waits for `n` bytes. */
    until: (n: number, ms: number) => wait(() => length >= n, ms),
    /** Waits for the FIN (or the close) after the data. */
    ended: (ms: number) => wait(() => ended || socket.destroyed, ms),
  };
}

/** The first offset where `got` differs from `sent`, as a sentence, or undefined when equal. */
function difference(dir: string, sent: Buffer, got: Buffer): string | undefined {
  if (got.equals(sent)) return undefined;
  let at = 0;
  while (at < sent.length && at < got.length && sent[at] === got[at]) at++;
  return `${dir}: ${got.length} of ${sent.length} bytes relayed, the first difference at byte ${at}`;
}

async function startSession(): Promise<TargetSession> {
  // The fuzzer's server side: each connection the tap makes is handed to the connection waiting for it.
  const waitingUpstream: ((socket: net.Socket) => void)[] = [];
  const upstream = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    socket.on('error', () => {});
    const take = waitingUpstream.shift();
    if (take) take(socket);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as net.AddressInfo).port;

  const tap: Started = start(process.execPath, [
    builtCli(),
    'tap',
    '--listen',
    '0',
    '--upstream',
    `127.0.0.1:${upstreamPort}`,
    '--json',
    '--no-reflection',
    '--proto',
    PROTO,
  ]);
  // stdout is read line by line below, not kept.
  tap.child.stdout!.removeAllListeners('data');
  const [, port] = await waitForOutput(tap, /tap listening on 127\.0\.0\.1:(\d+)/);
  let exited = false;
  void tap.exited.then(() => (exited = true));

  const problems: string[] = [];
  let lines = 0;
  let events = 0;
  /** What each connection's close event must count, by the tap's connection number. */
  const expectedBytes = new Map<number, { c2s: number; s2c: number }>();
  createInterface({ input: tap.child.stdout! }).on('line', (line) => {
    lines++;
    let event: { kind?: unknown; rule?: unknown; note?: unknown; type?: unknown; conn?: unknown; bytes?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      problems.push(`an NDJSON line is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event) || typeof event.kind !== 'string') {
      problems.push(`an NDJSON line is not an event object: ${line.slice(0, 200)}`);
      return;
    }
    events++;
    if (event.kind === 'error' && event.rule === 'tap')
      problems.push(`the tap's decoder failed: ${String(event.note)}`);
    if (event.kind === 'connection' && event.type === 'close' && typeof event.conn === 'number') {
      const expected = expectedBytes.get(event.conn);
      expectedBytes.delete(event.conn);
      const counted = JSON.stringify(event.bytes);
      if (expected && counted !== JSON.stringify(expected))
        problems.push(`connection ${event.conn} closed counting ${counted}, ${JSON.stringify(expected)} were relayed`);
    }
  });

  let connections = 0;
  let connecting = Promise.resolve();

  /** Connects a client and the tap's upstream connection for it, one pair at a time (so they pair up right). */
  const connectPair = (): Promise<{ client: net.Socket; server: net.Socket; conn: number } | string> => {
    const pair = connecting.then(async () => {
      const server = new Promise<net.Socket>((resolve) => waitingUpstream.push(resolve));
      const client = net.connect({ host: '127.0.0.1', port: Number(port), allowHalfOpen: true, noDelay: true });
      client.on('error', () => {});
      const timer = new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), DELIVERY_MS));
      const got = await Promise.race([server, timer]);
      if (typeof got === 'string') {
        waitingUpstream.shift();
        client.destroy();
        return 'the tap did not connect to the upstream';
      }
      return { client, server: got, conn: ++connections };
    });
    connecting = pair.then(() => undefined);
    return pair;
  };

  const relayOne = async (c: FuzzConnection): Promise<string | undefined> => {
    const pair = await connectPair();
    if (typeof pair === 'string') return pair;
    const { client, server, conn } = pair;
    const c2s = joinPieces(c.c2s ?? []);
    const s2c = joinPieces(c.s2c ?? []);
    expectedBytes.set(conn, { c2s: c2s.length, s2c: s2c.length });
    const atServer = receiver(server);
    const atClient = receiver(client);
    try {
      await Promise.all([
        writeAll(client, writes(c.c2s ?? [], c.pace)),
        writeAll(server, writes(c.s2c ?? [], c.pace ^ 1)),
      ]);
      const [up, down] = await Promise.all([
        atServer.until(c2s.length, DELIVERY_MS),
        atClient.until(s2c.length, DELIVERY_MS),
      ]);
      const changed =
        difference('client → server', c2s, atServer.bytes()) ?? difference('server → client', s2c, atClient.bytes());
      if (!up || !down) return `stalled: ${changed ?? 'bytes missing'}`;
      if (changed) return changed;
      // The ending passes through: a FIN as a FIN (and the other side's after it), a reset as a close.
      endAs(client, c.end);
      if (c.end === 'close') {
        if (!(await atServer.ended(DELIVERY_MS))) return "the client's FIN did not reach the server";
        server.end();
        if (!(await atClient.ended(DELIVERY_MS))) return "the server's FIN did not reach the client";
      } else if (c.end === 'reset') {
        if (!(await atServer.ended(DELIVERY_MS))) return "the client's reset did not close the server's connection";
      }
      return undefined;
    } finally {
      client.destroy();
      server.destroy();
    }
  };

  return {
    async run(input) {
      const found = await Promise.all(input.connections.map(relayOne));
      return found.find((f) => f !== undefined);
    },
    async check() {
      if (exited) return `the tap exited: ${crashReport(tap.output())}`;
      return problems.shift();
    },
    stats: () => `${connections} connections, ${events} events on ${lines} lines`,
    async close() {
      await tap.stop('SIGINT', 5_000);
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    },
  };
}

export const tapTarget: Target = { name: 'tap', batch: 4, generate, start: startSession };
