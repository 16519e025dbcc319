// Records the real traffic the fuzz suite mutates: test/fixtures/recordings/*.json, one file per
// client and server, each TCP connection's bytes both ways, one line per frame.
//
//   npm run fuzz -- --record          re-record every peer that is installed (the others are kept)
//
// Each client talks to its server through a recording relay (the tap's own relay, src/wire/relay.ts,
// with an observer that keeps the bytes instead of decoding them), on loopback:
//   routeguide-demo          `routeguide demo`                        → `routeguide serve`
//   grpc-go-client           grpc-go's route_guide client             → `routeguide serve`
//   python-grpcio            scripts/fuzz/routeguide_client.py        → `routeguide serve`
//   ruby-interop             Ruby's interop client.rb (a few cases)   → `routeguide interop-server`
//   demo-to-grpc-go-server   `routeguide demo`                        → grpc-go's route_guide server
// The last one gives the fuzzer a second server's bytes (grpc-go's HPACK and flow control) to answer
// clients with. A fresh server for each file: RouteChat's answers depend on the notes it holds.
// RecordRoute's routes are random, so a new recording differs from the old one in those messages.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Relay } from '../../src/wire/relay.js';
import type { Direction } from '../../src/wire/events.js';
import { saveRecording, type RecordedConnection, type Recording } from '../../test/fuzz/recordings.js';
import { builtCli } from '../../test/helpers/cli-build.js';
import { goRouteGuideBinaries, ROUTE_GUIDE_DB, startGoServer } from '../../test/helpers/go.js';
import { start, waitForOutput } from '../../test/helpers/processes.js';
import { findRubyInterop } from '../../test/helpers/ruby.js';

const PYTHON_CLIENT = fileURLToPath(new URL('routeguide_client.py', import.meta.url));
/** Ruby interop cases with small messages (the large_unary family sends 271,828-byte payloads). */
const RUBY_CASES = [
  'empty_unary',
  'empty_stream',
  'status_code_and_message',
  'unimplemented_method',
  'unimplemented_service',
  'cancel_after_begin',
  'timeout_on_sleeping_server',
];

interface Server {
  port: number;
  stop(): Promise<unknown>;
}

interface Peer {
  name: string;
  client: string;
  server: string;
  /** Why it cannot be recorded here, or undefined when it can. */
  unavailable(): string | undefined;
  startServer(): Promise<Server>;
  /** Runs the client (once or several times) against `port`. */
  runClient(port: number): Promise<void>;
}

/** A recording relay in front of `upstream`: every connection's bytes, in the order they were accepted. */
async function recordingRelay(upstream: number) {
  const connections: Record<Direction, Buffer[]>[] = [];
  const open = new Set<Promise<void>>();
  const relay = await Relay.start(
    { listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: upstream } },
    {
      open() {
        const chunks: Record<Direction, Buffer[]> = { c2s: [], s2c: [] };
        connections.push(chunks);
        let closed!: () => void;
        const done = new Promise<void>((resolve) => (closed = resolve));
        open.add(done);
        return {
          data: (dir, chunk) => chunks[dir].push(Buffer.from(chunk)),
          end: () => {},
          close: () => {
            open.delete(done);
            closed();
          },
        };
      },
      failed: ({ reason }) => console.error(`record: a connection was not relayed: ${reason}`),
    },
  );
  return {
    port: relay.address().port,
    /** Waits for the connections to end, then stops. */
    async finish(): Promise<RecordedConnection[]> {
      const deadline = setTimeout(() => void relay.close(), 10_000);
      await Promise.all(open);
      clearTimeout(deadline);
      await relay.close();
      return connections.map((c) => ({ c2s: Buffer.concat(c.c2s), s2c: Buffer.concat(c.s2c) }));
    },
  };
}

