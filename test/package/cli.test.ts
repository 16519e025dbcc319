// The `routeguide` CLI as a user runs it: the built package (helpers/cli-build.ts, so a stale or
// concurrently rebuilt dist/ does not matter), spawned as a child process.

import { spawn } from 'node:child_process';
import http2 from 'node:http2';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Status } from '../../src/client/index.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { builtCli } from '../helpers/cli-build.js';
import { startTestServer } from '../helpers/test-server.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { finished, untracked } from '../helpers/processes.js';

t.setTimeout(240_000); // the first build of the package takes a while on a busy machine
const CLI = builtCli();

const routeguide = (...args: string[]) =>
  finished(spawn(...untracked(process.execPath, [CLI, ...args]), { stdio: ['ignore', 'pipe', 'pipe'] }));

const CHAT_LINES = CANONICAL_CHAT_LINES;

async function ourServer(t: Test): Promise<string> {
  const server = await startTestServer();
  t.teardown(server.close);
  return `127.0.0.1:${server.port}`;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

t.test('routeguide chat: the nine canonical lines', async (t) => {
  const run = await routeguide('chat', '--addr', await ourServer(t));
  t.equal(run.code, 0, 'exit code 0', { stderr: run.stderr });
  t.same(lines(run.stdout), CHAT_LINES);
});

t.test('routeguide demo: all four RPCs in the canonical order', async (t) => {
  const run = await routeguide('demo', '--addr', await ourServer(t), '--deadline', '10s');
  t.equal(run.code, 0, 'exit code 0', { stderr: run.stderr });
  const out = lines(run.stdout);
  t.same(out.slice(0, 4), [
    'Getting feature for point (409146138, -746188906)',
    'Feature: name: "Berkshire Valley Management Area Trail, Jefferson, NJ, USA", point:(409146138, -746188906)',
    'Getting feature for point (0, 0)',
    'Feature: name: "", point:(0, 0)',
  ]);
  t.equal(out.filter((l) => l.startsWith('Feature: ')).length, 2 + 100, 'GetFeature ×2, then the 100 listed features');
  const traversing = out.find((l) => l.startsWith('Traversing '));
  const points = Number(/^Traversing (\d+) points\.$/.exec(traversing ?? '')?.[1]);
  t.ok(points >= 2 && points <= 101, `a random route of 2..101 points (${traversing})`);
  t.match(
    out.find((l) => l.startsWith('Route summary: ')),
    new RegExp(`^Route summary: point_count:${points} feature_count:\\d+ distance:\\d+ elapsed_time:0$`),
  );
  t.same(out.slice(-9), CHAT_LINES, 'RouteChat last');
});

t.test('routeguide get against a dead port: "code UNAVAILABLE: ..." and a non-zero exit', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const run = await routeguide('get', '--addr', `127.0.0.1:${port}`);
  t.not(run.code, 0, 'non-zero exit');
  t.match(run.stderr, new RegExp(`^code UNAVAILABLE: .*127\\.0\\.0\\.1:${port}`, 'm'));
});

t.test('routeguide get --deadline 200ms against a server that never answers: DEADLINE_EXCEEDED', async (t) => {
  const silent = http2.createServer();
  silent.on('stream', (stream) => stream.on('error', () => {}));
  silent.on('session', (s) => t.teardown(() => s.destroy()));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => silent.close(() => resolve())));
  const run = await routeguide(
    'get',
    '--addr',
    `127.0.0.1:${(silent.address() as { port: number }).port}`,
    '--deadline',
    '200ms',
  );
  t.equal(run.code, 1);
  t.match(run.stderr, /^code DEADLINE_EXCEEDED: /m);
});

t.test('routeguide serve: logs its address, serves, exits 0 on SIGTERM', async (t) => {
  const child = spawn(...untracked(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0']), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const done = finished(child);
  t.teardown(() => child.kill('SIGKILL'));
  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
      const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(seen);
      if (m) resolve(Number(m[1]));
    });
    child.on('close', () => reject(new Error(`serve exited before listening: ${seen}`)));
  });
  t.ok(port > 0, `listening on 127.0.0.1:${port}`);
  const client = routeGuideClient(`127.0.0.1:${port}`);
  const feature = await client.getFeature({ latitude: 409146138, longitude: -746188906 }, { timeoutMs: 5000 });
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', 'it serves RouteGuide');
  child.kill('SIGTERM');
  const run = await done;
  t.equal(run.code, 0, 'exit code 0 after SIGTERM', { stderr: run.stderr });
  t.equal(run.signal, null, 'exited by itself, not killed by the signal');
  t.match(run.stdout, /^SIGTERM: shutting down/m);
  const after = await client.getFeature({ latitude: 1, longitude: 1 }, { timeoutMs: 2000 }).catch((e) => e);
  t.equal(after.code, Status.UNAVAILABLE, 'nothing listens any more');
});

