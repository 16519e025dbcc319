// Server reflection through our own client: list, resolve routeguide.RouteGuide from descriptors
// alone, call all four methods with JSON input (what grpcurl does), and the error answers.

import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { createClient } from '../../src/client/client.js';
import { loadProtoFiles, serviceDefinition } from '../../src/protocol/schema.js';
import { Server } from '../../src/server/server.js';
import { addHealth } from '../../src/services/health/index.js';
import { addReflection, reflectionDefinitions, ReflectionResponder } from '../../src/services/reflection/index.js';
import { ReflectionClient } from '../../src/services/reflection/client.js';
import { reflectionHandler } from '../../src/services/reflection/service.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';
import { Status } from '../../src/protocol/status.js';
import {
  exchangeOver,
  fileDescriptors,
  listServices,
  resolveSymbol,
  writeShopProtos,
  type ReflectionExchange,
} from '../helpers/reflection.js';

const shop = writeShopProtos();
const shopDefinition = serviceDefinition(loadProtoFiles(shop.entry, [shop.includeDir]), 'shop.v1.OrderService');

const server = new Server({ onHandlerError: () => {} });
server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
addReflection(server);
addHealth(server);
// Registered after addReflection: reflection reads the registry at each request.
server.addService(shopDefinition, { GetOrder: () => ({ order_id: 'o-1' }) });
const { port } = await server.listen(0, '127.0.0.1');
const channel = new Channel(`127.0.0.1:${port}`);
t.teardown(async () => {
  channel.close();
  await server.close(0);
});

function openStream(version: 'v1' | 'v1alpha'): { ask: ReflectionExchange; close: () => void } {
  const client = createClient<any>(reflectionDefinitions()[version], channel);
  const call = client.serverReflectionInfo({ timeoutMs: 10_000 });
  return { ask: exchangeOver((m) => call.send(m), call[Symbol.asyncIterator]()), close: () => call.closeSend() };
}

for (const version of ['v1', 'v1alpha'] as const) {
  t.test(`${version}: list_services names every registered service, reflection included`, async (t) => {
    const { ask, close } = openStream(version);
    t.same((await listServices(ask)).sort(), [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'routeguide.RouteGuide',
      'shop.v1.OrderService',
    ]);
    close();
  });
}

t.test('resolve routeguide.RouteGuide from descriptors alone and call all four methods with JSON', async (t) => {
  const { ask, close } = openStream('v1');
  const { root, files } = await resolveSymbol(ask, 'routeguide.RouteGuide');
  close();
  t.same(
    files.map((f) => f.name),
    ['route_guide.proto'],
  );
  t.equal(files[0].package, 'routeguide');
  t.equal(files[0].syntax, 'proto3');
  const summary = files[0].messageType.find((m: any) => m.name === 'RouteSummary');
  t.same(
    summary.field.map((f: any) => [f.name, f.jsonName]),
    [
      ['point_count', 'pointCount'],
      ['feature_count', 'featureCount'],
      ['distance', 'distance'],
      ['elapsed_time', 'elapsedTime'],
    ],
    'field names keep the .proto spelling; json_name is lowerCamelCase',
  );

  // The rebuilt service drives our client, with messages made from JSON text like grpcurl -d.
  const rebuilt = serviceDefinition(root, 'routeguide.RouteGuide');
  const guide = createClient<any>(rebuilt, channel);
  const json = (text: string) => JSON.parse(text);

  const feature = await guide.getFeature(json('{"latitude": 409146138, "longitude": -746188906}'));
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');

  const listed: any[] = [];
  for await (const f of guide.listFeatures(
    json(
      '{"lo": {"latitude": 400000000, "longitude": -750000000}, "hi": {"latitude": 420000000, "longitude": -730000000}}',
    ),
  )) {
    listed.push(f);
  }
  const direct: any[] = [];
  for await (const f of createClient<any>(routeGuideDefinition(), channel).listFeatures(
    json(
      '{"lo": {"latitude": 400000000, "longitude": -750000000}, "hi": {"latitude": 420000000, "longitude": -730000000}}',
    ),
  )) {
    direct.push(f);
  }
  t.ok(listed.length > 0);
  t.same(
    listed.map((f) => f.name),
    direct.map((f) => f.name),
    'same features as through the compiled definition',
  );

  const record = guide.recordRoute();
  await record.send(json('{"latitude": 409146138, "longitude": -746188906}'));
  await record.send(json('{"latitude": 0, "longitude": 0}'));
  const routeSummary = await record.closeAndRecv();
  t.equal(routeSummary.point_count, 2);
  t.equal(routeSummary.feature_count, 1);

  const chat = guide.routeChat();
  await chat.send(json('{"location": {"latitude": 7, "longitude": 7}, "message": "first"}'));
  await chat.send(json('{"location": {"latitude": 7, "longitude": 7}, "message": "second"}'));
  chat.closeSend();
  const notes: string[] = [];
  for await (const n of chat) notes.push(n.message);
  t.same(notes, ['first', 'first', 'second']);
});

