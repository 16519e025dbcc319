// The clients of docs/faults.md, each as it is installed here: ours and @grpc/grpc-js in this process,
// python grpcio in one process of its own for every case (python-client.py), grpc-go's route_guide
// example client and the Ruby interop client (client.rb) once per case. Each says how it calls, and
// what it saw: a status code by its name, the message, the response messages, the time.

import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { statusName } from '../../src/protocol/status.js';
import { routeGuideClient, routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { goRouteGuideBinaries } from '../../test/helpers/go.js';
import { collect, grpc, grpcJsRouteGuideClient } from '../../test/helpers/grpc-js.js';
import { findRubyInterop } from '../../test/helpers/ruby.js';
import type { CallKind, FaultCase } from './cases.js';

export type ClientId = 'ours' | 'grpc-go' | 'python' | 'ruby' | 'grpc-js';

/** What a client made of one call. `code` is a gRPC status by name (OK, INTERNAL…), or what went wrong outside gRPC. */
export interface CallOutcome {
  code: string;
  message: string;
  /** Response messages received (undefined: a client whose own procedure does not say). */
  messages: number | undefined;
  ms: number;
}

/** What a client did: each call's outcome, and how many calls it made to the fault's method. */
export interface ClientRun {
  calls: CallOutcome[];
  made: number;
}

export interface Client {
  id: ClientId;
  title: string;
  version: string;
  /** Why it cannot run on this machine (its cells say so), or undefined. */
  unavailable: string | undefined;
  /** The method a call of `kind` goes to: the fault is filtered on it. */
  method(kind: CallKind): string;
  /** What it calls, in words, for the page. */
  procedure(kind: CallKind, calls: number): string;
  /** The calls of `kase` through the tap at `port`. */
  run(port: number, kase: FaultCase): Promise<ClientRun>;
  close(): void;
}

const POINT = { latitude: 409146138, longitude: -746188906 };
const RECTANGLE = {
  lo: { latitude: 400000000, longitude: -750000000 },
  hi: { latitude: 420000000, longitude: -730000000 },
};
const ROUTE = Array.from({ length: 5 }, (_, i) => ({ latitude: 407838351 + i, longitude: -746143763 }));
/**
 * Three notes at one place no earlier call used (the server keeps every note: RouteChat answers each
 * with those before it at its place): three replies, 0 + 1 + 2, on every run.
 */
let places = 0;
function notes(): { location: { latitude: number; longitude: number }; message: string }[] {
  const location = { latitude: 1, longitude: ++places };
  return ['First', 'Second', 'Third'].map((m) => ({ location, message: `${m} message` }));
}
const ROUTE_GUIDE_METHODS: Record<CallKind, string> = {
  unary: '/routeguide.RouteGuide/GetFeature',
  server: '/routeguide.RouteGuide/ListFeatures',
  client: '/routeguide.RouteGuide/RecordRoute',
  bidi: '/routeguide.RouteGuide/RouteChat',
};
const OUR_PROCEDURE: Record<CallKind, string> = {
  unary: 'GetFeature',
  server: "ListFeatures (the rectangle of grpc-go's example)",
  client: 'RecordRoute of 5 points',
  bidi: 'RouteChat of 3 notes',
};
const times = (calls: number) => (calls === 1 ? '' : `, ${calls} times 200 ms apart on one channel`);
/** A client process that does not answer in this long is killed, and its cell says so. */
const PROCESS_TIMEOUT_MS = 20_000;

const since = (start: number) => Math.round(performance.now() - start);

/** Our client (src/client/). */
function ours(): Client {
  return {
    id: 'ours',
    title: 'routeguide-h2 (this project)',
    version: packageVersion('../../package.json'),
    unavailable: undefined,
    method: (kind) => ROUTE_GUIDE_METHODS[kind],
    procedure: (kind, calls) => OUR_PROCEDURE[kind] + times(calls),
    async run(port, kase) {
      const channel = new Channel(`127.0.0.1:${port}`);
      const client = routeGuideClient(channel);
      const out: CallOutcome[] = [];
      for (let i = 0; i < kase.calls; i++) {
        if (i > 0) await pause();
        const start = performance.now();
        let messages = 0;
        const options = { timeoutMs: kase.deadlineMs };
        try {
          if (kase.kind === 'unary') messages += (await client.getFeature(POINT, options)) ? 1 : 0;
          else if (kase.kind === 'server') for await (const _ of client.listFeatures(RECTANGLE, options)) messages++;
          else if (kase.kind === 'client') {
            const call = client.recordRoute(options);
            for (const point of ROUTE) await call.send(point);
            await call.closeAndRecv();
            messages++;
          } else {
            const call = client.routeChat(options);
            for (const note of notes()) await call.send(note);
            call.closeSend();
            for await (const _ of call) messages++;
          }
          out.push({ code: 'OK', message: '', messages, ms: since(start) });
        } catch (error) {
          const e = error as GrpcError;
          out.push({
            code: e.codeName ?? statusName(e.code),
            message: e.details ?? String(error),
            messages,
            ms: since(start),
          });
        }
      }
      channel.close();
      return { calls: out, made: out.length };
    },
    close() {},
  };
}

/** @grpc/grpc-js, the devDependency. */
function grpcJs(): Client {
  return {
    id: 'grpc-js',
    title: '@grpc/grpc-js',
    version: packageVersion('@grpc/grpc-js/package.json'),
    unavailable: undefined,
    method: (kind) => ROUTE_GUIDE_METHODS[kind],
    procedure: (kind, calls) => OUR_PROCEDURE[kind] + times(calls),
    async run(port, kase) {
      const client = grpcJsRouteGuideClient(port) as GrpcJsRouteGuide;
      const out: CallOutcome[] = [];
      for (let i = 0; i < kase.calls; i++) {
        if (i > 0) await pause();
        const start = performance.now();
        const deadline = new Date(Date.now() + kase.deadlineMs);
        let messages = 0;
        try {
          if (kase.kind === 'unary') {
            await new Promise((resolve, reject) =>
              client.getFeature(
                POINT,
                new grpc.Metadata(),
                { deadline },
                (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)),
              ),
            );
            messages = 1;
          } else if (kase.kind === 'server') {
            const call = client.listFeatures(RECTANGLE, new grpc.Metadata(), { deadline });
            call.on('data', () => messages++);
            await collect(call);
          } else if (kase.kind === 'client') {
            await new Promise((resolve, reject) => {
              const call = client.recordRoute(
                new grpc.Metadata(),
                { deadline },
                (err: grpc.ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)),
              );
              for (const point of ROUTE) call.write(point);
              call.end();
            });
            messages = 1;
          } else {
            const call = client.routeChat(new grpc.Metadata(), { deadline });
            call.on('data', () => messages++);
            for (const note of notes()) call.write(note);
            call.end();
            await collect(call);
          }
          out.push({ code: 'OK', message: '', messages, ms: since(start) });
        } catch (error) {
          const e = error as grpc.ServiceError;
          out.push({ code: statusName(e.code), message: e.details ?? e.message, messages, ms: since(start) });
        }
      }
      client.close();
      return { calls: out, made: out.length };
    },
    close() {},
  };
}

