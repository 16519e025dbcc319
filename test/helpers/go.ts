// Helpers for the Go interop suite: build and run the Debian-packaged grpc-go
// route_guide example (golang-google-grpc-dev 1.33, built by
// test/go/build-routeguide.sh in GOPATH mode).
//
// Go client flags (client/client.go):
//   -server_addr host:port        default "localhost:10000" (there is no -addr)
//   -tls                          use TLS (default plain TCP)
//   -ca_file path                 CA cert for -tls
//   -server_host_override name    TLS server name, default "x.test.youtube.com"
// It dials with grpc.WithBlock() and NO deadline, so against a dead or
// non-gRPC endpoint it hangs forever: always use runGoClient's timeout. Each
// RPC then has a 10 s deadline. It calls, in order: GetFeature(409146138,
// -746188906), GetFeature(0,0), ListFeatures(lo 40,-75 hi 42,-73),
// RecordRoute(2..101 random whole-degree points), RouteChat(6 notes). All
// output goes to stderr via Go's log package ("YYYY/MM/DD HH:MM:SS " prefix).
// Comparing output: lines that print a proto with %v (GetFeature result,
// "Looking for features within", "Route summary") use Go's text format, which
// randomly inserts a double space depending on the binary's hash, so compare
// with whitespace collapsed. RecordRoute is random: only check
// point_count == the "Traversing N points." count (distance can't be checked;
// feature_count/elapsed_time are 0 and omitted). RouteChat replies are
// deterministic only on a FRESH server: it keeps notes across connections.
//
// Go server flags (server/server.go):
//   -port N              default 10000; listens on "localhost:N". Go binds the
//                        first IPv4 address of localhost, i.e. 127.0.0.1 on a
//                        stock /etc/hosts (it would be ::1 only if localhost
//                        had no IPv4 address). Port 0 is useless: the server
//                        never prints the port it got.
//   -json_db_file path   feature DB (testdata/route_guide_db.json); without
//                        it the server uses a built-in copy of the same data.
//   -tls, -cert_file, -key_file
// TLS gotcha: upstream's default cert paths (examples/data/x509/...) are not
// packaged by Debian, so with -tls pass the files explicitly, e.g.
// /usr/share/gocode/src/google.golang.org/grpc/testdata/{server1.pem,server1.key}
// for the server and .../testdata/ca.pem for the client (server1.pem has SAN
// *.test.youtube.com, matching the client's default -server_host_override).
import { execFileSync, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { underLock } from './build-once.js';
import { killOnExit } from './processes.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** Where every Go peer is built, with the Go build cache they share. */
const outDir = join(repoRoot, 'node_modules', '.cache', 'routeguide-go');

export const ROUTE_GUIDE_DB = '/usr/share/doc/golang-google-grpc-dev/examples/route_guide/testdata/route_guide_db.json';

/**
 * Builds (or finds up to date) a Go peer with its build script under test/go/ (`script`, relative to
 * the repository), which writes `binaries` into the shared output directory and exits 2 when Go or
 * the Debian sources are missing. One build at a time across the test files running at once, so that
 * the peer and the standard library are compiled once per run and the others reuse them. Returns the
 * binaries' paths, or {skip} when prerequisites are missing and not in CI; CI=true throws instead, and
 * a real build failure always throws.
 */
export function goPeer<const Names extends readonly string[]>(
  script: string,
  binaries: Names,
): { [K in keyof Names]: string } | { skip: string } {
  try {
    underLock('go-build', () =>
      execFileSync('bash', [join(repoRoot, script), outDir], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 300_000,
        encoding: 'utf8',
      }),
    );
    return binaries.map((name) => join(outDir, name)) as { [K in keyof Names]: string };
  } catch (err) {
    const e = err as { status?: number | null; code?: string; stderr?: string };
    const reason = `Go peer ${script} unavailable: ${e.stderr?.trim() || (e as Error).message}`;
    const missing = e.status === 2 || e.code === 'ENOENT';
    if (!missing || process.env.CI === 'true') throw new Error(reason, { cause: err });
    return { skip: reason };
  }
}

type Binaries = { client: string; server: string };
let cached: Binaries | { skip: string } | undefined;

/** The route_guide example's client and server (test/go/build-routeguide.sh), or why not (see goPeer). */
export function goRouteGuideBinaries(): Binaries | { skip: string } {
  if (cached) return cached;
  const built = goPeer('test/go/build-routeguide.sh', ['routeguide-client', 'routeguide-server']);
  cached = 'skip' in built ? built : { client: built[0], server: built[1] };
  return cached;
}

export interface GoClientResult {
  code: number | null; // null when killed (timeout)
  stdout: string;
  stderr: string; // the client logs everything here
  timedOut: boolean;
}

/** Run the Go client; SIGKILL it after timeoutMs (it may wait forever to dial). */
export function runGoClient(bin: string, args: string[], timeoutMs: number): Promise<GoClientResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // 'close' (not 'exit') so that all output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** A free TCP port on 127.0.0.1 (tiny race until the server binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/**
 * Start the Go server on 127.0.0.1:port (port 0 = pick a free one) and wait
 * until it accepts TCP connections (10 s max). Call stop() in t.teardown.
 */
export async function startGoServer(
  bin: string,
  port: number,
  dbPath: string,
): Promise<{ port: number; stop(): Promise<void> }> {
  if (port === 0) port = await freePort();
  const child = spawn(bin, ['-port', String(port), '-json_db_file', dbPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exited = false;
  let spawnError: Error | undefined;
  const exit = new Promise<void>((resolve) => {
    const done = () => {
      exited = true;
      resolve();
    };
    child.once('close', done); // after stderr is fully read
    child.once('error', (err) => {
      spawnError ??= err; // e.g. ENOENT: no 'exit' event follows
      done();
    });
  });
  killOnExit(child); // never an orphaned Go server left behind if the test process dies

  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM'); // Go exits immediately on SIGTERM
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exit;
    clearTimeout(t);
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (spawnError) {
      await stop();
      throw spawnError;
    }
    if (exited) {
      await stop();
      throw new Error(`Go server exited early (port ${port}): ${stderr.trim()}`);
    }
    if (await canConnect('127.0.0.1', port)) {
      // If the port was already taken by someone else, we just connected to
      // *them*; our server dies with "address already in use". Give it a beat.
      await sleep(100);
      if (!exited) return { port, stop };
      continue;
    }
    if (Date.now() > deadline) {
      const v6 = await canConnect('::1', port);
      await stop();
      throw new Error(
        v6
          ? `Go server bound only [::1]:${port} ("localhost" has no IPv4 address here)`
          : `Go server not accepting on 127.0.0.1:${port} after 10 s: ${stderr.trim()}`,
      );
    }
    await sleep(50);
  }
}
