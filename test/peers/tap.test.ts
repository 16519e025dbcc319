// The wire tap between real peers, over real loopback sockets: it is transparent (the grpc-go
// example client and the Ruby interop client get exactly what they get directly; the bytes out
// equal the bytes in, 10 MiB each way, hashed on both sides), and it shows the calls — decoded by
// name through our server's reflection, through --proto files in front of the grpc-go server (which
// has no reflection), or as wire format without either — over h2c and over TLS on either side.

import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import net from 'node:net';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { upstreamSchemas } from '../../src/cli/tap-schemas.js';
import { Channel } from '../../src/client/channel.js';
import { loadProtoFiles } from '../../src/protocol/schema.js';
import { PROTO_DIR } from '../../src/paths.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import { addReflection } from '../../src/services/reflection/index.js';
import {
  DEFAULT_FEATURE_DB,
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
} from '../../src/services/routeguide/index.js';
import { INTEROP_CASES, testServiceDefinition, testServiceHandlers } from '../../src/services/testing/index.js';
import type { FrameEvent, MessageEvent, TapEvent } from '../../src/wire/events.js';
import { ndjsonLine } from '../../src/wire/render/ndjson.js';
import { startTap, type TapOptions } from '../../src/wire/tap.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { goRouteGuideBinaries, runGoClient, startGoServer } from '../helpers/go.js';
import { bulkEcho } from '../helpers/bulk-echo.js';
import { hashingRelay, seenOnBothSides } from '../helpers/hashing-relay.js';
import { collect, grpcJsRouteGuideClient, unary } from '../helpers/grpc-js.js';
import { findRubyInterop } from '../helpers/ruby.js';
import { waitFor } from '../helpers/processes.js';
import { makeCertificate } from '../helpers/tls-cert.js';

t.setTimeout(240_000);

const bins = goRouteGuideBinaries(); // throws under CI=true when Go is unavailable
const goSkip = 'skip' in bins ? bins.skip : false;
const ruby = findRubyInterop();
const rubySkip = 'skip' in ruby ? `Ruby interop peer unavailable: ${ruby.skip}` : false;

/** Our RouteGuide server with reflection, fresh (no RouteChat notes yet). */
async function ourServer(t: Test, tls?: { cert: Buffer; key: Buffer }): Promise<number> {
  const server = new Server({ onHandlerError: () => {}, tls });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  addReflection(server);
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close(0));
  return port;
}

/** How the tap in this process is run: its options, and the schemas `routeguide tap` would give it. */
type TapSetup = Partial<TapOptions> &
  Omit<Parameters<typeof upstreamSchemas>[0], 'upstream' | 'reflection'> & { reflection?: boolean };

/**
 * The tap in this process, in front of 127.0.0.1:`upstream`, given its schemas as `routeguide tap`
 * gives them (--proto files, then the upstream's reflection unless `reflection` is false); its events
 * collected.
 */
async function tap(t: Test, upstream: number, setup: TapSetup = {}): Promise<{ port: number; events: TapEvent[] }> {
  const { protoRoot, reflection = true, ...options } = setup;
  const events: TapEvent[] = [];
  const target = { host: '127.0.0.1', port: upstream };
  const schemas = upstreamSchemas({ upstream: target, upstreamTls: options.upstreamTls, protoRoot, reflection });
  t.teardown(() => schemas.close());
  const running = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: target,
    schemas: schemas.source,
    emit: (e) => events.push(e),
    ...options,
  });
  t.teardown(() => running.close());
  return { port: running.address.port, events };
}

const frames = (events: TapEvent[]) => events.filter((e): e is FrameEvent => e.kind === 'frame');
const messages = (events: TapEvent[]) => events.filter((e): e is MessageEvent => e.kind === 'message');
const ofKind = (events: TapEvent[], kind: TapEvent['kind']) => events.filter((e) => e.kind === kind);
const header = (f: FrameEvent, name: string) => f.headers?.find(([n]) => n === name)?.[1];

