// The deployment of docs/deployment.md, run for real: redis-server, two `routeguide serve --store redis://…`
// backends (the compiled CLI) and nginx with deploy/nginx.conf in front, all on loopback ports picked
// here. Through nginx: the grpc-go example client prints the canonical output; two RouteChat calls
// on different backends share their notes; status codes and trailers arrive as the backends sent
// them (Trailers-Only included); health can be checked; a backend killed mid-test is stepped around.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Channel, createClient, Status, type GenericClient } from '../../src/client/index.js';
import { healthDefinition } from '../../src/services/health/index.js';
import { routeGuideClient, routeGuideDefinition, type RouteGuideClient } from '../../src/services/routeguide/index.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { chatLines } from '../helpers/chat.js';
import { builtCli } from '../helpers/cli-build.js';
import { goRouteGuideBinaries, runGoClient } from '../helpers/go.js';
import { DEPLOY_NGINX_CONF, nginxSkipReason, startNginx, type TestNginx } from '../helpers/nginx.js';
import { closeRaw, connectRaw, frame, grpcStatus, openRaw, rawRequest, type RawResult } from '../helpers/raw-h2.js';
import { start, type Started, untracked, waitFor, waitForOutput } from '../helpers/processes.js';
import { redisFor, redisSkipReason } from '../helpers/redis.js';

t.setTimeout(240_000); // a cold Go build and the CLI build take a while on a busy machine
// Each test deploys its own Redis, backends and nginx on ports of their own: they run side by side.
t.jobs = 4;

const skip = nginxSkipReason() ?? redisSkipReason() ?? false;
const bins = goRouteGuideBinaries(); // throws under CI=true when Go is unavailable
const CLI = skip ? '' : builtCli();

interface Backend {
  port: number;
  process: Started;
}

/** `routeguide serve` on the Redis store, on a port it picks; stopped at teardown. */
async function backend(t: Test, redisUrl: string, keyPrefix: string): Promise<Backend> {
  const process_ = start(
    ...untracked(process.execPath, [CLI, 'serve', '--port', '0', '--store', redisUrl, '--key-prefix', keyPrefix]),
  );
  t.teardown(() => process_.stop('SIGKILL'));
  const listening = await waitForOutput(process_, /^listening on 127\.0\.0\.1:(\d+)$/m);
  return { port: Number(listening[1]), process: process_ };
}

interface Deployment {
  backends: Backend[];
  nginx: TestNginx;
  /** A client whose calls all go through nginx on one connection. */
  client: RouteGuideClient;
  channel: Channel;
}

/** Redis, two backends sharing it (with a key prefix of their own), nginx in front. */
async function deploy(t: Test): Promise<Deployment> {
  const redis = await redisFor(t);
  const prefix = `deploy-${process.pid}-${Date.now()}:`;
  const backends = [await backend(t, redis.url, prefix), await backend(t, redis.url, prefix)];
  const nginx = await startNginx(
    t,
    backends.map((b) => b.port),
  );
  const channel = new Channel(`127.0.0.1:${nginx.port}`);
  t.teardown(() => channel.close());
  return { backends, nginx, client: routeGuideClient(channel), channel };
}

/** The access log's lines for `method`: the gRPC status, and the backends tried (", " between them). */
/**
 * The access log's lines for `method`, once it holds at least `count` of them (or after 5 s, what it
 * holds): nginx writes a request's line when it finalizes the request, which can be just after the
 * client has read the trailers.
 */
async function logged(
  nginx: TestNginx,
  method: string,
  count: number,
): Promise<{ grpcStatus: string; upstream: string }[]> {
  const read = () =>
    nginx
      .accessLog()
      .split('\n')
      .filter((line) => line.includes(`"POST /routeguide.RouteGuide/${method} HTTP/2.0"`))
      .map((line) => ({
        grpcStatus: /grpc-status=(\S*)/.exec(line)?.[1] ?? '',
        upstream: /upstream=(.*) time=/.exec(line)?.[1] ?? '',
      }));
  await waitFor(`${count} ${method} lines in nginx's access log`, () => read().length >= count, 5000).catch(() => {});
  return read();
}

