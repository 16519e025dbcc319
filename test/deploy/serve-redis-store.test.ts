// RouteGuide servers on the Redis note store, called by our client: RouteChat notes shared by two
// servers, in one order however their appends interleave; with Redis stopped, RouteChat answers
// UNAVAILABLE — the calls in flight included, none past its deadline, none told of a note that was
// not stored — while the other three RPCs keep working, until Redis is back.

import t, { type Test } from 'tap';
import { Channel } from '../../src/client/index.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
  type RouteGuideClient,
} from '../../src/services/routeguide/index.js';
import { RedisNoteStore } from '../../src/services/routeguide/redis-note-store.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { chatLines } from '../helpers/chat.js';
import { retryUntilItWorks, sleep, waitFor } from '../helpers/processes.js';
import { messagesKeptAt, redisClient, redisFor, redisSkipReason, startRedis } from '../helpers/redis.js';

const skip = redisSkipReason() ?? false;

/** A RouteGuide server on the Redis store at `url`, and a client of it. */
async function serverOn(t: Test, url: string, log: (line: string) => void = () => {}): Promise<RouteGuideClient> {
  const notes = await RedisNoteStore.open({ url, log });
  const server = new Server({ onHandlerError: () => {} });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load(), notes));
  const { port } = await server.listen(0, '127.0.0.1');
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(async () => {
    channel.close();
    await server.close(0);
    await notes.close();
  });
  return routeGuideClient(channel);
}

t.test('two servers on one Redis share their notes', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.dispose());
  const a = await serverOn(t, redis.url);
  const b = await serverOn(t, redis.url);
  t.same(await chatLines(a), CANONICAL_CHAT_LINES, 'server A: the nine canonical replies');
  const second = await chatLines(b);
  t.equal(second.length, 21, "server B: 21 replies, A's notes included");
  t.same(
    second.slice(0, 3),
    [
      'Got message First message at point(0, 1)',
      'Got message Fourth message at point(0, 1)',
      'Got message First message at point(0, 1)',
    ],
    "A's notes first, oldest first, then B's own",
  );
});

t.test('Redis stopped: RouteChat is UNAVAILABLE, the other RPCs work; then it recovers', { skip }, async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.dispose());
  const lines: string[] = [];
  const client = await serverOn(t, redis.url, (line) => lines.push(line));
  t.same(await chatLines(client), CANONICAL_CHAT_LINES);

  await redis.stop();
  const error = await chatLines(client).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof GrpcError, 'RouteChat fails');
  t.equal((error as GrpcError).code, Status.UNAVAILABLE, 'with UNAVAILABLE');
  t.match((error as GrpcError).details, `note store redis://127.0.0.1:${redis.port}/0 unavailable`);

  const feature = await client.getFeature({ latitude: 409146138, longitude: -746188906 });
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', 'GetFeature works');
  let listed = 0;
  for await (const _ of client.listFeatures({
    lo: { latitude: 400000000, longitude: -750000000 },
    hi: { latitude: 420000000, longitude: -730000000 },
  }))
    listed++;
  t.equal(listed, 100, 'ListFeatures works: the 100 features in the rectangle');
  const route = client.recordRoute();
  await route.send({ latitude: 409146138, longitude: -746188906 });
  await route.send({ latitude: 410000000, longitude: -746188906 });
  t.equal((await route.closeAndRecv()).point_count, 2, 'RecordRoute works');

  await redis.restart(); // an empty Redis: nothing was persisted
  const replies = await retryUntilItWorks(() => chatLines(client));
  t.same(replies, CANONICAL_CHAT_LINES, 'RouteChat works again once Redis is back');
  t.match(lines, [/lost redis:/, /is back/], 'the loss and the recovery are logged');
});

t.test('two servers appending at one location at once: every reply is one prefix of one order', { skip }, async (t) => {
  const redis = await redisFor(t);
  const servers = [await serverOn(t, redis.url), await serverOn(t, redis.url)];
  const perCall = 100;
  const own = (c: number, i: number) => `call ${c} note ${i}`;
  // Four calls, two on each server, all at (7, 7), all sending before reading.
  const calls = [0, 1, 2, 3].map(async (c) => {
    const call = servers[c % 2].routeChat({ deadline: Date.now() + 60_000 });
    const sending = (async () => {
      for (let i = 0; i < perCall; i++)
        await call.send({ location: { latitude: 7, longitude: 7 }, message: own(c, i) });
      call.closeSend();
    })();
    // The replies to note i: the notes there before it, then note i itself.
    const answers: string[][] = [];
    let earlier: string[] = [];
    for await (const reply of call) {
      if (reply.message === own(c, answers.length)) {
        answers.push(earlier);
        earlier = [];
      } else earlier.push(reply.message);
    }
    await sending;
    return answers;
  });
  const answers = await Promise.all(calls);
  t.same(
    answers.map((a) => a.length),
    [perCall, perCall, perCall, perCall],
    'every note answered, each answer ending with the note',
  );
  const raw = redisClient(t, redis.url);
  const order = await messagesKeptAt(raw, 'routeguide:notes:7,7');
  t.equal(order.length, 4 * perCall, 'every note kept');
  const all = answers.flat();
  t.same(
    all.map((a) => a.length).sort((a, b) => a - b),
    Array.from({ length: all.length }, (_, i) => i),
    'the answers saw 0, 1, 2, … notes: each append saw a state of its own',
  );
  t.equal(all.filter((a) => a.some((m, i) => order[i] !== m)).length, 0, 'every answer is a prefix of the one order');
  for (const c of [0, 1, 2, 3]) {
    const mine = order.filter((m) => m.startsWith(`call ${c} `));
    t.same(
      mine,
      Array.from({ length: perCall }, (_, i) => own(c, i)),
      `call ${c}: its notes kept in the order sent`,
    );
  }
});