/**
 * Until the tap has summed up every call it saw begin (a stream the client opened with HEADERS). The
 * events held behind a message that waits for reflection come out at once when it answers, so a
 * call is never seen begun without the events that came before its summary.
 */
const settle = (...eventLists: TapEvent[][]) =>
  waitFor('a summary of every call the tap saw begin', () =>
    eventLists.every((events) => {
      const begun = new Set(
        frames(events)
          .filter((f) => f.dir === 'c2s' && f.type === 'HEADERS')
          .map((f) => `${f.conn} ${f.stream}`),
      );
      return begun.size > 0 && ofKind(events, 'call').length >= begun.size;
    }),
  );

// Go's log prefix and the random double spaces of its text format, as test/interop/go-client.test.ts.
const normalize = (output: string) =>
  output
    .split('\n')
    .map((l) =>
      l
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)? /, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((l) => l !== '');
// RecordRoute sends random points: its two lines differ from run to run.
const deterministic = (lines: string[]) => lines.filter((l) => !/^(Traversing \d+ points|Route summary)/.test(l));

t.test(
  'grpc-go example client → tap → our server: the same output as directly, every call decoded',
  { skip: goSkip },
  async (t) => {
    if ('skip' in bins) return;
    const direct = await runGoClient(bins.client, ['-server_addr', `127.0.0.1:${await ourServer(t)}`], 30_000);
    const { port, events } = await tap(t, await ourServer(t));
    const tapped = await runGoClient(bins.client, ['-server_addr', `127.0.0.1:${port}`], 30_000);
    t.equal(tapped.code, 0, 'the client succeeds through the tap', { stderr: tapped.stderr });
    t.equal(direct.code, 0, 'and directly');
    t.same(
      deterministic(normalize(tapped.stderr)),
      deterministic(normalize(direct.stderr)),
      'it prints exactly the same',
    );
    t.same(
      normalize(tapped.stderr).filter((l) => l.startsWith('Got message')),
      CANONICAL_CHAT_LINES,
    );
    // The client has exited: its connection's close event comes after all the others.
    await waitFor('the close event', () => events.some((e) => e.kind === 'connection' && e.type === 'close'));

    // As --json writes them: one NDJSON line per event, each parsing back into the event.
    const ndjson = events.map((e) => JSON.parse(ndjsonLine(e)) as TapEvent);
    t.same(ndjson, events, 'every event survives its NDJSON line unchanged');
    const chatHeaders = frames(ndjson).find(
      (f) => f.type === 'HEADERS' && f.dir === 'c2s' && header(f, ':path') === '/routeguide.RouteGuide/RouteChat',
    );
    t.ok(chatHeaders, 'a HEADERS with :path /routeguide.RouteGuide/RouteChat');
    t.equal(header(chatHeaders!, 'te'), 'trailers');
    const chat = chatHeaders!.stream;
    const notes = messages(ndjson).filter((m) => m.stream === chat);
    const text = (m: MessageEvent) => {
      const note = m.message as { message: string; location: { latitude?: number; longitude: number } };
      return `${note.message} at point(${note.location.latitude ?? 0}, ${note.location.longitude})`;
    };
    t.same(
      notes.filter((m) => m.dir === 'c2s').map(text),
      ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map(
        (n, i) => `${n} message at point(0, ${(i % 3) + 1})`,
      ),
      'the six canonical notes, client → server',
    );
    t.same(
      notes.filter((m) => m.dir === 's2c').map((m) => `Got message ${text(m)}`),
      CANONICAL_CHAT_LINES,
      'the nine replies, server → client',
    );
    t.ok(
      notes.every(
        (m) =>
          m.messageType === 'routeguide.RouteNote' &&
          m.schema === 'reflection' &&
          m.method === '/routeguide.RouteGuide/RouteChat',
      ),
      'decoded by name through reflection',
    );
    const trailers = frames(ndjson).find((f) => f.stream === chat && f.dir === 's2c' && f.flags.includes('END_STREAM'));
    t.equal(trailers && header(trailers, 'grpc-status'), '0', 'trailers with grpc-status 0');
    t.match(
      ofKind(ndjson, 'call').map((c) => [(c as { method: string }).method, (c as { statusName: string }).statusName]),
      [
        ['/routeguide.RouteGuide/GetFeature', 'OK'],
        ['/routeguide.RouteGuide/GetFeature', 'OK'],
        ['/routeguide.RouteGuide/ListFeatures', 'OK'],
        ['/routeguide.RouteGuide/RecordRoute', 'OK'],
        ['/routeguide.RouteGuide/RouteChat', 'OK'],
      ],
    );
    t.same(
      ofKind(ndjson, 'warning').concat(ofKind(ndjson, 'error')),
      [],
      'grpc-go and our server follow the spec: nothing flagged',
    );
    t.match(ndjson.at(-1), { kind: 'connection', type: 'close' });
  },
);

