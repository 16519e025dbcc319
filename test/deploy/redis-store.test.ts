// The Redis note store against a real redis-server started by the test: the table of cases every
// store must pass (helpers/note-store-cases.ts), append-and-read atomic across connections, the key
// prefix, UNAVAILABLE while Redis is down — for every append in flight — and recovery when it is
// back, and ioredis loaded only for it.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import { openNoteStore } from '../../src/services/routeguide/open-note-store.js';
import { RedisNoteStore } from '../../src/services/routeguide/redis-note-store.js';
import { describeRedisUrl } from '../../src/services/routeguide/redis-url.js';
import type { RouteNote } from '../../src/services/routeguide/types.js';
import { builtPackage } from '../helpers/cli-build.js';
import { messages, note, noteStoreCases } from '../helpers/note-store-cases.js';
import { freePort, retryUntilItWorks, sleep, untracked } from '../helpers/processes.js';
import { messagesKeptAt, redisClient, redisFor, redisSkipReason, startRedis } from '../helpers/redis.js';

const skip = redisSkipReason() ?? false;
const quiet = { log: () => {} };

async function storeFor(
  t: Test,
  url: string,
  options: Partial<Parameters<typeof RedisNoteStore.open>[0]> = {},
): Promise<RedisNoteStore> {
  const store = await RedisNoteStore.open({ url, ...quiet, ...options });
  t.teardown(() => store.close());
  return store;
}

t.test('the memory store is opened without loading ioredis; the Redis store loads it', { skip }, async (t) => {
  // This file imports ioredis itself, so look at a fresh process's view instead: spawn one, on the
  // package as it is built (helpers/cli-build.ts).
  const redis = await redisFor(t);
  const module = pathToFileURL(join(builtPackage(), 'dist', 'src', 'services', 'routeguide', 'open-note-store.js'));
  const script = `
    import { createRequire } from 'node:module';
    const { openNoteStore } = await import(${JSON.stringify(module.href)});
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/node_modules/ioredis/'));
    const memory = await openNoteStore({ kind: 'memory' });
    console.log('memory', loaded());
    const redis = await openNoteStore({ kind: 'redis', url: ${JSON.stringify(redis.url)} }, {}, () => {});
    console.log('redis', loaded());
    await memory.close();
    await redis.close();
  `;
  const run = spawnSync(...untracked(process.execPath, ['--input-type=module', '-e', script]), {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(run.status, 0, 'the probe ran', { stderr: run.stderr });
  t.same(run.stdout.trim().split('\n'), ['memory false', 'redis true']);
});

t.test('Redis store: the cases every note store must pass', { skip }, async (t) => {
  const redis = await redisFor(t);
  const raw = redisClient(t, redis.url);
  let stores = 0;
  noteStoreCases(t, async (t, options) => {
    // Each case on keys of its own; what is kept, as Redis holds it.
    const keyPrefix = `case${++stores}:`;
    const store = await storeFor(t, redis.url, { ...options, keyPrefix });
    const size = async () => {
      const [count, bytes] = await raw.hmget(`${keyPrefix}stats`, 'count', 'bytes');
      const locations = await raw.keys(`${keyPrefix}notes:*`);
      // The count kept in `stats` must be what the location strings hold ("COUNT " first).
      const values = locations.length === 0 ? [] : await raw.mget(locations);
      const held = values.reduce((sum, value) => sum + Number(value!.slice(0, value!.indexOf(' '))), 0);
      if (held !== Number(count ?? 0)) throw new Error(`stats count ${count}, locations hold ${held}`);
      return { notes: held, bytes: Number(bytes ?? 0), locations: locations.length };
    };
    return { store, size };
  });
});

t.test(
  'notes dropped at their location leave the order lists at most about twice the notes kept, behind a long-lived note',
  { skip },
  async (t) => {
    const redis = await redisFor(t);
    const raw = redisClient(t, redis.url);
    const store = await storeFor(t, redis.url, { keyPrefix: 'stale:', maxNotes: 3, maxNotesPerLocation: 1 });
    await store.append(note(1, 1, 'long-lived'));
    // Each note at (2, 2) drops the one before it there: its order entry goes stale.
    for (let round = 0; round < 20; round++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(note(2, 2, `r${round} n${i}`))));
    }
    // Each element of the order lists holds entries "SEQ LAT,LNG", separated by spaces.
    const elements = [...(await raw.lrange('stale:order', 0, -1)), ...(await raw.lrange('stale:order:kept', 0, -1))];
    const entries = elements.reduce((sum, element) => sum + element.split(' ').length / 2, 0);
    t.ok(entries <= 2 * 2 + 2 * 100, `${entries} order entries for 2 notes kept`);
    t.same(store.drops.total.perLocation, 1999);
    // The oldest note anywhere is still the long-lived one: past --max-notes it goes first.
    t.same(messages(await store.append(note(3, 3, 'third'))), []);
    t.same(messages(await store.append(note(4, 4, 'fourth'))), [], 'long-lived dropped');
    t.same(messages(await store.append(note(1, 1, 'again'))), [], '(1, 1) holds nothing; (2, 2) loses its note');
    t.same(messages(await store.append(note(2, 2, 'last'))), [], '(2, 2) holds nothing');
    t.same(store.drops.total.notes, 3);
  },
);

