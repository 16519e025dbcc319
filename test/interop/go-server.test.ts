// Interop: our client against the grpc-go route_guide example SERVER (a fresh one per run, so that
// RouteChat starts without stored notes): all four RPCs, compared with the canonical database.

import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { Channel, createClient, Status } from '../../src/client/index.js';
import {
  DEFAULT_FEATURE_DB,
  distanceMetres,
  routeGuideClient,
  type Feature,
  type RouteNote,
} from '../../src/services/routeguide/index.js';
import { goRouteGuideBinaries, startGoServer } from '../helpers/go.js';
import { probeDefinition } from '../helpers/test-server.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';

t.setTimeout(180_000); // a cold Go build takes ~20 s on a busy machine

const bins = goRouteGuideBinaries(); // throws under CI=true when Go is unavailable
const skip = 'skip' in bins ? bins.skip : false;
const DB: Feature[] = JSON.parse(readFileSync(DEFAULT_FEATURE_DB, 'utf8'));

/** A fresh grpc-go route_guide server and a channel to it, both closed when `t` ends. */
async function channelToGoServer(t: Test): Promise<Channel> {
  if ('skip' in bins) throw new Error(bins.skip);
  // startGoServer picks a free port itself (binds :0 first): the Go server cannot report one.
  const go = await startGoServer(bins.server, 0, DEFAULT_FEATURE_DB);
  const channel = new Channel(`127.0.0.1:${go.port}`);
  t.teardown(async () => {
    channel.close();
    await go.stop();
  });
  return channel;
}

t.test('our client against the Go server: GetFeature, ListFeatures, RecordRoute, RouteChat', { skip }, async (t) => {
  if ('skip' in bins) return;
  const channel = await channelToGoServer(t);
  const client = routeGuideClient(channel);
  const options = () => ({ timeoutMs: 10_000 });

  // Unary: the canonical client's two points.
  t.same(await client.getFeature({ latitude: 409146138, longitude: -746188906 }, options()), {
    name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
    location: { latitude: 409146138, longitude: -746188906 },
  });
  // Go omits the zero-valued location fields; protobufjs decodes them as 0.
  const empty = await client.getFeature({ latitude: 0, longitude: 0 }, options());
  t.equal(empty.name, '', 'no feature at (0, 0)');

  // Server-streaming: the 100 features of the canonical rectangle, in database order.
  const rect = {
    lo: { latitude: 400000000, longitude: -750000000 },
    hi: { latitude: 420000000, longitude: -730000000 },
  };
  const listed: Feature[] = [];
  for await (const f of client.listFeatures(rect, options())) listed.push(f);
  const expected = DB.filter((f) => f.location!.latitude >= 400000000 && f.location!.latitude <= 420000000).filter(
    (f) => f.location!.longitude >= -750000000 && f.location!.longitude <= -730000000,
  );
  t.equal(listed.length, 100, '100 features');
  t.same(
    listed.map((f) => f.name),
    expected.map((f) => f.name),
    'same features, same order',
  );

  // Client-streaming: named features count, distance is the sum of truncated haversine legs.
  const route = [DB[0].location!, { latitude: 10_000_000, longitude: 20_000_000 }, DB[1].location!];
  const record = client.recordRoute(options());
  for (const p of route) await record.send(p);
  const summary = await record.closeAndRecv();
  t.same(summary, {
    point_count: 3,
    feature_count: [DB[0], DB[1]].filter((f) => f.name !== '').length,
    distance: distanceMetres(route[0], route[1]) + distanceMetres(route[1], route[2]),
    elapsed_time: 0,
  });

  // Bidi: the six notes yield the nine canonical replies on a fresh server.
  const chat = client.routeChat(options());
  const replies: RouteNote[] = [];
  const reading = (async () => {
    for await (const n of chat) replies.push(n);
  })();
  for (const [i, word] of ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].entries()) {
    await chat.send({ location: { latitude: 0, longitude: (i % 3) + 1 }, message: `${word} message` });
  }
  chat.closeSend();
  await reading;
  t.same(
    replies.map((n) => `Got message ${n.message} at point(${n.location?.latitude}, ${n.location?.longitude})`),
    CANONICAL_CHAT_LINES,
  );
  t.equal((await chat.status).code, Status.OK, 'RouteChat ends OK');
});

t.test('our client against the Go server: unknown method → UNIMPLEMENTED from grpc-go', { skip }, async (t) => {
  if ('skip' in bins) return;
  const channel = await channelToGoServer(t);
  const probe = createClient<any>(probeDefinition(), channel);
  await t.rejects(probe.unary({ text: 'x' }, { timeoutMs: 5000 }), { code: Status.UNIMPLEMENTED, name: 'GrpcError' });
});