t.test(
  'our client → tap → grpc-go example server (no reflection): --proto files, else the wire format',
  { skip: goSkip },
  async (t) => {
    if ('skip' in bins) return;
    const go = await startGoServer(bins.server, 0, DEFAULT_FEATURE_DB);
    t.teardown(() => go.stop());
    const chatThrough = async (options: TapSetup) => {
      const { port, events } = await tap(t, go.port, options);
      const channel = new Channel(`127.0.0.1:${port}`);
      t.teardown(() => channel.close());
      const chat = routeGuideClient(channel).routeChat();
      await chat.send({ location: { latitude: 7, longitude: 8 }, message: 'through the tap' });
      chat.closeSend();
      const replies = [];
      for await (const n of chat) replies.push(n.message);
      await settle(events);
      return { replies, events };
    };

    const withProto = await chatThrough({ protoRoot: loadProtoFiles(join(PROTO_DIR, 'route_guide.proto')) });
    t.same(withProto.replies, ['through the tap'], 'the call works through the tap');
    t.match(messages(withProto.events), [
      {
        dir: 'c2s',
        schema: 'proto',
        messageType: 'routeguide.RouteNote',
        message: { location: { latitude: 7, longitude: 8 }, message: 'through the tap' },
      },
      { dir: 's2c', schema: 'proto', messageType: 'routeguide.RouteNote' },
    ]);

    const bare = await chatThrough({});
    const [request] = messages(bare.events);
    t.match(request, {
      schema: 'none',
      messageType: undefined,
      wireFields: [
        {
          field: 1,
          wire: 'len',
          message: [
            { field: 1, wire: 'varint', value: 7 },
            { field: 2, wire: 'varint', value: 8 },
          ],
        },
        { field: 2, wire: 'len', string: 'through the tap' },
      ],
      note: /the server has no reflection \(v1 and v1alpha: UNIMPLEMENTED\)/,
    });
    t.match(ofKind(bare.events, 'call'), [{ method: '/routeguide.RouteGuide/RouteChat', status: 0 }]);
  },
);