t.test('one note that drops the notes of 2,500 locations: their keys go', { skip }, async (t) => {
  const redis = await redisFor(t);
  const raw = redisClient(t, redis.url);
  const store = await storeFor(t, redis.url, { keyPrefix: 'wide:', maxNoteBytes: 2500 });
  await Promise.all(Array.from({ length: 2500 }, (_, i) => store.append(note(i + 1, 1, 'x'))));
  t.equal((await raw.keys('wide:notes:*')).length, 2500);
  t.same(messages(await store.append(note(1, 1, 'y'.repeat(2500)))), [], 'the note before it there dropped too');
  t.same(await raw.keys('wide:notes:*'), ['wide:notes:1,1'], 'every other location gone');
  t.equal(store.drops.total.bytes, 2500);
  t.same(messages(await store.append(note(2500, 1, 'z'))), [], 'the last location holds nothing');
});

t.test('the canonical chat on Redis: the description names the store', { skip }, async (t) => {
  const redis = await redisFor(t);
  const store = await storeFor(t, redis.url);
  t.equal(store.description, `redis://127.0.0.1:${redis.port}/0`);
  const chat = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) =>
    note(0, (i % 3) + 1, `${word} message`),
  );
  const answers = await Promise.all(chat.map((n) => store.append(n)));
  t.same(answers.map(messages), [[], [], [], ['First message'], ['Second message'], ['Third message']]);
});

t.test(
  'append-and-read is atomic across connections: each append sees exactly the ones before it',
  { skip },
  async (t) => {
    const redis = await redisFor(t);
    const stores = [await storeFor(t, redis.url), await storeFor(t, redis.url), await storeFor(t, redis.url)];
    const perStore = 150;
    // Every store appends at the same location at once; each answer must be a prefix of the final order.
    const answers = await Promise.all(
      stores.map(async (store, s) => {
        const got: string[][] = [];
        for (let i = 0; i < perStore; i++) got.push(messages(await store.append(note(3, 3, `s${s} n${i}`))));
        return got;
      }),
    );
    const final = messages(await stores[0].append(note(3, 3, 'last')));
    t.equal(final.length, stores.length * perStore, 'every note kept');
    const all = answers.flat();
    t.same(
      all.map((a) => a.length).sort((a, b) => a - b),
      Array.from({ length: all.length }, (_, i) => i),
      'the answers saw 0, 1, 2, … notes: no two appends saw the same state',
    );
    t.equal(
      all.filter((a) => a.some((m, i) => final[i] !== m)).length,
      0,
      'every answer is a prefix of the final order',
    );
  },
);

t.test('the key prefix: stores with different prefixes do not see each other; keys carry it', { skip }, async (t) => {
  const redis = await redisFor(t);
  const a = await storeFor(t, redis.url, { keyPrefix: 'tenant-a:' });
  const b = await storeFor(t, redis.url, { keyPrefix: 'tenant-b:' });
  const aAgain = await storeFor(t, redis.url, { keyPrefix: 'tenant-a:' });
  await a.append(note(1, 2, 'for a'));
  t.same(await b.append(note(1, 2, 'for b')), [], 'b sees nothing of a');
  t.same(messages(await aAgain.append(note(1, 2, 'a again'))), ['for a'], 'the same prefix: the same notes');
  const raw = redisClient(t, redis.url);
  t.same(
    (await raw.keys('*')).sort(),
    [
      'tenant-a:notes:1,2',
      'tenant-a:order',
      'tenant-a:stats',
      'tenant-b:notes:1,2',
      'tenant-b:order',
      'tenant-b:stats',
    ],
    'the keys',
  );
  const defaultPrefix = await storeFor(t, redis.url);
  await defaultPrefix.append(note(0, 0, 'x'));
  t.ok((await raw.keys('routeguide:*')).length > 0, 'routeguide: by default');
});