t.test('docs/deployment.md shows deploy/nginx.conf as it is', async (t) => {
  const page = readFileSync(fileURLToPath(new URL('../../docs/deployment.md', import.meta.url)), 'utf8');
  const shown = /<!-- deploy\/nginx\.conf -->\n```nginx\n([^]*?)```/.exec(page)?.[1];
  t.equal(
    shown,
    readFileSync(DEPLOY_NGINX_CONF, 'utf8'),
    'the code block after <!-- deploy/nginx.conf --> is the file',
  );
});

const goSkip = skip || ('skip' in bins ? bins.skip : false);

t.test('the grpc-go example client through nginx prints the canonical output', { skip: goSkip }, async (t) => {
  if ('skip' in bins) return;
  const { nginx } = await deploy(t);
  const run = await runGoClient(bins.client, ['-server_addr', `127.0.0.1:${nginx.port}`], 60_000);
  t.equal(run.code, 0, 'exit code 0', { output: run.stderr });
  const lines = run.stderr
    .split('\n')
    .map((l) =>
      l
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)? /, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
  t.same(
    lines.filter((l) => l.startsWith('Got message')),
    CANONICAL_CHAT_LINES,
    'the nine canonical RouteChat replies',
  );
  t.same(
    lines.slice(0, 2),
    [
      'Getting feature for point (409146138, -746188906)',
      'name:"Berkshire Valley Management Area Trail, Jefferson, NJ, USA" location:{latitude:409146138 longitude:-746188906}',
    ],
    'GetFeature',
  );
  t.equal(lines.filter((l) => l.startsWith('Feature: ')).length, 100, 'ListFeatures: 100 features');
  t.match(lines.find((l) => l.startsWith('Route summary: ')) ?? '', /point_count:\d+/, 'RecordRoute');
  const expected = { GetFeature: 2, ListFeatures: 1, RecordRoute: 1, RouteChat: 1 };
  for (const [method, count] of Object.entries(expected))
    t.equal((await logged(nginx, method, count)).length, count, `every ${method} call went through nginx`);
});

t.test('two RouteChat calls on different backends share their notes', { skip }, async (t) => {
  const { nginx, client, backends } = await deploy(t);
  const note = (message: string) => ({ location: { latitude: 50, longitude: 50 }, message });
  // Two calls in a row on one connection to nginx: round robin sends them to the two backends.
  t.same(await chatLines(client, [note('first')]), ['Got message first at point(50, 50)']);
  t.same(await chatLines(client, [note('second')]), [
    'Got message first at point(50, 50)',
    'Got message second at point(50, 50)',
  ]);
  const calls = await logged(nginx, 'RouteChat', 2);
  t.equal(calls.length, 2);
  t.same(
    calls.map((c) => c.upstream).sort(),
    backends.map((b) => `127.0.0.1:${b.port}`).sort(),
    'served by the two backends, one each',
  );
  t.same(
    calls.map((c) => c.grpcStatus),
    ['0', '0'],
  );
});

/** The same request straight to a backend and through nginx. */
async function bothWays(backendPort: number, nginxPort: number, request: Parameters<typeof rawRequest>[1]) {
  const results: RawResult[] = [];
  for (const port of [backendPort, nginxPort]) {
    const session = await connectRaw(port);
    results.push(await rawRequest(session, request));
    await closeRaw(session);
  }
  return { direct: results[0], proxied: results[1] };
}

/** What a gRPC client reads from a response: the HTTP status, content-type, grpc-* fields, where they came. */
function grpcView(r: RawResult) {
  const pick = (h: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.entries(h ?? {}).filter(([k]) => k.startsWith('grpc-') || k === 'content-type'));
  return {
    status: r.status,
    trailersOnly: r.headersEndStream,
    headers: pick(r.headers),
    data: r.data.toString('hex'),
    trailers: r.trailers === undefined ? undefined : pick(r.trailers),
  };
}

