// Server reflection from grpc-go 1.33's own v1alpha reflection stubs (test/go/reflection/main.go):
// list, resolve routeguide.RouteGuide, strict protodesc validation of our descriptors, NOT_FOUND
// inside the stream, and a dynamic GetFeature call with JSON input.

import t from 'tap';
import { Server } from '../../src/server/server.js';
import { addHealth } from '../../src/services/health/index.js';
import { addReflection } from '../../src/services/reflection/index.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';
import { loadProtoFiles, serviceDefinition } from '../../src/protocol/schema.js';
import { goPeer, runGoClient } from '../helpers/go.js';
import { writeShopProtos } from '../helpers/reflection.js';

function buildReflectionClient(): string | { skip: string } {
  const built = goPeer('test/go/reflection/build.sh', ['reflection-client']);
  return 'skip' in built ? built : built[0];
}

const bin = buildReflectionClient();
if (typeof bin !== 'string') {
  t.plan(0, bin.skip); // prerequisites missing: skip the whole file
} else {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  addReflection(server);
  addHealth(server);
  const shop = writeShopProtos();
  server.addService(serviceDefinition(loadProtoFiles(shop.entry, [shop.includeDir]), 'shop.v1.OrderService'), {
    GetOrder: (req: { order_id: string }) => ({
      order_id: req.order_id,
      stock_by_site: { north: 3 },
      store_credit: { units: 7 },
      gift_note: '',
    }),
  });
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close(0));
  const addr = `127.0.0.1:${port}`;

  t.test('lists services and resolves routeguide.RouteGuide; protodesc accepts the descriptors', async (t) => {
    const r = await runGoClient(
      bin,
      ['-addr', addr, '-call', '{"latitude": 409146138, "longitude": -746188906}'],
      30_000,
    );
    t.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.same(lines.filter((l) => l.startsWith('service ')).sort(), [
      'service grpc.health.v1.Health',
      'service grpc.reflection.v1.ServerReflection',
      'service grpc.reflection.v1alpha.ServerReflection',
      'service routeguide.RouteGuide',
      'service shop.v1.OrderService',
    ]);
    t.ok(lines.includes('files [route_guide.proto]'));
    t.same(
      lines.filter((l) => l.startsWith('rpc ')),
      [
        'rpc GetFeature(routeguide.Point) returns (routeguide.Feature)',
        'rpc ListFeatures(routeguide.Rectangle) returns (stream routeguide.Feature)',
        'rpc RecordRoute(stream routeguide.Point) returns (routeguide.RouteSummary)',
        'rpc RouteChat(stream routeguide.RouteNote) returns (stream routeguide.RouteNote)',
      ],
    );
    t.ok(lines.includes('unknown symbol: NotFound'));
    const response = JSON.parse(lines.find((l) => l.startsWith('response '))!.slice('response '.length));
    t.same(response, {
      name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
      location: { latitude: 409146138, longitude: -746188906 },
    });
  });

  t.test('health and reflection descriptors pass protodesc too; Check through dynamicpb', async (t) => {
    const health = await runGoClient(
      bin,
      ['-addr', addr, '-symbol', 'grpc.health.v1.Health', '-call', '{"service": "routeguide.RouteGuide"}'],
      30_000,
    );
    t.equal(health.code, 0, health.stderr);
    t.match(health.stdout, /^response \{"status":"SERVING"\}$/m);
    const refl = await runGoClient(bin, ['-addr', addr, '-symbol', 'grpc.reflection.v1.ServerReflection'], 30_000);
    t.equal(refl.code, 0, refl.stderr);
    t.match(
      refl.stdout,
      /^rpc ServerReflectionInfo\(stream grpc\.reflection\.v1\.ServerReflectionRequest\) returns \(stream grpc\.reflection\.v1\.ServerReflectionResponse\)$/m,
    );
  });

  t.test('imports, a well-known type, map, oneof and proto3 optional pass protodesc', async (t) => {
    const r = await runGoClient(
      bin,
      ['-addr', addr, '-symbol', 'shop.v1.OrderService', '-call', '{"order_id": "o-7"}'],
      30_000,
    );
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /^files \[google\/protobuf\/timestamp\.proto shop\/v1\/money\.proto shop\/v1\/order\.proto\]$/m);
    const response = JSON.parse(
      r.stdout
        .split('\n')
        .find((l) => l.startsWith('response '))!
        .slice('response '.length),
    );
    t.same(response, { orderId: 'o-7', stockBySite: { north: 3 }, storeCredit: { units: '7' }, giftNote: '' });
  });
}