t.test('symbols of every kind resolve to their file; the stream stays open after errors', async (t) => {
  const { ask, close } = openStream('v1alpha');
  const fileOf = async (symbol: string) => (await fileDescriptors(ask, { file_containing_symbol: symbol }))[0];
  t.equal((await fileOf('routeguide.RouteGuide.RouteChat')).name, 'route_guide.proto', 'method');
  t.equal((await fileOf('routeguide.Point')).name, 'route_guide.proto', 'message');
  t.equal(
    (await fileOf('grpc.health.v1.HealthCheckResponse.ServingStatus')).name,
    'grpc/health/v1/health.proto',
    'nested enum',
  );
  t.equal((await fileOf('shop.v1.Order.Line')).name, 'shop/v1/order.proto', 'nested message');
  t.equal(
    (await fileOf('grpc.reflection.v1.ServerReflection')).name,
    'grpc/reflection/v1/reflection.proto',
    'reflection itself',
  );

  const unknown = await ask({ file_containing_symbol: 'routeguide.Nope', host: 'h' });
  t.equal(unknown.error_response.error_code, Status.NOT_FOUND);
  t.equal(unknown.valid_host, 'h');
  t.equal(unknown.original_request.file_containing_symbol, 'routeguide.Nope');
  const noFile = await ask({ file_by_filename: 'nope.proto' });
  t.equal(noFile.error_response.error_code, Status.NOT_FOUND);
  const ext = await ask({ file_containing_extension: { containing_type: 'routeguide.Point', extension_number: 100 } });
  t.equal(ext.error_response.error_code, Status.UNIMPLEMENTED);
  const extNumbers = await ask({ all_extension_numbers_of_type: 'routeguide.Point' });
  t.equal(extNumbers.error_response.error_code, Status.UNIMPLEMENTED);
  // Still answering on the same stream.
  t.equal((await fileOf('routeguide.Feature')).name, 'route_guide.proto');
  close();
});