t.test('status codes and trailers pass through nginx unchanged, Trailers-Only included', { skip }, async (t) => {
  const { nginx, backends } = await deploy(t);
  const method = (name: string) => routeGuideDefinition().methods.find((m) => m.name === name)!;
  const point = frame(method('GetFeature').request.serialize({ latitude: 409146138, longitude: -746188906 }));

  // An unknown method: Trailers-Only UNIMPLEMENTED.
  const unknown = await bothWays(backends[0].port, nginx.port, { path: '/routeguide.RouteGuide/Nope', body: point });
  t.same(grpcView(unknown.proxied), grpcView(unknown.direct), 'unknown method: the same response');
  t.equal(unknown.direct.headersEndStream, true, 'a Trailers-Only response');
  t.same(grpcStatus(unknown.proxied).code, Status.UNIMPLEMENTED);
  t.match(grpcStatus(unknown.proxied).message ?? '', /Nope/);

  // A malformed grpc-timeout: Trailers-Only INTERNAL.
  const badTimeout = await bothWays(backends[0].port, nginx.port, {
    path: '/routeguide.RouteGuide/GetFeature',
    headers: { 'grpc-timeout': '1x' },
    body: point,
  });
  t.same(grpcView(badTimeout.proxied), grpcView(badTimeout.direct), 'bad grpc-timeout: the same response');
  t.equal(badTimeout.proxied.headersEndStream, true, 'still Trailers-Only through nginx');
  t.same(grpcStatus(badTimeout.proxied).code, Status.INTERNAL);

  // A successful unary call: headers, one message, trailers with OK.
  const ok = await bothWays(backends[0].port, nginx.port, { path: '/routeguide.RouteGuide/GetFeature', body: point });
  t.same(grpcView(ok.proxied), grpcView(ok.direct), 'OK: the same headers, message and trailers');
  t.same(grpcStatus(ok.proxied).code, Status.OK);
  t.ok(ok.proxied.data.length > 5, 'the feature came back');

  // Messages, then an error status in the trailers: a RouteChat whose deadline passes while open.
  const note = frame(method('RouteChat').request.serialize({ location: { latitude: 1, longitude: 1 }, message: 'hi' }));
  const expired = await Promise.all(
    [backends[0].port, nginx.port].map(async (port) => {
      const session = await connectRaw(port);
      const call = openRaw(session, {
        path: '/routeguide.RouteGuide/RouteChat',
        headers: { 'grpc-timeout': '300m' },
        body: note,
        end: false,
      });
      const result = await call.result;
      await closeRaw(session);
      return result;
    }),
  );
  t.same(grpcStatus(expired[1]), grpcStatus(expired[0]), 'deadline exceeded: the same status and message');
  t.same(grpcStatus(expired[1]).code, Status.DEADLINE_EXCEEDED);
  t.ok(expired[1].trailers !== undefined && expired[1].data.length > 0, 'after a message, in trailers');
});

t.test('health through nginx; a killed backend is stepped around for new calls', { skip }, async (t) => {
  const { nginx, client, channel, backends } = await deploy(t);
  const health = createClient<GenericClient>(healthDefinition(), channel);
  const check = health.check as (request: { service: string }) => Promise<{ status: string | number }>;
  t.same(await check({ service: 'routeguide.RouteGuide' }), { status: 1 }, 'SERVING (through whichever backend)');

  await backends[1].process.stop('SIGKILL');
  const survivor = `127.0.0.1:${backends[0].port}`;
  for (let i = 0; i < 6; i++) {
    const feature = await client.getFeature({ latitude: 409146138, longitude: -746188906 });
    t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', `call ${i} answered`);
  }
  t.same(await chatLines(client, [{ location: { latitude: 9, longitude: 9 }, message: 'still here' }]), [
    'Got message still here at point(9, 9)',
  ]);
  t.same(await check({ service: '' }), { status: 1 }, 'health through the proxy: SERVING');
  const lastCalls = (await logged(nginx, 'GetFeature', 6)).slice(-6);
  t.ok(
    lastCalls.every((c) => c.upstream.endsWith(survivor) && c.grpcStatus === '0'),
    'every call ended OK on the surviving backend (a failed attempt on the dead one is logged before it)',
    { lastCalls },
  );
  t.match(nginx.errorLog(), /connect\(\) failed \(111: Connection refused\) while connecting to upstream/);
});