// Every command refuses what it does not know, in one line plus its usage, with exit status 2.
const COMMAND_NAMES = ['serve', 'get', 'list', 'record', 'chat', 'demo', 'interop-server', 'interop-client'];

t.test(
  'every command: an unknown option, a missing value, a stray argument → one line, its usage, exit 2',
  async (t) => {
    const runs = await Promise.all(
      COMMAND_NAMES.flatMap((name) => [
        routeguide(name, '--bogus').then((run) => ({
          name,
          what: 'unknown option',
          run,
          want: /unknown option --bogus/,
        })),
        routeguide(name, '--help', 'extra').then((run) => ({
          name,
          what: 'stray argument',
          run,
          want: /Unexpected argument 'extra'/,
        })),
      ]),
    );
    for (const { name, what, run, want } of runs) {
      t.equal(run.code, 2, `${name}: ${what} exits 2`);
      const [first, second] = run.stderr.split('\n');
      t.match(first, new RegExp(`^routeguide ${name}: `), `${name}: ${what}: one line naming the command`);
      t.match(first, want);
      t.match(second, new RegExp(`^usage: routeguide ${name}`), `${name}: then its usage`);
      t.equal(run.stdout, '', `${name}: nothing on stdout`);
    }
  },
);

t.test('missing values and bad values are usage errors too', async (t) => {
  const cases: [string[], RegExp][] = [
    [['get', '--addr'], /^routeguide get: --addr needs a value$/m],
    [['get', '--adr', '10.0.0.1:50051'], /^routeguide get: unknown option --adr$/m],
    [['serve', '--port', '50051', '--bogus'], /^routeguide serve: unknown option --bogus$/m],
    [['serve', '--port', '70000'], /^routeguide serve: --port must be a port number \(0\.\.65535\), got "70000"$/m],
    [['serve', '--port', '-1'], /^routeguide serve: --port needs a value$/m],
    [['serve', '--grace', 'soon'], /^routeguide serve: --grace must be a duration/m],
    [['serve', '--tls-cert', 'x.pem'], /^routeguide serve: --tls-cert and --tls-key go together$/m],
    [['chat', '--deadline', '10'], /^routeguide chat: --deadline must be a duration/m],
    [['chat', '--tls=yes'], /^routeguide chat: Option '--tls' does not take an argument$/m],
    [['interop-server', '--port', '1', '--use_tls=maybe'], /--use_tls must be true or false/],
    [['no-such-command'], /^routeguide: unknown command "no-such-command"$/m],
  ];
  const runs = await Promise.all(cases.map(([args]) => routeguide(...args)));
  cases.forEach(([args, want], i) => {
    t.equal(runs[i].code, 2, `${args.join(' ')}: exit 2`);
    t.match(runs[i].stderr, want, args.join(' '));
  });
});

t.test('--help: every command prints its usage and options, exit 0', async (t) => {
  const runs = await Promise.all(COMMAND_NAMES.map((name) => routeguide(name, '--help')));
  COMMAND_NAMES.forEach((name, i) => {
    const run = runs[i];
    t.equal(run.code, 0, `${name} --help exits 0`);
    t.match(run.stdout, new RegExp(`^usage: routeguide ${name}`), `${name}: usage first`);
    t.match(run.stdout, /^ {2}-h, --help +show this help$/m, `${name}: lists its options`);
  });
  const top = await routeguide('--help');
  t.equal(top.code, 0);
  for (const name of COMMAND_NAMES)
    t.match(top.stdout, new RegExp(`^  ${name} `, 'm'), `routeguide --help lists ${name}`);
});

t.test('the help and a usage mistake load neither node:http2 nor protobufjs; a command that runs does', async (t) => {
  // A preloaded script reports, as the process exits, what it loaded (fixtures/loaded-at-exit.cjs).
  const probe = fileURLToPath(new URL('fixtures/loaded-at-exit.cjs', import.meta.url));
  const loaded = async (...args: string[]) => {
    const run = await finished(
      spawn(...untracked(process.execPath, ['--require', probe, CLI, ...args]), { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    return /^loaded: (.*)$/m.exec(run.stderr)?.[1];
  };
  const light = [
    ['--help'],
    ...[...COMMAND_NAMES, 'tap'].map((name) => [name, '--help']),
    ['serve', '--port', '70000'],
  ];
  const runs = await Promise.all(light.map((args) => loaded(...args)));
  light.forEach((args, i) => t.equal(runs[i], 'node:http2 false, protobufjs false', args.join(' ')));
  const dead = await loaded('get', '--addr', '127.0.0.1:1', '--deadline', '1s');
  t.equal(dead, 'node:http2 true, protobufjs true', 'get, which calls');
});