t.test('a database number in the URL selects that database', { skip }, async (t) => {
  const redis = await redisFor(t);
  const db3 = await storeFor(t, `${redis.url}/3`);
  t.equal(db3.description, `redis://127.0.0.1:${redis.port}/3`);
  await db3.append(note(1, 1, 'in 3'));
  const raw = redisClient(t, `${redis.url}/3`);
  const raw0 = redisClient(t, redis.url);
  t.equal(
    await raw.get('routeguide:notes:1,1'),
    '1 2 1 4 1in 3',
    'stored in database 3 as "COUNT NEXT SEQ SIZE FMESSAGE"',
  );
  t.same(await raw0.keys('*'), [], 'nothing in database 0');
});

t.test('notes kept in an older layout are not misread: the append fails, saying so', { skip }, async (t) => {
  const redis = await redisFor(t);
  const raw = redisClient(t, redis.url);
  // A location string and counters without the layout mark: "COUNT SEQ SIZE FMESSAGE", a global SEQ.
  await raw.set('old:notes:1,1', '1 7 3 1abc');
  await raw.hset('old:stats', 'seq', '7', 'bytes', '3', 'count', '1', 'stale', '0');
  const store = await storeFor(t, redis.url, { keyPrefix: 'old:' });
  const error = await store.append(note(1, 1, 'new')).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof GrpcError, 'a GrpcError');
  t.equal((error as GrpcError).code, Status.UNAVAILABLE);
  t.match((error as GrpcError).details, /notes stored in an older layout under old:notes:\*/);
  t.equal(await raw.get('old:notes:1,1'), '1 7 3 1abc', 'left as it was');
});

t.test('Redis stopped: UNAVAILABLE at once, naming the store; back when Redis is', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.dispose());
  const lines: string[] = [];
  const store = await storeFor(t, redis.url, { log: (l) => lines.push(l) });
  t.same(await store.append(note(1, 1, 'before')), []);

  await redis.stop();
  const started = Date.now();
  const error = await store.append(note(1, 1, 'while down')).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof GrpcError, 'a GrpcError');
  t.equal((error as GrpcError).code, Status.UNAVAILABLE);
  t.match((error as GrpcError).details, `note store redis://127.0.0.1:${redis.port}/0 unavailable`);
  t.ok(Date.now() - started < 1000, 'without waiting for a timeout');
  t.match(lines, [/note store: lost redis:\/\/127\.0\.0\.1:\d+\/0 .*RouteChat answers UNAVAILABLE until it is back/]);

  await redis.restart(); // empty: nothing is persisted
  const answer = await retryUntilItWorks(() => store.append(note(1, 1, 'after')));
  t.same(answer, [], 'appends work again once Redis is back');
  t.same(messages(await store.append(note(1, 1, 'after again'))), ['after']);
  t.match(lines[lines.length - 1], /is back$/);
  t.equal(lines.length, 2, 'one line when lost, one when back');
});

t.test(
  'Redis killed with appends in flight: each settles at once; what was answered, Redis kept',
  { skip },
  async (t) => {
    const redis = await redisFor(t, { persist: true });
    const store = await storeFor(t, redis.url);
    const spot = (i: number) => note(100_000 + i, -1, `n${i}`);
    const unavailable = new RegExp(`^note store redis://127\\.0\\.0\\.1:${redis.port}/0 unavailable: `);
    // Some appends answered, some on their way when Redis freezes, more sent while it is frozen.
    const appends: { i: number; settled: Promise<readonly RouteNote[] | GrpcError> }[] = [];
    const begin = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const settled = store.append(spot(i)).catch((e: unknown) => e as GrpcError);
        appends.push({ i, settled });
      }
    };
    begin(0, 500);
    await appends[499].settled;
    begin(500, 1500);
    redis.freeze();
    begin(1500, 2000);
    await sleep(200); // every batch written to the frozen server

    await redis.stop('SIGKILL');
    const killed = Date.now();
    const outcomes = await Promise.all(appends.map((a) => a.settled));
    t.ok(Date.now() - killed < 1500, `every append settled ${Date.now() - killed} ms after the kill`);
    const failed = outcomes.flatMap((o, i) => (o instanceof GrpcError ? [i] : []));
    const wrong = failed.filter((i) => {
      const error = outcomes[i] as GrpcError;
      return error.code !== Status.UNAVAILABLE || !unavailable.test(error.details);
    });
    t.same(wrong, [], 'every failure is UNAVAILABLE, naming the store');
    t.ok(failed.includes(1500) && failed.includes(1999), 'the appends sent to the frozen server failed');
    t.ok(!failed.some((i) => i < 500), 'the appends answered before stayed answered');

    await redis.restart(); // from its append-only file: what it acknowledged, it has
    const raw = redisClient(t, redis.url);
    const keptAt = async (i: number) => (await messagesKeptAt(raw, `routeguide:notes:${100_000 + i},-1`)).length;
    const answeredNotKept: number[] = [];
    const keptThoughFrozen: number[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const kept = await keptAt(i);
      if (!(outcome instanceof GrpcError) && kept !== 1) answeredNotKept.push(i);
      if (i >= 1500 && kept !== 0) keptThoughFrozen.push(i);
    }
    t.same(answeredNotKept, [], 'every note answered as stored is in Redis');
    t.same(keptThoughFrozen, [], 'none of those sent to the frozen server is');

    const answer = await retryUntilItWorks(() => store.append(spot(0)));
    t.same(messages(answer ?? []), ['n0'], 'appends work again once Redis is back, on the notes it kept');
  },
);