t.test('grpc-js client → tap → our server: its HPACK (dynamic table, Huffman) and its calls decoded', async (t) => {
  const { port, events } = await tap(t, await ourServer(t));
  const client = grpcJsRouteGuideClient(port);
  t.teardown(() => client.close());
  const feature = await unary<{ name: string }>(client, 'GetFeature', { latitude: 409146138, longitude: -746188906 });
  const again = await unary<{ name: string }>(client, 'GetFeature', { latitude: 409146138, longitude: -746188906 });
  t.equal(again.name, feature.name);
  const chat = client.RouteChat();
  chat.write({ location: { latitude: 0, longitude: 1 }, message: 'from grpc-js' });
  chat.end();
  t.same(
    (await collect<{ message: string }>(chat)).map((n) => n.message),
    ['from grpc-js'],
  );
  await settle(events);
  const requests = frames(events).filter((f) => f.type === 'HEADERS' && f.dir === 'c2s');
  t.equal(requests.length, 3);
  t.ok(
    requests[1].headers!.some(([, , how]) => how.startsWith('indexed (dynamic')),
    'the second request reuses the dynamic table',
  );
  t.ok(
    requests[0].headers!.some(([, , how]) => how.endsWith('value Huffman')),
    'and sends Huffman-coded values',
  );
  t.match(
    messages(events).map((m) => [m.dir, m.messageType, m.schema]),
    [
      ['c2s', 'routeguide.Point', 'reflection'],
      ['s2c', 'routeguide.Feature', 'reflection'],
      ['c2s', 'routeguide.Point', 'reflection'],
      ['s2c', 'routeguide.Feature', 'reflection'],
      ['c2s', 'routeguide.RouteNote', 'reflection'],
      ['s2c', 'routeguide.RouteNote', 'reflection'],
    ],
  );
  t.same(ofKind(events, 'error'), []);
});

t.test('a client that leaves out te: trailers is flagged', async (t) => {
  const { port, events } = await tap(t, await ourServer(t));
  const session = http2.connect(`http://127.0.0.1:${port}`);
  t.teardown(() => session.close());
  const request = session.request({
    ':method': 'POST',
    ':path': '/routeguide.RouteGuide/GetFeature',
    'content-type': 'application/grpc',
  });
  request.end(Buffer.from([0, 0, 0, 0, 0]));
  request.resume();
  await new Promise((resolve) => request.on('close', resolve));
  await settle(events);
  t.match(ofKind(events, 'warning'), [
    { dir: 'c2s', stream: 1, rule: 'PROTOCOL-HTTP2 Requests', note: /te: trailers is missing/ },
  ]);
});

