// RouteGuide servers on the Redis note store, called by our client: RouteChat notes shared by two
// servers, and with Redis stopped, RouteChat answers UNAVAILABLE while the other three RPCs keep
// working — until Redis is back.

import t, { type Test } from 'tap';
import { Channel } from '../src/client/index.js';
import { GrpcError } from '../src/protocol/grpc-error.js';
import { Status } from '../src/protocol/status.js';
import { Server } from '../src/server/server.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
  type RouteGuideClient,
} from '../src/services/routeguide/index.js';
import { RedisNoteStore } from '../src/services/routeguide/redis-note-store.js';
import { CANONICAL_CHAT_LINES } from './helpers/canonical.js';
import { chatLines } from './helpers/chat.js';
import { sleep } from './helpers/processes.js';
import { redisSkipReason, startRedis } from './helpers/redis.js';

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
  const deadline = Date.now() + 10_000;
  let replies: string[] | undefined;
  while (replies === undefined && Date.now() < deadline) {
    replies = await chatLines(client).catch(() => undefined);
    if (replies === undefined) await sleep(100);
  }
  t.same(replies, CANONICAL_CHAT_LINES, 'RouteChat works again once Redis is back');
  t.match(lines, [/lost redis:/, /is back/], 'the loss and the recovery are logged');
});
