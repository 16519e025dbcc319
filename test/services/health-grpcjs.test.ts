// grpc.health.v1.Health from @grpc/grpc-js: Check (per service, overall "", NOT_FOUND), Watch
// (current status at once, every change, SERVICE_UNKNOWN then the real status), and shutdown.

import t from 'tap';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import { addHealth, HEALTH_PROTO } from '../../src/services/health/index.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';
import { grpc, loadGrpcJsPackage, unary } from '../helpers/grpc-js.js';
import { queueIterator } from '../helpers/reflection.js';

async function start() {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  const health = addHealth(server);
  const { port } = await server.listen(0, '127.0.0.1');
  const pkg = loadGrpcJsPackage(HEALTH_PROTO) as any;
  const client = new pkg.grpc.health.v1.Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return { server, health, client };
}

/** A Watch call as an iterator of statuses, plus its final error. */
function watch(client: any, service: string) {
  const call = client.Watch({ service });
  const queue = queueIterator<string>();
  call.on('data', (m: { status: string }) => queue.push(m.status));
  call.on('error', (e: Error) => queue.end(e));
  call.on('end', () => queue.end());
  const next = async () => (await queue.iterator.next()).value;
  return { call, next, iterator: queue.iterator };
}

t.test('Check: overall and per-service status; NOT_FOUND for an unknown service', async (t) => {
  const { server, health, client } = await start();
  t.teardown(async () => {
    client.close();
    await server.close(0);
  });
  t.same(await unary(client, 'Check', { service: '' }), { status: 'SERVING' });
  t.same(await unary(client, 'Check', { service: 'routeguide.RouteGuide' }), { status: 'SERVING' });
  health.setStatus('routeguide.RouteGuide', 'NOT_SERVING');
  t.same(await unary(client, 'Check', { service: 'routeguide.RouteGuide' }), { status: 'NOT_SERVING' });
  await t.rejects(unary(client, 'Check', { service: 'no.such.Service' }), { code: Status.NOT_FOUND });
  health.clearStatus('routeguide.RouteGuide');
  await t.rejects(unary(client, 'Check', { service: 'routeguide.RouteGuide' }), { code: Status.NOT_FOUND });
});

t.test('Watch: current status, each change, SERVICE_UNKNOWN until known; stays open', async (t) => {
  const { server, health, client } = await start();
  t.teardown(async () => {
    client.close();
    await server.close(0);
  });
  const known = watch(client, 'routeguide.RouteGuide');
  t.equal(await known.next(), 'SERVING');
  health.setStatus('routeguide.RouteGuide', 'NOT_SERVING');
  t.equal(await known.next(), 'NOT_SERVING');
  health.setStatus('routeguide.RouteGuide', 'NOT_SERVING'); // no change, no message
  health.setStatus('routeguide.RouteGuide', 'SERVING');
  t.equal(await known.next(), 'SERVING');

  const later = watch(client, 'shop.Later');
  t.equal(await later.next(), 'SERVICE_UNKNOWN');
  health.setStatus('shop.Later', 'SERVING');
  t.equal(await later.next(), 'SERVING');
  known.call.cancel();
  later.call.cancel();
});

t.test('shutdown: every status turns NOT_SERVING (Watch sees it) before the drain', async (t) => {
  const { server, client } = await start();
  t.teardown(() => client.close());
  const overall = watch(client, '');
  t.equal(await overall.next(), 'SERVING');
  const closed = server.close(10_000);
  t.equal(await overall.next(), 'NOT_SERVING');
  // The watch then ends (UNAVAILABLE) rather than holding the drain for the whole grace period.
  await t.rejects(overall.iterator.next(), { code: Status.UNAVAILABLE });
  const started = Date.now();
  await closed;
  t.ok(Date.now() - started < 8000, 'the server closed without waiting out the grace period');
});
