// Every fault kind end to end between independent peers: grpc-go's client and nghttp2's h2load on
// one side, our server on the other, the tap in between with one fault. The faulted call gets what
// the fault makes of it (as grpc-go reports it), and then 100 further calls succeed on the same
// connection — on a new one after a GOAWAY or a TCP reset, which end the connection by design —
// while the tap's decoder, reading what each peer received, reports no warning or error the tap
// caused (a response ended without trailers is the one a fault makes on purpose).

import t, { type Test } from 'tap';
import { encodeEnvelope } from '../../framing/index.js';
import { Channel } from '../../src/client/channel.js';
import { Server } from '../../src/server/server.js';
import { routeGuideClient, routeGuideDefinition } from '../../src/services/routeguide/index.js';
import { testServiceDefinition, testServiceHandlers } from '../../src/services/testing/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import {
  faultTap,
  goFaultClient,
  ofKind,
  runGoFaultClient,
  runH2load,
  type GoOutcome,
} from '../helpers/fault-peers.js';
import { bulkEcho } from '../helpers/bulk-echo.js';
import { hashingRelay, seenOnBothSides } from '../helpers/hashing-relay.js';
import { startTestServer } from '../helpers/test-server.js';

t.setTimeout(240_000);

const go = goFaultClient(); // throws under CI=true when Go is unavailable
const goSkip = typeof go === 'string' ? false : go.skip;

interface Row {
  fault: string;
  /** The Go client's first call: get, list, chat or record. */
  first: 'get' | 'list' | 'chat' | 'record';
  /** What grpc-go makes of it. */
  expect: Partial<GoOutcome> & { code: string };
  /** The further calls run on a new connection (the fault ended the first by design). */
  newConnection?: boolean;
  /** What the tap's decoder rightly flags on the faulted stream. */
  warnings?: RegExp[];
  /** A check of the tap's events. */
  check?: (t: Test, events: TapEvent[]) => void;
}

const ROWS: Row[] = [
  { fault: 'rst-stream:code=NO_ERROR,max=1', first: 'get', expect: { code: 'Internal' } },
  {
    fault: 'rst-stream:code=REFUSED_STREAM,max=1',
    first: 'get',
    // REFUSED_STREAM: the server processed nothing, and grpc-go retries the call by itself.
    expect: { code: 'OK', messages: 1 },
  },
  {
    fault: 'rst-stream:code=CANCEL,when=bytes:s2c:50%,max=1',
    first: 'list',
    // grpc-go reports the message it was reading cut short, before the reset's CANCEL.
    expect: { code: 'Internal', message: 'unexpected EOF' },
  },
  {
    fault: 'abort:status=UNAVAILABLE,max=1',
    first: 'get',
    expect: { code: 'Unavailable', message: 'fault injected by the tap', messages: 0 },
  },
  {
    fault: 'abort:status=RESOURCE_EXHAUSTED,message=later%2C please,when=message:s2c:3,max=1',
    first: 'list',
    expect: { code: 'ResourceExhausted', message: 'later, please', messages: 3 },
  },
  {
    fault: 'drop-trailers:max=1',
    first: 'get',
    expect: { code: 'Internal' },
    warnings: [/the response ends on DATA, without trailers/],
  },
  { fault: 'drop-trailers:as=rst,code=INTERNAL_ERROR,max=1', first: 'get', expect: { code: 'Internal' } },
  {
    fault: 'goaway:when=request,close=300ms,max=1',
    first: 'chat',
    expect: { code: 'OK', messages: 3 },
    newConnection: true,
  },
  { fault: 'delay:for=300ms,max=1', first: 'get', expect: { code: 'OK' } },
  {
    fault: 'ping:to=both,count=3,when=request,max=1',
    first: 'get',
    expect: { code: 'OK' },
    check: (t, events) => {
      const reports = ofKind(events, 'fault').filter((e) => e.action === 'report');
      t.equal(reports.length, 6, 'three PINGs to each side, each answered');
      t.ok(
        reports.every((e) => typeof e.rttMs === 'number' && !/never/.test(e.note)),
        'with a round trip each',
      );
    },
  },
  { fault: 'max-streams:value=1', first: 'get', expect: { code: 'OK' } },
  { fault: 'pad-data:max=1', first: 'list', expect: { code: 'OK', messages: 100 } },
  { fault: 'latency:time=2ms,jitter=1ms', first: 'get', expect: { code: 'OK' } },
  { fault: 'bandwidth:rate=200KB', first: 'list', expect: { code: 'OK', messages: 100 } },
  { fault: 'slice:max-bytes=5', first: 'get', expect: { code: 'OK' } },
  { fault: 'reset-peer:max=1', first: 'get', expect: { code: 'Unavailable' }, newConnection: true },
  { fault: 'hang:for=300ms,max=1', first: 'get', expect: { code: 'OK' } },
];

/** h2load's request: GetFeature of a point with a feature, as a length-prefixed message. */
const REQUEST_BYTES = encodeEnvelope(
  routeGuideDefinition()
    .methods.find((m) => m.name === 'GetFeature')!
    .request.serialize({ latitude: 409146138, longitude: -746188906 }),
);

const { port: serverPort, close } = await startTestServer();
t.teardown(close);

/** Warnings and errors of the decoder, less those the row expects on its faulted stream. */
function unexpected(events: TapEvent[], expected: RegExp[] = []): string[] {
  return events
    .filter((e) => e.kind === 'warning' || e.kind === 'error')
    .map((e) => `${e.kind} s${e.stream ?? 0}: ${e.note}`)
    .filter((line) => !expected.some((re) => re.test(line)));
}

