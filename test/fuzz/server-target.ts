// Fuzz target "server": `routeguide serve`, the built CLI as a user runs it, in a process of its own.
// Each iteration is one recorded client connection, mutated, sent over a raw socket; four go at
// once. After every batch the process must still be up, answer a GetFeature from our client with
// the right feature, and hold less than RSS_LIMIT of memory.

import net from 'node:net';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { builtCli } from '../helpers/cli-build.js';
import { sleep, start, waitForOutput, type Started } from '../helpers/processes.js';
import type { Rng } from '../helpers/rng.js';
import { writes, type Ending, type FuzzConnection, type FuzzInput } from './input.js';
import { mutate } from './mutate.js';
import { loadRecordings, samples } from './recordings.js';
import { crashReport, rssOf } from './process-watch.js';
import type { Target, TargetSession } from './runner.js';
import { endAs, settle, writeAll } from './send.js';

/** The server's resident memory may not grow past this (it starts near 60 MiB; its note store is bounded to 4 MiB). */
export const RSS_LIMIT = 256 * 1024 * 1024;
/** The canonical first GetFeature of the walk-through, and its answer. */
const KNOWN_POINT = { latitude: 409146138, longitude: -746188906 };
const KNOWN_NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';
const ENDINGS: readonly Ending[] = ['close', 'close', 'close', 'reset', 'hold', 'hold'];

/** One mutated connection of a recorded client. */
function generate(rng: Rng): FuzzInput {
  const sample = rng.pick(SAMPLES);
  const { pieces, changes } = mutate(rng, sample.c2s, true);
  const connection: FuzzConnection = { c2s: pieces, pace: rng.int(2 ** 32), end: rng.pick(ENDINGS) };
  return { connections: [connection], notes: [`${sample.recording}#${sample.index} c2s: ${changes.join('; ')}`] };
}

const SAMPLES = samples(loadRecordings());

async function send(port: number, c: FuzzConnection): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  socket.on('error', () => {}); // a reset from the server is one of its answers
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  const done = settle(socket, 60, 5_000);
  await writeAll(socket, writes(c.c2s ?? [], c.pace));
  endAs(socket, c.end);
  await done;
}

async function startSession(): Promise<TargetSession> {
  // RouteChat's notes are kept within small bounds, so that memory that grows is not the store's.
  const server: Started = start(process.execPath, [
    builtCli(),
    'serve',
    '--port',
    '0',
    '--grace',
    '0s',
    '--max-notes',
    '10000',
    '--max-note-bytes',
    '4MiB',
  ]);
  const [, port] = await waitForOutput(server, /listening on 127\.0\.0\.1:(\d+)/);
  const pid = server.child.pid!;
  const channel = new Channel(`127.0.0.1:${port}`);
  const client = routeGuideClient(channel);
  let exited = false;
  void server.exited.then(() => (exited = true));
  let peakRss = 0;
  let connections = 0;

  return {
    async run(input) {
      await Promise.all(input.connections.map((c) => send(Number(port), c)));
      connections += input.connections.length;
      return undefined; // what the server did is judged by check()
    },
    async check() {
      if (exited) return `the server exited: ${crashReport(server.output())}`;
      try {
        const feature = await client.getFeature(KNOWN_POINT, { deadline: Date.now() + 5_000 });
        if (feature.name !== KNOWN_NAME) return `GetFeature answered ${JSON.stringify(feature)}`;
      } catch (error) {
        // A server that is dying resets the connection first: wait a moment to tell the two apart.
        await Promise.race([server.exited, sleep(1_000)]);
        if (exited) return `the server exited: ${crashReport(server.output())}`;
        return `GetFeature failed: ${error instanceof GrpcError ? `${error.codeName}: ${error.details}` : String(error)}`;
      }
      const rss = rssOf(pid);
      if (rss === undefined) return 'the server process is gone';
      peakRss = Math.max(peakRss, rss);
      if (rss > RSS_LIMIT) return `RSS ${mib(rss)}, above the ${mib(RSS_LIMIT)} limit`;
      return undefined;
    },
    stats: () => `${connections} connections, RSS ${mib(rssOf(pid) ?? 0)} (peak ${mib(peakRss)})`,
    async close() {
      channel.close();
      await server.stop('SIGTERM', 3_000);
    },
  };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export const serverTarget: Target = { name: 'server', batch: 4, generate, start: startSession };