/**
 * A RouteChat call sending notes at locations of its own until it ends: `echoed` fills as the replies
 * come; `ended` resolves with what came back and how the call ended.
 */
function chatUntilItEnds(client: RouteGuideClient, c: number, deadlineMs: number) {
  const call = client.routeChat({ deadline: Date.now() + deadlineMs });
  const echoed: number[] = [];
  const sending = (async () => {
    // Until a send fails: it does once the call has ended.
    for (let i = 0; ; i++) {
      await call.send({ location: { latitude: 1_000_000 * (c + 1) + i, longitude: -1 }, message: `${i}` });
      if (i % 50 === 49) await sleep(1); // a steady stream rather than one burst
    }
  })().catch(() => {});
  const ended = (async () => {
    let error: unknown;
    try {
      for await (const reply of call) echoed.push(Number(reply.message));
    } catch (e) {
      error = e;
    }
    await sending;
    return { echoed, error, endedAt: Date.now() };
  })();
  return { echoed, ended };
}

t.test(
  'Redis killed mid-stream: each RouteChat in flight ends UNAVAILABLE at once; every note echoed was stored',
  { skip },
  async (t) => {
    const redis = await redisFor(t, { persist: true });
    const client = await serverOn(t, redis.url);
    const calls = [0, 1, 2, 3].map((c) => chatUntilItEnds(client, c, 30_000));
    await waitFor('notes echoed on every call', () => calls.every(({ echoed }) => echoed.length >= 20));
    redis.freeze();
    await sleep(300); // notes sent to the frozen server, waiting for answers
    await redis.stop('SIGKILL');
    const killed = Date.now();
    const ends = await Promise.all(calls.map(({ ended }) => ended));
    for (const [c, { echoed, error, endedAt }] of ends.entries()) {
      t.ok(error instanceof GrpcError && error.code === Status.UNAVAILABLE, `call ${c}: UNAVAILABLE`, { error });
      t.match((error as GrpcError).details, `note store redis://127.0.0.1:${redis.port}/0 unavailable: `);
      t.ok(endedAt - killed < 1500, `call ${c}: ended ${endedAt - killed} ms after the kill`);
      t.same(
        echoed,
        Array.from({ length: echoed.length }, (_, i) => i),
        `call ${c}: the echoes in the order of the notes`,
      );
    }

    await redis.restart(); // from its append-only file: what it acknowledged, it has
    const raw = redisClient(t, redis.url);
    for (const [c, { echoed }] of ends.entries()) {
      const missing: number[] = [];
      for (const i of echoed) {
        const at = `routeguide:notes:${1_000_000 * (c + 1) + i},-1`;
        if ((await messagesKeptAt(raw, at)).length !== 1) missing.push(i);
      }
      t.same(missing, [], `call ${c}: every note echoed is in Redis`);
    }

    const replies = await retryUntilItWorks(() => chatLines(client));
    t.same(replies, CANONICAL_CHAT_LINES, 'RouteChat works again once Redis is back');
  },
);

t.test(
  'Redis frozen: RouteChat ends at its deadline, or UNAVAILABLE when the command times out',
  { skip },
  async (t) => {
    const redis = await redisFor(t);
    const client = await serverOn(t, redis.url);
    t.same(await chatLines(client), CANONICAL_CHAT_LINES);
    redis.freeze();
    const started = Date.now();
    const [short, long] = await Promise.all([
      chatUntilItEnds(client, 0, 500).ended,
      chatUntilItEnds(client, 1, 20_000).ended,
    ]);
    t.ok(short.error instanceof GrpcError && short.error.code === Status.DEADLINE_EXCEEDED, 'DEADLINE_EXCEEDED', {
      error: short.error,
    });
    // DEADLINE_EXCEEDED says it ended at its own deadline; the command timeout would end it
    // UNAVAILABLE. Its time is held only to end no later than the other call: in a process that has
    // run other files' tests first (test/deploy.test.ts), tap's own work can hold the event loop for
    // a second or more, and then both calls end in the same turn of it.
    t.ok(short.endedAt <= long.endedAt, `at its deadline of 500 ms: ${short.endedAt - started} ms`);
    t.ok(long.error instanceof GrpcError && long.error.code === Status.UNAVAILABLE, 'UNAVAILABLE', {
      error: long.error,
    });
    // The message says it was the command timeout; the time only that it came long before the
    // call's own deadline (20 s), with room for a machine loaded by the tests around it.
    t.match((long.error as GrpcError).details, /unavailable: command timed out: no reply within 2 s/);
    t.ok(long.endedAt - started < 10_000, `when the command timed out (2 s): ${long.endedAt - started} ms`);
    t.same(short.echoed, [], 'nothing echoed while frozen');
    t.same(long.echoed, []);
    redis.thaw();
    const replies = await retryUntilItWorks(() =>
      chatLines(client, [{ location: { latitude: 9, longitude: 9 }, message: 'thawed' }]),
    );
    t.same(replies, ['Got message thawed at point(9, 9)'], 'RouteChat works again');
  },
);