/** Runs a program to its end; rejects when it fails. */
async function run(command: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`);
}

/** `routeguide serve` or `routeguide interop-server` on a port of its choosing. */
async function routeguideServer(command: 'serve' | 'interop-server'): Promise<Server> {
  const server = start(process.execPath, [builtCli(), command, '--port', '0']);
  const [, port] = await waitForOutput(server, /listening on 127\.0\.0\.1:(\d+)/);
  return { port: Number(port), stop: () => server.stop() };
}

const routeguideDemo = (port: number) => run(process.execPath, [builtCli(), 'demo', '--addr', `127.0.0.1:${port}`]);

const go = () => goRouteGuideBinaries();
const ruby = () => findRubyInterop();

const PEERS: Peer[] = [
  {
    name: 'routeguide-demo',
    client: 'routeguide demo',
    server: 'routeguide serve',
    unavailable: () => undefined,
    startServer: () => routeguideServer('serve'),
    runClient: routeguideDemo,
  },
  {
    name: 'grpc-go-client',
    client: "grpc-go's route_guide client (examples/route_guide/client)",
    server: 'routeguide serve',
    unavailable: () => ('skip' in go() ? (go() as { skip: string }).skip : undefined),
    startServer: () => routeguideServer('serve'),
    runClient: async (port) => {
      const binaries = go();
      if ('skip' in binaries) throw new Error(binaries.skip);
      await run(binaries.client, ['-server_addr', `127.0.0.1:${port}`]);
    },
  },
  {
    name: 'python-grpcio',
    client: 'python grpcio (scripts/fuzz/routeguide_client.py)',
    server: 'routeguide serve',
    unavailable: () => undefined,
    startServer: () => routeguideServer('serve'),
    runClient: (port) => run('/usr/bin/python3', [PYTHON_CLIENT, `127.0.0.1:${port}`]),
  },
  {
    name: 'ruby-interop',
    client: `Ruby's interop client.rb (ruby-grpc): ${RUBY_CASES.join(', ')}`,
    server: 'routeguide interop-server',
    unavailable: () => ('skip' in ruby() ? (ruby() as { skip: string }).skip : undefined),
    startServer: () => routeguideServer('interop-server'),
    runClient: async (port) => {
      const interop = ruby();
      if ('skip' in interop) throw new Error(interop.skip);
      for (const name of RUBY_CASES)
        await run('ruby', [
          interop.clientRb,
          '--server_host=127.0.0.1',
          `--server_port=${port}`,
          `--test_case=${name}`,
        ]);
    },
  },
  {
    name: 'demo-to-grpc-go-server',
    client: 'routeguide demo',
    server: "grpc-go's route_guide server (examples/route_guide/server)",
    unavailable: () => ('skip' in go() ? (go() as { skip: string }).skip : undefined),
    startServer: async () => {
      const binaries = go();
      if ('skip' in binaries) throw new Error(binaries.skip);
      return startGoServer(binaries.server, 0, ROUTE_GUIDE_DB);
    },
    runClient: routeguideDemo,
  },
];

export const PEER_NAMES = PEERS.map((p) => p.name);

/** Records the peers named (default: all), each where it is installed; says what it wrote and skipped. */
export async function record(names = PEER_NAMES, log: (line: string) => void = console.log): Promise<void> {
  for (const peer of PEERS.filter((p) => names.includes(p.name))) {
    const why = peer.unavailable();
    if (why !== undefined) {
      log(`skipped ${peer.name} (its recording stays as it is): ${why}`);
      continue;
    }
    const server = await peer.startServer();
    try {
      const relay = await recordingRelay(server.port);
      await peer.runClient(relay.port);
      const recording: Recording = {
        name: peer.name,
        client: peer.client,
        server: peer.server,
        connections: await relay.finish(),
      };
      const bytes = recording.connections.reduce((n, c) => n + c.c2s.length + c.s2c.length, 0);
      log(`wrote ${saveRecording(recording)}: ${recording.connections.length} connection(s), ${bytes} bytes`);
    } finally {
      await server.stop();
    }
  }
}
