// The Redis note store against a real redis-server started by the test: the same answers as the
// memory store under the same bounds, append-and-read atomic across connections, the key prefix,
// UNAVAILABLE while Redis is down and recovery when it is back, and ioredis loaded only for it.

import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Status } from '../src/protocol/status.js';
import { MemoryNoteStore } from '../src/services/routeguide/memory-note-store.js';
import { openNoteStore } from '../src/services/routeguide/open-note-store.js';
import { RedisNoteStore } from '../src/services/routeguide/redis-note-store.js';
import { describeRedisUrl } from '../src/services/routeguide/redis-url.js';
import type { RouteNote } from '../src/services/routeguide/types.js';
import { freePort, sleep, start, waitForPort } from './helpers/processes.js';
import { redisFor, redisSkipReason, startRedis } from './helpers/redis.js';

const skip = redisSkipReason() ?? false;
const quiet = { log: () => {} };
const note = (latitude: number, longitude: number, message: string): RouteNote => ({
  location: { latitude, longitude },
  message,
});
const messages = (notes: readonly RouteNote[]) => notes.map((n) => n.message);

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
  // This file imports ioredis itself, so look at a fresh process's view instead: spawn one.
  const redis = await redisFor(t);
  const script = `
    import { createRequire } from 'node:module';
    const { openNoteStore } = await import(${JSON.stringify(new URL('../src/services/routeguide/open-note-store.ts', import.meta.url).href)});
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((p) => p.includes('/node_modules/ioredis/'));
    const memory = await openNoteStore({ kind: 'memory' });
    console.log('memory', loaded());
    const redis = await openNoteStore({ kind: 'redis', url: ${JSON.stringify(redis.url)} }, {}, () => {});
    console.log('redis', loaded());
    await memory.close();
    await redis.close();
  `;
  const loader = new URL('../node_modules/@tapjs/typescript/dist/esm/import.mjs', import.meta.url).href;
  const run = spawnSync(process.execPath, [`--import=${loader}`, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(run.status, 0, 'the probe ran', { stderr: run.stderr });
  t.same(run.stdout.trim().split('\n'), ['memory false', 'redis true']);
});

t.test('the canonical chat, notes without a location, and what comes back', { skip }, async (t) => {
  const redis = await redisFor(t);
  const store = await storeFor(t, redis.url);
  t.equal(store.description, `redis://127.0.0.1:${redis.port}/0`);
  const chat = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) =>
    note(0, (i % 3) + 1, `${word} message`),
  );
  const answers: string[][] = [];
  for (const n of chat) answers.push(messages(await store.append(n)));
  t.same(answers, [[], [], [], ['First message'], ['Second message'], ['Third message']]);
  t.same(await store.append({ message: 'x' }), []);
  t.same(await store.append({ location: { latitude: 0, longitude: 0 }, message: 'y z' }), [{ message: 'x' }]);
  t.same(await store.append({ message: '' }), [
    { message: 'x' },
    { location: { latitude: 0, longitude: 0 }, message: 'y z' },
  ]);
  t.same(messages(await store.append(note(-5, 7, '系统 ünïcode'))), []);
  t.same(messages(await store.append(note(-5, 7, 'again'))), ['系统 ünïcode'], 'UTF-8 comes back unchanged');
});

t.test('the same answers as the memory store, under every bound', { skip }, async (t) => {
  const redis = await redisFor(t);
  let seed = 777;
  const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const boundsList = [
    { maxNotes: 30, maxNoteBytes: 250, maxNotesPerLocation: 3 },
    { maxNotes: 5, maxNoteBytes: 10_000, maxNotesPerLocation: 100 },
    { maxNotes: 1000, maxNoteBytes: 40, maxNotesPerLocation: 1000 },
    { maxNotes: 200, maxNoteBytes: 100_000, maxNotesPerLocation: 1 },
  ];
  for (const [i, bounds] of boundsList.entries()) {
    const memory = new MemoryNoteStore({ ...quiet, ...bounds });
    const shared = await storeFor(t, redis.url, { ...bounds, keyPrefix: `model${i}:` });
    let mismatches = 0;
    let first = '';
    for (let k = 0; k < 1500; k++) {
      const message = random(50) === 0 ? 'x'.repeat(bounds.maxNoteBytes + 1) : `m${k}${'é'.repeat(random(6))}`;
      const n = random(10) === 0 ? { message } : note(random(12) - 6, random(3), message);
      const want = JSON.stringify(memory.append(n));
      const got = JSON.stringify(await shared.append(n));
      if (want !== got) {
        mismatches++;
        first ||= `note ${k}: memory ${want}, redis ${got}`;
      }
    }
    t.equal(mismatches, 0, `identical answers for ${JSON.stringify(bounds)}`, { first });
    t.same(shared.drops.total, memory.drops.total, 'the same drops, by reason');
    t.ok(
      Object.values(memory.drops.total).some((n) => n > 0),
      'the bounds were reached',
    );
  }
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
  const raw = new Redis(redis.url);
  t.teardown(() => raw.disconnect());
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
  const raw = new Redis(`${redis.url}/3`);
  const raw0 = new Redis(redis.url);
  t.teardown(() => (raw.disconnect(), raw0.disconnect()));
  t.same(await raw.lrange('routeguide:notes:1,1', 0, -1), ['1 1in 3'], 'stored in database 3 as "SEQ F MESSAGE"');
  t.same(await raw0.keys('*'), [], 'nothing in database 0');
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
  const deadline = Date.now() + 10_000;
  let answer: readonly RouteNote[] | undefined;
  while (answer === undefined && Date.now() < deadline) {
    answer = await store.append(note(1, 1, 'after')).catch(() => undefined);
    if (answer === undefined) await sleep(100);
  }
  t.same(answer, [], 'appends work again once Redis is back');
  t.same(messages(await store.append(note(1, 1, 'after again'))), ['after']);
  t.match(lines[lines.length - 1], /is back$/);
  t.equal(lines.length, 2, 'one line when lost, one when back');
});

t.test('Redis not there when the store opens: it opens, answers UNAVAILABLE, then connects', { skip }, async (t) => {
  const port = await freePort();
  const lines: string[] = [];
  const store = await storeFor(t, `redis://127.0.0.1:${port}`, { log: (l) => lines.push(l) });
  t.match(lines, [/cannot reach redis:\/\/127\.0\.0\.1:\d+\/0 \(.*ECONNREFUSED.*\); RouteChat answers UNAVAILABLE/]);
  const error = (await store.append(note(0, 0, 'x')).catch((e: unknown) => e)) as GrpcError;
  t.equal(error.code, Status.UNAVAILABLE);
  t.match(error.details, /not connected \(.*ECONNREFUSED/);

  // Start a redis-server on exactly that port.
  const server = start('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  t.teardown(() => server.stop());
  await waitForPort(server, port);
  const deadline = Date.now() + 10_000;
  let answer: readonly RouteNote[] | undefined;
  while (answer === undefined && Date.now() < deadline) {
    answer = await store.append(note(0, 0, 'x')).catch(() => undefined);
    if (answer === undefined) await sleep(100);
  }
  t.same(answer, [], 'connected once Redis was there');
});

t.test('openNoteStore: memory by default bounds, or Redis with its prefix', { skip }, async (t) => {
  const redis = await redisFor(t);
  const memory = await openNoteStore({ kind: 'memory' }, { maxNotes: 7 });
  t.ok(memory instanceof MemoryNoteStore);
  t.equal((memory as MemoryNoteStore).bounds.maxNotes, 7);
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