const connections = (events: TapEvent[]) => ofKind(events, 'connection').filter((e) => e.type === 'open').length;

for (const row of ROWS) {
  t.test(`${row.fault}: grpc-go`, { skip: goSkip }, async (t) => {
    const { port, events } = await faultTap(t, serverPort, row.fault);
    const outcomes = await runGoFaultClient(go as string, port, row.first, 100);
    t.match(outcomes[0], row.expect, `the faulted call: ${outcomes[0].code} ${outcomes[0].message ?? ''}`);
    const failed = outcomes.slice(1).filter((o) => o.code !== 'OK');
    t.same(failed, [], '100 further calls succeed');
    t.equal(outcomes.length, 101);
    if (row.fault.startsWith('delay') || row.fault.startsWith('hang'))
      t.ok(outcomes[0].ms >= 290, `held: the call took ${outcomes[0].ms} ms`);
    await settled(events);
    t.equal(
      connections(events),
      row.newConnection ? 2 : 1,
      row.newConnection ? 'on a new connection' : 'on the same connection',
    );
    t.same(unexpected(events, row.warnings), [], 'no warning the tap caused');
    t.ok(ofKind(events, 'fault').length > 0, 'the fault is in the events');
    row.check?.(t, events);
  });

  t.test(`${row.fault}: h2load`, async (t) => {
    const { port, events } = await faultTap(t, serverPort, row.fault);
    const first = await runH2load(port, 101, REQUEST_BYTES);
    if (row.newConnection) {
      // h2load stops at the end of its connection: the 100 further calls are a second run.
      t.ok(first.done < 101, `the first connection ended (${first.done} done, ${first.errored} errored)`);
      const again = await runH2load(port, 100, REQUEST_BYTES);
      t.equal(again.succeeded, 100, '100 further calls on a new connection');
    } else {
      t.equal(first.done, 101, 'every request done on the one connection');
    }
    await settled(events);
    const calls = ofKind(events, 'call');
    const ok = calls.filter((c) => c.status === 0).length;
    t.ok(ok >= 100, `the tap saw ${ok} calls end with grpc-status 0 (100 wanted after the fault)`);
    t.same(unexpected(events, row.warnings), [], 'no warning the tap caused');
    row.check?.(t, events);
  });
}

/** Until every connection through the tap has closed (the peers exited). */
async function settled(events: TapEvent[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = ofKind(events, 'connection').filter((e) => e.type === 'open').length;
    const closed = ofKind(events, 'connection').filter((e) => e.type === 'close').length;
    if (open === closed) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('faults that never fire: the bytes out equal the bytes in, 8 MiB each way, hashed on both sides', async (t) => {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(testServiceDefinition(), testServiceHandlers());
  const serverPort = (await server.listen(0, '127.0.0.1')).port;
  t.teardown(() => server.close(0));
  const inner = await hashingRelay(t, serverPort);
  // Faults of every trigger, none of which matches: the rewriter reads every frame and changes none.
  const { port: tapPort, events } = await faultTap(t, inner.port, [
    'abort:status=14,method=/nothing/*',
    'rst-stream:when=bytes:s2c:50%,header=x-never:*',
    'pad-data:conn=99',
    'goaway:when=calls:1000',
  ]);
  const outer = await hashingRelay(t, tapPort);
  const channel = new Channel(`127.0.0.1:${outer.port}`);
  t.teardown(() => channel.close());
  const N = 128;
  const SIZE = 64 * 1024;
  const received = await bulkEcho(channel, N, SIZE);
  const seen = await seenOnBothSides(inner, outer);
  channel.close();
  await settled(events);
  t.equal(received, N * SIZE);
  t.equal(seen.inner.c2s, seen.outer.c2s, 'client → server: as many bytes out of the tap as into it');
  t.equal(seen.inner.s2c, seen.outer.s2c, 'server → client: likewise');
  t.equal(seen.inner.c2sHash, seen.outer.c2sHash, 'client → server: the same SHA-256');
  t.equal(seen.inner.s2cHash, seen.outer.s2cHash, 'server → client: the same SHA-256');
  t.same(ofKind(events, 'fault'), [], 'no fault event');
  t.same(unexpected(events), []);
});

t.test(
  'a call whose response the tap holds past its deadline: the held frames are dropped, 100 calls follow',
  async (t) => {
    const { port, events } = await faultTap(t, serverPort, 'delay:for=1s,max=1');
    const channel = new Channel(`127.0.0.1:${port}`);
    t.teardown(() => channel.close());
    const client = routeGuideClient(channel);
    const point = { latitude: 409146138, longitude: -746188906 };
    await t.rejects(client.getFeature(point, { timeoutMs: 200 }), { code: 4 }, 'DEADLINE_EXCEEDED');
    for (let i = 0; i < 100; i++) await client.getFeature(point, { timeoutMs: 10_000 });
    channel.close();
    await settled(events);
    const dropped = ofKind(events, 'fault').filter((e) => e.action === 'drop' && e.stream === 1);
    t.ok(dropped.length > 0, 'what the tap held of stream 1 is dropped when the client resets it');
    t.equal(ofKind(events, 'call').filter((c) => c.status === 0).length, 100);
    t.same(unexpected(events), [], 'no warning the tap caused (nothing sent on the reset stream)');
  },
);