t.test(
  'Redis frozen: appends in flight fail UNAVAILABLE when the command times out, then work',
  { skip },
  async (t) => {
    const redis = await redisFor(t);
    const store = await storeFor(t, redis.url);
    t.same(await store.append(note(4, 4, 'before')), []);
    redis.freeze();
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.append(note(4, 4, `frozen ${i}`)).catch((e: unknown) => e)),
    );
    const waited = Date.now() - started;
    t.ok(waited >= 1500 && waited < 5000, `they waited for the command timeout (2 s): ${waited} ms`);
    t.ok(
      outcomes.every((e) => e instanceof GrpcError && e.code === Status.UNAVAILABLE && /timed out/.test(e.details)),
      'each one UNAVAILABLE: the command timed out',
      { first: String(outcomes[0]) },
    );
    redis.thaw();
    // Redis runs what it had received when it is thawed: those notes are kept, though reported failed.
    // A PING on a new connection is answered only after the commands Redis found waiting when it went
    // on: the next append's 2 s are its own, not also that backlog's on a slow machine.
    const raw = redisClient(t, redis.url);
    await raw.ping();
    const later = await store.append(note(4, 4, 'after'));
    t.same(messages(later).slice(0, 2), ['before', 'frozen 0'], 'the replies still match their commands');
    t.equal(later.length, 301, 'each note sent while frozen was stored once Redis went on');
  },
);

t.test(
  'a process busy past the command timeout, its reply waiting: the append is answered, not timed out',
  { skip },
  async (t) => {
    const redis = await redisFor(t);
    const store = await storeFor(t, redis.url);
    t.same(await store.append(note(5, 5, 'first')), []);
    const answer = store.append(note(5, 5, 'second'));
    await new Promise((sent) => setImmediate(sent)); // the batch is on its way to Redis
    const busyUntil = Date.now() + 2300; // this process holds its event loop past the 2 s timeout
    while (Date.now() < busyUntil);
    t.same(messages(await answer), ['first'], 'Redis had answered long before: that answer counts');
  },
);

t.test('Redis not there when the store opens: it opens, answers UNAVAILABLE, then connects', { skip }, async (t) => {
  const port = await freePort();
  const lines: string[] = [];
  const store = await storeFor(t, `redis://127.0.0.1:${port}`, { log: (l) => lines.push(l) });
  t.match(lines, [/cannot reach redis:\/\/127\.0\.0\.1:\d+\/0 \(.*ECONNREFUSED.*\); RouteChat answers UNAVAILABLE/]);
  const error = (await store.append(note(0, 0, 'x')).catch((e: unknown) => e)) as GrpcError;
  t.equal(error.code, Status.UNAVAILABLE);
  t.match(error.details, /not connected \(.*ECONNREFUSED/);

  await redisFor(t, { port }); // a redis-server on exactly that port
  const answer = await retryUntilItWorks(() => store.append(note(0, 0, 'x')));
  t.same(answer, [], 'connected once Redis was there');
});

t.test('openNoteStore: Redis with its prefix and bounds', { skip }, async (t) => {
  const redis = await redisFor(t);
  const shared = await openNoteStore(
    { kind: 'redis', url: redis.url, keyPrefix: 'p:' },
    { maxNotesPerLocation: 2 },
    () => {},
  );
  t.teardown(() => shared.close());
  t.ok(shared instanceof RedisNoteStore);
  t.equal((shared as RedisNoteStore).bounds.maxNotesPerLocation, 2);
});

t.test('a Redis URL is shown without its password', async (t) => {
  t.equal(describeRedisUrl('redis://:secret@cache.local:7000/4'), 'redis://cache.local:7000/4');
  t.equal(describeRedisUrl('redis://user:secret@cache.local'), 'redis://cache.local:6379/0');
  t.equal(describeRedisUrl('redis://127.0.0.1:6380/'), 'redis://127.0.0.1:6380/0');
});
