// `routeguide serve` from the compiled CLI, as a user runs it: the note-store and --workers flags
// (usage errors, the refusal of unshared memory notes), and node:cluster workers — sharing one port,
// replaced when they die, drained on SIGTERM with the primary exiting after them.

import { availableParallelism } from 'node:os';
import t, { type Test } from 'tap';
import { Channel, GrpcError, Status } from '../../src/client/index.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { chatLine, chatLines } from '../helpers/chat.js';
import { builtCli } from '../helpers/cli-build.js';
import { canConnect, start, type Started, untracked, waitForOutput } from '../helpers/processes.js';
import { redisFor, redisSkipReason } from '../helpers/redis.js';

t.setTimeout(240_000); // the first build of the CLI takes a while on a busy machine
const CLI = builtCli();
const redisSkip = redisSkipReason() ?? false;

/** `routeguide ARGS` run to completion. */
async function routeguide(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = start(...untracked(process.execPath, [CLI, ...args]));
  const { code } = await run.exited;
  return { code, output: run.output() };
}

interface Serving {
  process: Started;
  port: number;
  /** The workers' pids as the primary announced them. */
  pids: number[];
}

/** `routeguide serve --port 0 ARGS`, once it says where it listens; stopped at teardown. */
async function serve(t: Test, ...args: string[]): Promise<Serving> {
  const process_ = start(...untracked(process.execPath, [CLI, 'serve', '--port', '0', ...args]));
  t.teardown(() => process_.stop('SIGKILL'));
  const listening = await waitForOutput(
    process_,
    /^listening on 127\.0\.0\.1:(\d+)(?: with \d+ workers \(pids ([\d, ]+)\))?$/m,
  );
  const pids = (listening[2] ?? '').split(', ').filter(Boolean).map(Number);
  return { process: process_, port: Number(listening[1]), pids };
}

/** One RouteChat with one note at (7, 7) on a connection of its own; the number of notes it got back before its own. */
async function earlierAt77(port: number, message: string): Promise<number> {
  const channel = new Channel(`127.0.0.1:${port}`);
  try {
    const replies = await chatLines(routeGuideClient(channel), [{ location: { latitude: 7, longitude: 7 }, message }]);
    return replies.length - 1;
  } finally {
    channel.close();
  }
}

t.test('usage errors: one line naming the flag, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--workers', '0'], /--workers must be a number of processes \(1\.\.1024\) or auto, got "0"/],
    [['--workers', 'many'], /--workers must be a number of processes \(1\.\.1024\) or auto, got "many"/],
    [['--store', 'mysql://db'], /--store must be memory or redis:\/\/HOST\[:PORT\]\[\/DB\], got "mysql:\/\/db"/],
    [['--store', 'redis://'], /--store must be memory or redis:\/\/HOST/],
    [['--store', 'redis://h:6379/zero'], /--store must be memory or redis:\/\/HOST/],
    [['--store', 'redis://h:6379/0?x=1'], /--store must be memory or redis:\/\/HOST/],
    [['--store', 'redis://127.0.0.1:1', '--unshared'], /--unshared goes with --store memory/],
    [['--key-prefix', 'x:'], /--key-prefix goes with --store redis:\/\//],
    [['--max-notes', '0'], /--max-notes must be a positive integer, got "0"/],
    [['--max-notes', '300000000'], /--max-notes must be at most 268435456/],
    [['--max-note-bytes', '12XB'], /--max-note-bytes must be a size like 65536, 64KiB or 512MiB, got "12XB"/],
    [['--max-notes-per-location=-1'], /--max-notes-per-location must be a positive integer, got "-1"/],
    [['--unshared=yes'], /--unshared/],
  ];
  // Side by side: each is a process of its own that exits at once.
  const runs = await Promise.all(cases.map(([args]) => routeguide('serve', '--port', '0', ...args)));
  for (const [i, [args, message]] of cases.entries()) {
    const run = runs[i];
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`, { output: run.output });
    t.match(run.output, message, `${args.join(' ')}: says why`);
    t.match(run.output, /^usage: routeguide serve/m, `${args.join(' ')}: then the usage`);
  }
});

t.test('--workers N > 1 with the memory store is refused, naming --store redis://', async (t) => {
  for (const args of [
    ['--workers', '2'],
    ['--workers', '3', '--store', 'memory'],
  ]) {
    const run = await routeguide('serve', '--port', '0', ...args);
    t.equal(run.code, 2, `${args.join(' ')}: exit 2`);
    t.match(run.output, /RouteChat notes would not be shared/);
    t.match(run.output, /--store redis:\/\/HOST:PORT to share them, or --store memory --unshared/);
  }
});

t.test('serve --help lists the new options', async (t) => {
  const run = await routeguide('serve', '--help');
  t.equal(run.code, 0);
  for (const flag of [
    '--workers N|auto',
    '--store memory|redis://',
    '--unshared',
    '--key-prefix PREFIX',
    '--max-notes N',
    '--max-note-bytes SIZE',
    '--max-notes-per-location M',
  ])
    t.match(run.output, flag);
});

t.test('one process: says its note store and bounds', async (t) => {
  const server = await serve(t, '--max-notes', '5000', '--max-note-bytes', '1MiB');
  // Said on the line after the address, which may come in a later read.
  await waitForOutput(
    server.process,
    /^note store: memory \(--max-notes 5000 --max-note-bytes 1048576 --max-notes-per-location 1000\)$/m,
  );
  t.same(await earlierAt77(server.port, 'a'), 0);
  t.same(await earlierAt77(server.port, 'b'), 1, 'one store: the second call sees the first note');
});

t.test('--workers 2 --store memory --unshared: two workers on one port, each with its own notes', async (t) => {
  const server = await serve(t, '--workers', '2', '--store', 'memory', '--unshared');
  t.equal(server.pids.length, 2, 'two worker pids announced');
  await waitForOutput(server.process, /^note store: memory, one per worker \(/m);
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) counts.push(await earlierAt77(server.port, `n${i}`));
  // Connections go to the workers in turn: each worker sees only the notes sent through it.
  t.same(counts, [0, 0, 1, 1], 'two stores, not one');
});

t.test('--workers auto: one worker per CPU', async (t) => {
  const server = await serve(t, '--workers', 'auto', '--store', 'memory', '--unshared');
  t.equal(server.pids.length, availableParallelism());
  t.match(server.process.output(), new RegExp(`with ${availableParallelism()} workers`));
});

t.test('--workers 2 on Redis: the workers share the notes', { skip: redisSkip }, async (t) => {
  const redis = await redisFor(t);
  const server = await serve(t, '--workers', '2', '--store', redis.url, '--key-prefix', 'workers-test:');
  await waitForOutput(
    server.process,
    new RegExp(`^note store: redis://127\\.0\\.0\\.1:${redis.port}/0, shared \\(`, 'm'),
  );
  const counts: number[] = [];
  for (let i = 0; i < 4; i++) counts.push(await earlierAt77(server.port, `n${i}`));
  t.same(counts, [0, 1, 2, 3], 'every call sees every earlier note, whichever worker served it');
});