/** python grpcio (C-core), Debian's python3-grpcio under /usr/bin/python3, one process for every case. */
function python(): Client {
  const PYTHON = '/usr/bin/python3';
  let version: string | undefined;
  let unavailable: string | undefined;
  try {
    version = execFileSync(PYTHON, ['-c', 'import grpc; print(grpc.__version__)'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).trim();
  } catch (error) {
    unavailable = `python grpcio is not installed (${PYTHON} -c "import grpc": ${(error as Error).message.split('\n')[0]})`;
    if (process.env.CI === 'true') throw new Error(`${unavailable}: under CI=true every client must run`);
  }
  let child: ChildProcessWithoutNullStreams | undefined;
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  const start = () => {
    child = spawn(PYTHON, [fileURLToPath(new URL('python-client.py', import.meta.url))]);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        waiting.shift()?.(line);
      }
    });
    child.stderr.resume();
    return new Promise<string>((resolve) => waiting.push(resolve)); // its version line
  };
  const serialize = (value: unknown, method: 'GetFeature' | 'ListFeatures' | 'RecordRoute' | 'RouteChat') =>
    Buffer.from(
      routeGuideDefinition()
        .methods.find((m) => m.name === method)!
        .request.serialize(value),
    ).toString('hex');
  return {
    id: 'python',
    title: 'python grpcio',
    version: version ?? '',
    unavailable,
    method: (kind) => ROUTE_GUIDE_METHODS[kind],
    procedure: (kind, calls) => OUR_PROCEDURE[kind] + times(calls),
    async run(port, kase) {
      if (!child) await start();
      const requests =
        kase.kind === 'unary'
          ? [serialize(POINT, 'GetFeature')]
          : kase.kind === 'server'
            ? [serialize(RECTANGLE, 'ListFeatures')]
            : kase.kind === 'client'
              ? ROUTE.map((p) => serialize(p, 'RecordRoute'))
              : notes().map((n) => serialize(n, 'RouteChat'));
      const command = {
        target: `127.0.0.1:${port}`,
        kind: kase.kind,
        deadline: kase.deadlineMs / 1000,
        calls: kase.calls,
        pause: 0.2,
        requests,
      };
      const answer = new Promise<string>((resolve) => waiting.push(resolve));
      child!.stdin.write(`${JSON.stringify(command)}\n`);
      const { calls } = JSON.parse(await answer) as { calls: CallOutcome[] };
      return { calls: calls.map((c) => ({ ...c, ms: Math.round(c.ms) })), made: calls.length };
    },
    close() {
      child?.stdin.end();
    },
  };
}

