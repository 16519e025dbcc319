// Our server, called by @grpc/grpc-js over loopback: the four RouteGuide RPCs against the canonical DB.

import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { DEFAULT_FEATURE_DB } from '../../src/services/routeguide/index.js';
import { collect, grpcJsRouteGuideClient, unary } from '../helpers/grpc-js.js';
import { startTestServer } from '../helpers/test-server.js';

interface Point {
  latitude: number;
  longitude: number;
}
interface Feature {
  name: string;
  location: Point;
}

const DB: Feature[] = JSON.parse(readFileSync(DEFAULT_FEATURE_DB, 'utf8'));
const key = (p: Point) => `${p.latitude},${p.longitude}`;

// Independent haversine (canonical route_guide server: R = 6371000 m, int32 per leg).
function legMetres(a: Point, b: Point): number {
  const rad = (e7: number) => ((e7 / 1e7) * Math.PI) / 180;
  const dLat = rad(b.latitude) - rad(a.latitude);
  const dLng = rad(b.longitude) - rad(a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLng / 2) ** 2;
  return Math.trunc(6371000 * 2 * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h)));
}

async function withServer(t: Test): Promise<any> {
  const { port, close } = await startTestServer();
  const client = grpcJsRouteGuideClient(port);
  t.teardown(async () => {
    client.close();
    await close();
  });
  return client;
}

t.test('GetFeature: a known point returns its DB name, an unknown point an empty name', async (t) => {
  const client = await withServer(t);
  const known = DB.find((f) => f.name !== '')!;
  const got = await unary<Feature>(client, 'GetFeature', known.location);
  t.same(got, { name: known.name, location: known.location });

  const unknown = { latitude: 1, longitude: 2 };
  t.notOk(
    DB.some((f) => key(f.location) === key(unknown)),
    'the point is not in the DB',
  );
  t.same(await unary<Feature>(client, 'GetFeature', unknown), { name: '', location: unknown });
});

t.test('ListFeatures: every feature in the rectangle, corners in either order', async (t) => {
  const client = await withServer(t);
  const lo = { latitude: 405000000, longitude: -745000000 };
  const hi = { latitude: 410000000, longitude: -740000000 };
  const expected = DB.filter(
    (f) =>
      f.location.latitude >= lo.latitude &&
      f.location.latitude <= hi.latitude &&
      f.location.longitude >= lo.longitude &&
      f.location.longitude <= hi.longitude,
  );
  t.ok(expected.length > 0 && expected.length < DB.length, 'the rectangle selects a proper subset');
  const asKeys = (fs: Feature[]) => fs.map((f) => `${key(f.location)} ${f.name}`).sort();

  const forward = await collect<Feature>(client.ListFeatures({ lo, hi }));
  t.equal(forward.length, expected.length);
  t.same(asKeys(forward), asKeys(expected));
  // The other diagonal, and the corners swapped: the same set.
  const swapped = await collect<Feature>(client.ListFeatures({ lo: hi, hi: lo }));
  t.same(asKeys(swapped), asKeys(expected));
  const diagonal = await collect<Feature>(
    client.ListFeatures({
      lo: { latitude: hi.latitude, longitude: lo.longitude },
      hi: { latitude: lo.latitude, longitude: hi.longitude },
    }),
  );
  t.same(asKeys(diagonal), asKeys(expected));
});

t.test('RecordRoute: point count, named features only, summed truncated legs, elapsed 0', async (t) => {
  const client = await withServer(t);
  const named = DB.filter((f) => f.name !== '')
    .slice(0, 4)
    .map((f) => f.location);
  const unnamed = DB.filter((f) => f.name === '')
    .slice(0, 2)
    .map((f) => f.location);
  t.equal(unnamed.length, 2, 'the canonical DB has unnamed features');
  const route = [named[0], unnamed[0], named[1], { latitude: 1, longitude: 1 }, named[2], unnamed[1], named[3]];
  let distance = 0;
  for (let i = 1; i < route.length; i++) distance += legMetres(route[i - 1], route[i]);

  const summary = await new Promise<any>((resolve, reject) => {
    const call = client.RecordRoute((err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)));
    for (const p of route) call.write(p);
    call.end();
  });
  t.same(summary, { point_count: route.length, feature_count: 4, distance, elapsed_time: 0 });
});

t.test('RouteChat: the canonical six notes give nine, in the canonical order', async (t) => {
  const client = await withServer(t);
  const names = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'];
  const notes = names.map((n, i) => ({ location: { latitude: 0, longitude: (i % 3) + 1 }, message: `${n} message` }));
  const call = client.RouteChat();
  const received = collect<any>(call);
  for (const note of notes) call.write(note);
  call.end();
  const got = await received;
  t.same(
    got.map((n) => n.message),
    ['First', 'Second', 'Third', 'First', 'Fourth', 'Second', 'Fifth', 'Third', 'Sixth'].map((n) => `${n} message`),
  );
  t.same(
    got.map((n) => n.location.longitude),
    [1, 2, 3, 1, 1, 2, 2, 3, 3],
  );
});