t.test('transitive dependencies: imports across files and a well-known type', async (t) => {
  const { ask, close } = openStream('v1');
  const direct = await fileDescriptors(ask, { file_containing_symbol: 'shop.v1.OrderService.GetOrder' });
  t.same(
    direct.map((f) => f.name),
    ['shop/v1/order.proto', 'google/protobuf/timestamp.proto', 'shop/v1/money.proto'],
  );
  const order = direct[0];
  t.same(order.dependency, ['google/protobuf/timestamp.proto', 'shop/v1/money.proto']);
  const orderMsg = order.messageType.find((m: any) => m.name === 'Order');
  const field = (name: string) => orderMsg.field.find((f: any) => f.name === name);
  t.equal(field('created_at').typeName, '.google.protobuf.Timestamp');
  t.equal(field('store_credit').typeName, '.shop.v1.Money');
  t.equal(field('stock_by_site').typeName, '.shop.v1.Order.StockBySiteEntry');
  t.ok(orderMsg.nestedType.find((m: any) => m.name === 'StockBySiteEntry').options.mapEntry);
  t.equal(field('gift_note').proto3Optional, true);
  t.same(
    orderMsg.oneofDecl.map((o: any) => o.name),
    ['payment', '_gift_note'],
    'synthetic oneof after the real one',
  );

  const { root } = await resolveSymbol(ask, 'shop.v1.OrderService');
  close();
  // Encoded with the original schema, decoded with the rebuilt one. (protobufjs' fromDescriptor
  // turns a map back into its repeated XxxEntry form: the same bytes on the wire.)
  const original = shopDefinition.service.root.lookupType('shop.v1.Order');
  const Order = root.lookupType('shop.v1.Order');
  const bytes = original
    .encode(
      original.fromObject({ order_id: 'x', stock_by_site: { a: 1 }, store_credit: { units: 5 }, state: 'SHIPPED' }),
    )
    .finish();
  const back = Order.toObject(Order.decode(bytes), { enums: String, longs: Number }) as any;
  t.same(back, {
    order_id: 'x',
    stock_by_site: [{ key: 'a', value: 1 }],
    store_credit: { units: 5 },
    state: 'SHIPPED',
  });
  const rebuilt = serviceDefinition(root, 'shop.v1.OrderService');
  t.same(
    await createClient<any>(rebuilt, channel)
      .getOrder({ order_id: 'o-1' })
      .then((o: any) => o.order_id),
    'o-1',
  );
});

t.test('ReflectionClient: v1, falling back to v1alpha, and no reflection at all', async (t) => {
  // Our server: v1 answers.
  const v1 = new ReflectionClient(channel);
  t.ok((await v1.listServices()).includes('routeguide.RouteGuide'));
  const { root } = await v1.resolveSymbol('routeguide.RouteGuide');
  t.equal(v1.version, 'v1');
  t.equal(root.lookupType('routeguide.RouteNote').fields.location.resolvedType?.fullName, '.routeguide.Point');

  // A server with v1alpha only (as older servers): the client falls back, and stays there.
  const alphaOnly = new Server({ onHandlerError: () => {} });
  alphaOnly.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  alphaOnly.addService(reflectionDefinitions().v1alpha, {
    ServerReflectionInfo: reflectionHandler(new ReflectionResponder(alphaOnly)),
  });
  const alphaPort = (await alphaOnly.listen(0, '127.0.0.1')).port;
  const alphaChannel = new Channel(`127.0.0.1:${alphaPort}`);
  const bare = new Server({ onHandlerError: () => {} });
  bare.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  const barePort = (await bare.listen(0, '127.0.0.1')).port;
  const bareChannel = new Channel(`127.0.0.1:${barePort}`);
  t.teardown(async () => {
    alphaChannel.close();
    bareChannel.close();
    await Promise.all([alphaOnly.close(0), bare.close(0)]);
  });

  const alpha = new ReflectionClient(alphaChannel);
  const features = await alpha.resolveSymbol('routeguide.RouteGuide.RouteChat');
  t.equal(alpha.version, 'v1alpha');
  t.ok(features.root.lookupService('routeguide.RouteGuide'));
  t.same((await alpha.listServices()).sort(), ['grpc.reflection.v1alpha.ServerReflection', 'routeguide.RouteGuide']);

  // An error_response inside the stream is an answer, not a missing version: NOT_FOUND as is.
  await t.rejects(alpha.resolveSymbol('routeguide.Nope'), { code: Status.NOT_FOUND });
  t.equal(alpha.version, 'v1alpha');

  // No reflection: UNIMPLEMENTED from both versions.
  await t.rejects(new ReflectionClient(bareChannel).listServices(), { code: Status.UNIMPLEMENTED });
});