/** grpc-go's route_guide example client (test/helpers/go.ts): its own fixed procedure. */
function grpcGo(): Client {
  const bins = goRouteGuideBinaries();
  let version = '';
  try {
    version = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'golang-google-grpc-dev'], { encoding: 'utf8' });
  } catch {
    // not a Debian package here: the version stays unknown
  }
  return {
    id: 'grpc-go',
    title: "grpc-go's route_guide client",
    version,
    unavailable: 'skip' in bins ? bins.skip : undefined,
    method: (kind) => ROUTE_GUIDE_METHODS[kind],
    procedure: () =>
      'its own run: GetFeature twice, ListFeatures, RecordRoute, RouteChat, each with a 10 s deadline; it stops at the first error',
    async run(port, kase) {
      if ('skip' in bins) return { calls: [], made: 0 };
      const start = performance.now();
      const { code, output } = await run(bins.client, ['-server_addr', `127.0.0.1:${port}`]);
      const ms = since(start);
      // The calls it made of the fault's method, from what it logs as it starts (or ends) each.
      const started = {
        unary: /Getting feature for point/g,
        server: /Looking for features within/g,
        client: /Traversing \d+ points/g,
        bidi: /Route summary/g,
      }[kase.kind];
      const made = Math.max(1, (output.match(started) ?? []).length);
      const error = /rpc error: code = (\w+) desc = (.*?)(: )?$/m.exec(output);
      const outcome: CallOutcome =
        code === 0
          ? { code: 'OK', message: '', messages: undefined, ms }
          : code === null
            ? { code: 'no answer', message: `killed after ${PROCESS_TIMEOUT_MS / 1000} s`, messages: undefined, ms }
            : {
                code: error ? goCodeName(error[1]) : 'failed',
                message: error?.[2] ?? lastLine(output),
                messages: undefined,
                ms,
              };
      return { calls: [outcome], made };
    },
    close() {},
  };
}

/** The Ruby interop client (Debian ruby-grpc's client.rb), on TestService: one case per call kind. */
function ruby(): Client {
  const found = findRubyInterop();
  let version = '';
  if (!('skip' in found)) {
    version = execFileSync('ruby', ['-e', 'require "grpc"; print GRPC::VERSION'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
  }
  const CASE: Record<CallKind, string> = {
    unary: 'large_unary',
    server: 'server_streaming',
    client: 'client_streaming',
    bidi: 'ping_pong',
  };
  const METHOD: Record<CallKind, string> = {
    unary: '/grpc.testing.TestService/UnaryCall',
    server: '/grpc.testing.TestService/StreamingOutputCall',
    client: '/grpc.testing.TestService/StreamingInputCall',
    bidi: '/grpc.testing.TestService/FullDuplexCall',
  };
  return {
    id: 'ruby',
    title: 'Ruby interop client (client.rb)',
    version,
    unavailable: 'skip' in found ? found.skip : undefined,
    method: (kind) => METHOD[kind],
    procedure: (kind) => `its interop case ${CASE[kind]}, on TestService`,
    async run(port, kase) {
      if ('skip' in found) return { calls: [], made: 0 };
      const start = performance.now();
      const name = CASE[kase.kind];
      const { code, output } = await run('ruby', [
        found.clientRb,
        '--server_host=127.0.0.1',
        `--server_port=${port}`,
        `--test_case=${name}`,
      ]);
      const ms = since(start);
      const status = /check_status': (\d+):(.*?)\. debug_error_string/.exec(output);
      const outcome: CallOutcome =
        code === 0 && output.includes(`OK: ${name}`)
          ? { code: 'OK', message: '', messages: undefined, ms }
          : code === null
            ? { code: 'no answer', message: `killed after ${PROCESS_TIMEOUT_MS / 1000} s`, messages: undefined, ms }
            : status
              ? { code: statusName(Number(status[1])), message: status[2], messages: undefined, ms }
              : { code: 'failed', message: lastLine(output), messages: undefined, ms };
      // Each of its cases makes one call.
      return { calls: [outcome], made: 1 };
    },
    close() {},
  };
}

/** Every client, in the order of the table's columns. */
export function clients(): Client[] {
  return [ours(), grpcGo(), python(), ruby(), grpcJs()];
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: PROCESS_TIMEOUT_MS, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: number | string; killed?: boolean }) | null;
      resolve({
        code: e?.killed ? null : typeof e?.code === 'number' ? e.code : e ? 1 : 0,
        output: `${stdout}${stderr}`,
      });
    });
  });
}

/** grpc-go's codes.Code names ("Internal", "DeadlineExceeded") as the status names of doc/statuscodes.md. */
function goCodeName(name: string): string {
  if (name === 'Canceled') return 'CANCELLED';
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function lastLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('from '));
  return lines.at(-1) ?? '';
}

function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200));
}

function packageVersion(specifier: string): string {
  const require = createRequire(import.meta.url);
  return (require(specifier) as { version: string }).version;
}

type Callback = (err: grpc.ServiceError | null, res: unknown) => void;

/** The grpc-js client made from route_guide.proto at run time, as far as the table calls it. */
interface GrpcJsRouteGuide {
  getFeature(request: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): void;
  listFeatures(
    request: unknown,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
  ): grpc.ClientReadableStream<unknown>;
  recordRoute(
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: Callback,
  ): grpc.ClientWritableStream<unknown>;
  routeChat(metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<unknown, unknown>;
  close(): void;
}
