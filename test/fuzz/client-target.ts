// Fuzz target "client": our client, in a process of its own under --unhandled-rejections=strict
// (client-child.ts), calls a hostile server — a raw TCP server that answers with a recorded
// server's bytes, mutated. The answer to a stream is sent once the client has opened that stream,
// as a real server would. Every call of all four kinds must end with a status within its deadline:
// no hang, no uncaught exception, no unhandled rejection.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import type { Rng } from '../helpers/rng.js';
import type { CallEnd, Job } from './client-child.js';
import { HEADERS } from './frames.js';
import { writes, type Ending, type FuzzConnection, type FuzzInput } from './input.js';
import { mutate } from './mutate.js';
import { loadRecordings, samples } from './recordings.js';
import type { Target, TargetSession } from './runner.js';
import { endAs } from './send.js';
import { crashReport } from './process-watch.js';
import { sleep } from '../helpers/processes.js';
import { WALK_THROUGH_CALLS } from './walk-through.js';

/** Each call's deadline: long enough for loopback, short enough that 'hold' endings are quick. */
const DEADLINE_MS = 500;
/** How late after its deadline a call may end (timers on a loaded machine fire late). */
const LATE_MS = 1_500;
/** How long the hostile server waits for the client to open a stream before sending its answer anyway. */
const STREAM_WAIT_MS = 100;
const ENDINGS: readonly Ending[] = ['close', 'close', 'reset', 'hold'];

const CHILD = fileURLToPath(new URL('client-child.ts', import.meta.url));
const TS_LOADER = new URL('../../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href;
const SAMPLES = samples(loadRecordings());

function generate(rng: Rng): FuzzInput {
  const sample = rng.pick(SAMPLES);
  const { pieces, changes } = mutate(rng, sample.s2c, false);
  const connection: FuzzConnection = { s2c: pieces, pace: rng.int(2 ** 32), end: rng.pick(ENDINGS) };
  return { connections: [connection], notes: [`${sample.recording}#${sample.index} s2c: ${changes.join('; ')}`] };
}

/** A hostile server for one connection script; every connection made to it gets the script. */
async function hostileServer(c: FuzzConnection): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    void answer(socket, c);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** Sends the script, each piece of a stream once the client opened that stream (or STREAM_WAIT_MS passed). */
async function answer(socket: net.Socket, c: FuzzConnection): Promise<void> {
  const opened = new Set<number>();
  const parser = new FrameParser(true);
  let onOpen: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const event of parser.push(chunk))
      if (event.kind === 'frame' && event.frame.type === HEADERS) opened.add(event.frame.streamId);
    onOpen?.();
  });
  const pieces = c.s2c ?? [];
  const chunks = writes(pieces, c.pace);
  // The script's writes, each tagged with the stream of the first piece it starts in.
  const gates: number[] = [];
  for (let piece = 0, at = 0, offset = 0; gates.length < chunks.length;) {
    gates.push(pieces[piece]?.stream ?? 0);
    at += chunks[gates.length - 1].length;
    while (piece < pieces.length && offset + pieces[piece].bytes.length <= at) offset += pieces[piece++].bytes.length;
  }
  for (const [k, chunk] of chunks.entries()) {
    const stream = gates[k];
    if (stream > 0 && !opened.has(stream)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STREAM_WAIT_MS);
        onOpen = () => {
          if (!opened.has(stream) && !socket.destroyed) return;
          clearTimeout(timer);
          resolve();
        };
      });
      onOpen = undefined;
    }
    if (socket.destroyed) return;
    socket.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  endAs(socket, c.end);
}

/** What is wrong with the way the calls ended, or undefined. */
function judge(ends: CallEnd[]): string | undefined {
  for (const end of ends) {
    if (end.status === 'not a status') return `${end.call} ended without a gRPC status: ${end.detail}`;
    if (end.ms > DEADLINE_MS + LATE_MS)
      return `${end.call} ended ${end.ms - DEADLINE_MS} ms after its deadline (${end.status})`;
  }
  return undefined;
}

async function startSession(): Promise<TargetSession> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['--unhandled-rejections=strict', `--import=${TS_LOADER}`, CHILD],
    { env: { ...process.env, NODE_OPTIONS: '', TS_NODE_TRANSPILE_ONLY: '1' } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-64 * 1024)));
  const ends = new Map<number, CallEnd[]>();
  let ready!: () => void;
  const loaded = new Promise<void>((resolve) => (ready = resolve));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') return ready();
    const end = JSON.parse(line) as CallEnd;
    ends.get(end.id)?.push(end);
  });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      exit = `the client process exited (${signal ?? code}): ${crashReport(stderr)}`;
      resolve();
    }),
  );
  await Promise.race([loaded, exited]);
  if (exit) throw new Error(exit);
  let nextId = 1;
  let calls = 0;
  const statuses = new Map<string, number>();

  const runOne = async (c: FuzzConnection): Promise<string | undefined> => {
    if (exit) return exit;
    const server = await hostileServer(c);
    const job: Job = { id: nextId++, port: server.port, deadlineMs: DEADLINE_MS };
    const ended: CallEnd[] = [];
    ends.set(job.id, ended);
    try {
      child.stdin.write(`${JSON.stringify(job)}\n`);
      // Every call must have ended by its deadline and LATE_MS: poll for them until then.
      const until = Date.now() + DEADLINE_MS + LATE_MS;
      while (ended.length < WALK_THROUGH_CALLS.length && Date.now() < until && !exit) await sleep(20);
      if (exit) return exit;
      for (const end of ended) statuses.set(end.status, (statuses.get(end.status) ?? 0) + 1);
      calls += ended.length;
      if (ended.length < WALK_THROUGH_CALLS.length) {
        const done = new Set(ended.map((e) => e.call));
        const hung = WALK_THROUGH_CALLS.filter((n) => !done.has(n));
        return `${hung.join(', ')} had not ended ${LATE_MS} ms after the ${DEADLINE_MS} ms deadline (hang)`;
      }
      return judge(ended);
    } finally {
      ends.delete(job.id);
      server.close();
    }
  };

  return {
    async run(input) {
      const found = await Promise.all(input.connections.map(runOne));
      return found.find((f) => f !== undefined);
    },
    check: async () => exit,
    stats: () =>
      `${calls} calls: ${[...statuses]
        .sort((a, b) => b[1] - a[1])
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const clientTarget: Target = { name: 'client', batch: 8, generate, start: startSession };