t.test('the bytes out equal the bytes in: a 10 MiB bidi call, hashed on both sides of the tap', async (t) => {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(testServiceDefinition(), testServiceHandlers());
  addReflection(server);
  const serverPort = (await server.listen(0, '127.0.0.1')).port;
  t.teardown(() => server.close(0));
  const inner = await hashingRelay(t, serverPort); // between the tap and the server
  // Types from the .proto: reflection would open a second connection through `inner`.
  const { port: tapPort, events } = await tap(t, inner.port, {
    reflection: false,
    protoRoot: testServiceDefinition().service.root,
  });
  const outer = await hashingRelay(t, tapPort); // between the client and the tap

  const channel = new Channel(`127.0.0.1:${outer.port}`);
  t.teardown(() => channel.close());
  const N = 160;
  const SIZE = 64 * 1024;
  const received = await bulkEcho(channel, N, SIZE);
  const seen = await seenOnBothSides(inner, outer);
  channel.close();
  await settle(events);
  t.equal(received, N * SIZE, '10 MiB came back');
  t.ok(seen.outer.c2s > N * SIZE && seen.outer.s2c > N * SIZE, 'more than 10 MiB each way');
  t.equal(seen.inner.c2s, seen.outer.c2s, 'client → server: as many bytes out of the tap as into it');
  t.equal(seen.inner.s2c, seen.outer.s2c, 'server → client: likewise');
  t.equal(seen.inner.c2sHash, seen.outer.c2sHash, 'client → server: the same SHA-256');
  t.equal(seen.inner.s2cHash, seen.outer.s2cHash, 'server → client: the same SHA-256');
  const decoded = messages(events);
  t.equal(decoded.filter((m) => m.dir === 'c2s').length, N, `all ${N} requests decoded`);
  t.equal(decoded.filter((m) => m.dir === 's2c').length, N, `all ${N} responses decoded`);
  t.ok(
    decoded.some((m) => m.frames > 1),
    'messages over 16 KiB are spread over several DATA frames',
  );
  t.match(decoded[0], { messageType: 'grpc.testing.StreamingOutputCallRequest', truncated: /^\{"responseParameters"/ });
  t.same(ofKind(events, 'error'), []);
});

t.test(
  'Ruby interop client → tap → our interop server: every case passes, as it does directly (interop/ruby.test.ts)',
  { skip: rubySkip },
  async (t) => {
    if ('skip' in ruby) return;
    const server = new Server({ onHandlerError: () => {} });
    server.addService(testServiceDefinition(), testServiceHandlers());
    addReflection(server);
    const serverPort = (await server.listen(0, '127.0.0.1')).port;
    t.teardown(() => server.close(0));
    const { port: tapPort, events } = await tap(t, serverPort);
    const cases = INTEROP_CASES.filter(
      (c) => !['special_status_message', 'server_compressed_unary', 'server_compressed_streaming'].includes(c),
    );
    const run = (port: number, name: string) =>
      new Promise<boolean>((resolve) =>
        execFile(
          'ruby',
          [ruby.clientRb, '--server_host=127.0.0.1', `--server_port=${port}`, `--test_case=${name}`],
          { timeout: 30_000 },
          (error, stdout, stderr) => resolve(!error && `${stdout}${stderr}`.includes(`"OK: ${name}"`)),
        ),
      );
    // Two at a time: each run is a Ruby process of its own.
    for (let i = 0; i < cases.length; i += 2) {
      const pair = cases.slice(i, i + 2);
      const passed = await Promise.all(pair.map((name) => run(tapPort, name)));
      pair.forEach((name, j) => t.ok(passed[j], `${name} passes through the tap`));
    }
    await settle(events);
    t.ok(ofKind(events, 'call').length >= cases.length, 'every call is summed up');
    t.same(ofKind(events, 'error'), [], 'nothing undecodable');
  },
);

t.test('TLS: terminated at the tap (ALPN h2), and made again towards a TLS server', async (t) => {
  const cert = makeCertificate('localhost', ['IP:127.0.0.1']);
  // Client --TLS--> tap --h2c--> server
  const plainPort = await ourServer(t);
  const terminating = await tap(t, plainPort, { tls: { cert: cert.cert, key: cert.key } });
  const secureClient = new Channel(`localhost:${terminating.port}`, { tls: { ca: cert.cert } });
  t.teardown(() => secureClient.close());
  const feature = await routeGuideClient(secureClient).getFeature({ latitude: 409146138, longitude: -746188906 });
  t.equal(feature.name, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');

  // Client --h2c--> tap --TLS--> server (reflection goes over TLS too)
  const tlsPort = await ourServer(t, { cert: cert.cert, key: cert.key });
  const originating = await tap(t, tlsPort, { upstreamTls: { ca: cert.cert, serverName: 'localhost' } });
  const plainClient = new Channel(`127.0.0.1:${originating.port}`);
  t.teardown(() => plainClient.close());
  const again = await routeGuideClient(plainClient).getFeature({ latitude: 409146138, longitude: -746188906 });
  t.equal(again.name, feature.name);
  await settle(terminating.events, originating.events);

  t.match(terminating.events[0], {
    kind: 'connection',
    type: 'open',
    tls: { client: { alpn: 'h2', protocol: /^TLSv1\.[23]$/ } },
  });
  t.match(originating.events[0], { kind: 'connection', type: 'open', tls: { upstream: { alpn: 'h2' } } });
  for (const { events } of [terminating, originating]) {
    t.match(messages(events), [
      { dir: 'c2s', schema: 'reflection', messageType: 'routeguide.Point' },
      { dir: 's2c', schema: 'reflection', messageType: 'routeguide.Feature', message: { name: feature.name } },
    ]);
  }
});

t.test('an upstream that is down: the client sees the connection close, the tap says why', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const { port, events } = await tap(t, deadPort);
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  await t.rejects(routeGuideClient(channel).getFeature({ latitude: 1, longitude: 1 }, { timeoutMs: 5000 }), {
    code: Status.UNAVAILABLE,
  });
  t.match(events.at(-1), { kind: 'connection', type: 'close', reason: /ECONNREFUSED/ });
});