t.test('a worker that dies is replaced, and serving goes on', async (t) => {
  const server = await serve(t, '--workers', '2', '--unshared');
  const [victim, survivor] = server.pids;
  process.kill(victim, 'SIGKILL');
  const replaced = await waitForOutput(
    server.process,
    new RegExp(`^worker ${victim} died \\(signal SIGKILL\\); started worker (\\d+) in its place$`, 'm'),
  );
  const replacement = Number(replaced[1]);
  await waitForOutput(server.process, new RegExp(`^worker ${replacement} listening$`, 'm'));
  t.not(replacement, survivor);
  for (let i = 0; i < 4; i++) t.ok((await earlierAt77(server.port, `n${i}`)) >= 0, `call ${i} served`);
});

t.test('a worker that cannot start stops the primary: exit 1, no endless restarts', async (t) => {
  const run = await routeguide('serve', '--port', '0', '--workers', '2', '--unshared', '--db', '/nonexistent/db.json');
  t.equal(run.code, 1, 'exit 1');
  t.match(run.output, /worker \d+ exited \(exit code 1\) before it was listening: stopping/);
  t.notMatch(run.output, /in its place/, 'not replaced');
});

t.test(
  'SIGTERM: workers drain (calls finish within the grace period, later ones are ended), then the primary exits 0',
  async (t) => {
    const server = await serve(t, '--workers', '2', '--unshared', '--grace', '2s');
    const channel = new Channel(`127.0.0.1:${server.port}`);
    t.teardown(() => channel.close());
    const client = routeGuideClient(channel);
    const note = (message: string) => ({ location: { latitude: 1, longitude: 1 }, message });

    // Two calls open on one connection (one worker): `finishing` ends during the grace period,
    // `lingering` never ends by itself.
    const finishing = client.routeChat({ deadline: Date.now() + 20_000 });
    const lingering = client.routeChat({ deadline: Date.now() + 20_000 });
    const got: string[] = [];
    const finishingDone = (async () => {
      for await (const n of finishing) got.push(chatLine(n));
    })();
    const lingeringDone = (async () => {
      for await (const _ of lingering);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    await finishing.send(note('before'));
    await lingering.send({ location: { latitude: 2, longitude: 2 }, message: 'lingering' });
    await waitFor(() => got.length === 1);

    server.process.child.kill('SIGTERM');
    await waitForOutput(server.process, /^SIGTERM: draining 2 worker\(s\) \(grace 2000 ms\)$/m);
    await waitForOutput(
      server.process,
      /asked by the primary: shutting down \(grace 2000 ms\)[^]*asked by the primary/,
    );
    await finishing.send(note('during the grace period'));
    await waitFor(() => got.length === 3);
    finishing.closeSend();
    await finishingDone;
    t.same(
      got.slice(1),
      [chatLine(note('before')), chatLine(note('during the grace period'))],
      'served during the drain',
    );
    t.equal((await finishing.status).code, Status.OK, 'and ended OK');

    const error = await lingeringDone;
    t.ok(error instanceof GrpcError, 'the call still open after the grace period is ended');
    t.equal((error as GrpcError).code, Status.UNAVAILABLE);
    t.match((error as GrpcError).details, /shutting down/);

    const exit = await server.process.exited;
    t.same(exit, { code: 0, signal: null }, 'the primary exits 0');
    t.match(server.process.output(), /^all workers stopped$/m);
    t.equal(await canConnect(server.port), false, 'nothing listens any more');
  },
);

async function waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
