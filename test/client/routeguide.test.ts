// Our client against (a) our server and (b) a @grpc/grpc-js RouteGuide server, over loopback: the
// four RouteGuide RPCs with the canonical semantics, and the six-note RouteChat.

import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/index.js';
import {
  DEFAULT_FEATURE_DB,
  distanceMetres,
  routeGuideClient,
  type Feature,
  type Point,
  type RouteGuideClient,
} from '../../src/services/routeguide/index.js';
import { startGrpcJsRouteGuideServer } from '../helpers/grpc-js.js';
import { startTestServer } from '../helpers/test-server.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';

const DB: Feature[] = JSON.parse(readFileSync(DEFAULT_FEATURE_DB, 'utf8'));
const key = (p: Point | null | undefined) => `${p?.latitude},${p?.longitude}`;

// The canonical client's rectangle: lo (40°, -75°), hi (42°, -73°).
const RECT = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };

const CHAT_LINES = CANONICAL_CHAT_LINES;

const SERVERS = {
  'our server': startTestServer,
  'grpc-js server': () => startGrpcJsRouteGuideServer(),
};

/** A fresh server (no stored route notes) and a client on its own channel. */
async function connect(
  t: Test,
  start: () => Promise<{ port: number; close(): Promise<void> }>,
): Promise<RouteGuideClient> {
  const server = await start();
  const channel = new Channel(`127.0.0.1:${server.port}`);
  t.teardown(async () => {
    channel.close();
    await server.close();
  });
  return routeGuideClient(channel);
}

for (const [label, start] of Object.entries(SERVERS)) {
  t.test(`${label}: GetFeature, a named feature and an unnamed point`, async (t) => {
    const client = await connect(t, start);
    const named = DB.find((f) => f.name !== '')!;
    t.same(await client.getFeature(named.location!), named);
    const nowhere = { latitude: 1, longitude: 2 };
    t.same(await client.getFeature(nowhere, { timeoutMs: 5000 }), { name: '', location: nowhere });
  });

  t.test(`${label}: ListFeatures streams every feature in the rectangle, in DB order`, async (t) => {
    const client = await connect(t, start);
    const expected = DB.filter(
      (f) =>
        f.location!.latitude >= RECT.lo.latitude &&
        f.location!.latitude <= RECT.hi.latitude &&
        f.location!.longitude >= RECT.lo.longitude &&
        f.location!.longitude <= RECT.hi.longitude,
    );
    t.equal(expected.length, 100, 'the canonical rectangle holds 100 features');
    const got: Feature[] = [];
    for await (const f of client.listFeatures(RECT)) got.push(f);
    t.same(
      got.map((f) => `${key(f.location)} ${f.name}`),
      expected.map((f) => `${key(f.location)} ${f.name}`),
    );
  });

  t.test(`${label}: RecordRoute summarises the points sent`, async (t) => {
    const client = await connect(t, start);
    const named = DB.filter((f) => f.name !== '')
      .slice(0, 3)
      .map((f) => f.location!);
    const route = [named[0], { latitude: 1, longitude: 1 }, named[1], named[2]];
    let distance = 0;
    for (let i = 1; i < route.length; i++) distance += distanceMetres(route[i - 1], route[i]);
    const call = client.recordRoute();
    for (const p of route) await call.send(p);
    t.same(await call.closeAndRecv(), { point_count: 4, feature_count: 3, distance, elapsed_time: 0 });
    t.equal((await call.status).code, 0, 'status OK');
  });

  t.test(`${label}: RouteChat, the canonical six notes yield the nine canonical lines`, async (t) => {
    const client = await connect(t, start);
    const call = client.routeChat({ timeoutMs: 10_000 });
    const lines: string[] = [];
    const reading = (async () => {
      for await (const n of call)
        lines.push(`Got message ${n.message} at point(${n.location?.latitude}, ${n.location?.longitude})`);
    })();
    for (const [i, word] of ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].entries()) {
      await call.send({ location: { latitude: 0, longitude: (i % 3) + 1 }, message: `${word} message` });
    }
    call.closeSend();
    await reading;
    t.same(lines, CHAT_LINES);
  });

  t.test(`${label}: one channel multiplexes concurrent calls of every kind`, async (t) => {
    const client = await connect(t, start);
    const features = async () => {
      let n = 0;
      for await (const _ of client.listFeatures(RECT)) n++;
      return n;
    };
    const route = async () => {
      const call = client.recordRoute();
      await call.send({ latitude: 0, longitude: 0 });
      return (await call.closeAndRecv()).point_count;
    };
    const gets = DB.slice(0, 20).map((f) => client.getFeature(f.location!).then((r) => r.name === f.name));
    const [counts, routed, ...same] = await Promise.all([features(), route(), ...gets]);
    t.equal(counts, 100);
    t.equal(routed, 1);
    t.ok(same.every(Boolean), 'every GetFeature answered with its own feature');
  });
}
