// Server reflection from @grpc/grpc-js (both versions), then grpcurl's steps: resolve the service
// from descriptors alone and call all four RouteGuide methods with JSON input through grpc-js.

import t from 'tap';
import type protobuf from 'protobufjs';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import { addHealth } from '../../src/services/health/index.js';
import { addReflection } from '../../src/services/reflection/index.js';
import { REFLECTION_V1ALPHA_PROTO, REFLECTION_V1_PROTO } from '../../src/services/reflection/definition.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';
import { collect, grpc, loadGrpcJsPackage, unary } from '../helpers/grpc-js.js';
import {
  exchangeOver,
  listServices,
  queueIterator,
  resolveSymbol,
  type ReflectionExchange,
} from '../helpers/reflection.js';

const server = new Server({ onHandlerError: () => {} });
server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
addReflection(server);
addHealth(server);
const { port } = await server.listen(0, '127.0.0.1');
const target = `127.0.0.1:${port}`;
const clients: grpc.Client[] = [];
t.teardown(async () => {
  for (const c of clients) c.close();
  await server.close(0);
});

function openStream(version: 'v1' | 'v1alpha'): { ask: ReflectionExchange; close: () => void } {
  const proto = version === 'v1' ? REFLECTION_V1_PROTO : REFLECTION_V1ALPHA_PROTO;
  const pkg = loadGrpcJsPackage(proto) as any;
  const Ctor = pkg.grpc.reflection[version].ServerReflection;
  const client = new Ctor(target, grpc.credentials.createInsecure());
  clients.push(client);
  const call = client.ServerReflectionInfo();
  const queue = queueIterator<any>();
  call.on('data', (m: any) => queue.push(m));
  call.on('error', (e: Error) => queue.end(e));
  call.on('end', () => queue.end());
  return { ask: exchangeOver((m) => call.write(m), queue.iterator), close: () => call.end() };
}

for (const version of ['v1', 'v1alpha'] as const) {
  t.test(`${version}: list_services, and unknown symbols answered NOT_FOUND in the stream`, async (t) => {
    const { ask, close } = openStream(version);
    t.same((await listServices(ask)).sort(), [
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'routeguide.RouteGuide',
    ]);
    const missing = await ask({ file_containing_symbol: 'routeguide.Missing' });
    t.equal(missing.message_response, 'error_response');
    t.equal(missing.error_response.error_code, Status.NOT_FOUND);
    t.same(await listServices(ask).then((l) => l.length), 4, 'the stream is still open');
    close();
  });
}

/** A grpc-js client for a service rebuilt from descriptors: serializers come from the rebuilt types. */
function dynamicClient(root: protobuf.Root, serviceName: string): any {
  const service = root.lookupService(serviceName);
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of service.methodsArray) {
    const req = root.lookupType(m.requestType);
    const res = root.lookupType(m.responseType);
    definition[m.name] = {
      path: `/${serviceName}/${m.name}`,
      requestStream: !!m.requestStream,
      responseStream: !!m.responseStream,
      requestSerialize: (v: unknown) => Buffer.from(req.encode(req.fromObject(v as object)).finish()),
      requestDeserialize: (b: Buffer) => req.decode(b),
      responseSerialize: (v: unknown) => Buffer.from(res.encode(res.fromObject(v as object)).finish()),
      responseDeserialize: (b: Buffer) => res.toObject(res.decode(b), { defaults: true }),
    };
  }
  const Ctor = grpc.makeGenericClientConstructor(definition, serviceName);
  const client = new Ctor(target, grpc.credentials.createInsecure());
  clients.push(client);
  return client;
}

t.test('rebuild RouteGuide from the v1alpha descriptors and call all four methods with JSON', async (t) => {
  const { ask, close } = openStream('v1alpha');
  const { root } = await resolveSymbol(ask, 'routeguide.RouteGuide');
  close();
  const guide = dynamicClient(root, 'routeguide.RouteGuide');

  const feature: any = await unary(guide, 'GetFeature', JSON.parse('{"latitude": 409146138, "longitude": -746188906}'));
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');

  const listed: any[] = await collect(
    guide.ListFeatures(
      JSON.parse(
        '{"lo": {"latitude": 407000000, "longitude": -747000000}, "hi": {"latitude": 408000000, "longitude": -746000000}}',
      ),
    ),
  );
  t.ok(listed.length > 0);
  for (const f of listed) t.ok(f.location.latitude >= 407000000 && f.location.latitude <= 408000000);

  const summary: any = await new Promise((resolve, reject) => {
    const call = guide.RecordRoute((err: Error | null, res: unknown) => (err ? reject(err) : resolve(res)));
    call.write(JSON.parse('{"latitude": 409146138, "longitude": -746188906}'));
    call.write(JSON.parse('{"latitude": 1, "longitude": 1}'));
    call.write(JSON.parse('{"latitude": 2, "longitude": 2}'));
    call.end();
  });
  t.equal(summary.point_count, 3, 'snake_case fields as in the .proto');
  t.equal(summary.feature_count, 1);

  const chat = guide.RouteChat();
  const notes = collect<any>(chat);
  chat.write(JSON.parse('{"location": {"latitude": 5, "longitude": 5}, "message": "a"}'));
  chat.write(JSON.parse('{"location": {"latitude": 5, "longitude": 5}, "message": "b"}'));
  chat.end();
  t.same(
    (await notes).map((n) => n.message),
    ['a', 'a', 'b'],
  );
});
