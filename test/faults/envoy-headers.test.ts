// Faults a request asks for with Envoy's headers (`routeguide tap --fault-headers`), end to end: our
// client and python grpcio (a process) put x-envoy-fault-* on one call, and that call alone gets
// the fault — a gRPC status, an HTTP status, a delay past its deadline, a response slowed past its
// deadline — each with its -percentage form; a value that is not a number is reported and ignored;
// without --fault-headers the headers are only headers. Deadlines, not clocks, tell a delay.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { faultTap, ofKind } from '../helpers/fault-peers.js';
import { startTestServer } from '../helpers/test-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const POINT = { latitude: 409146138, longitude: -746188906 };
const WHOLE_MAP = {
  lo: { latitude: 400000000, longitude: -750000000 },
  hi: { latitude: 420000000, longitude: -730000000 },
};

const server = await startTestServer();
t.teardown(server.close);

/** How a call ended: OK, or the name of its status and its message. */
const outcome = (call: Promise<unknown>) =>
  call.then(
    () => 'OK',
    (error: unknown) => (error instanceof GrpcError ? `${error.codeName}: ${error.details}` : String(error)),
  );

t.test('our client: each header, its -percentage form, a bad value, and no --fault-headers', async (t) => {
  const tap = await faultTap(t, server.port, [], { headerFaults: true, seed: 3 });
  const channel = new Channel(`127.0.0.1:${tap.port}`);
  t.teardown(() => channel.close());
  const client = routeGuideClient(channel);
  const get = (headers: Record<string, string>, timeoutMs = 5000) =>
    outcome(client.getFeature(POINT, { timeoutMs, metadata: new Metadata(headers) }));
  const list = (headers: Record<string, string>, timeoutMs: number) =>
    outcome(
      (async () => {
        for await (const feature of client.listFeatures(WHOLE_MAP, { timeoutMs, metadata: new Metadata(headers) }))
          void feature;
      })(),
    );

  t.match(
    await get({ 'x-envoy-fault-abort-grpc-request': '14' }),
    /^UNAVAILABLE: fault injected by the tap \(x-envoy-fault-abort-grpc-request\)$/,
    'abort-grpc-request: that status',
  );
  t.equal(await get({}), 'OK', 'the next call, without the header, is not touched');
  t.equal(
    await get({ 'x-envoy-fault-abort-grpc-request': '14', 'x-envoy-fault-abort-request-percentage': '0' }),
    'OK',
    'abort at 0 percent: never',
  );
  t.match(
    await get({ 'x-envoy-fault-abort-request': '503' }),
    /^UNAVAILABLE: /,
    'abort-request 503: an HTTP response of that status, which a client reads as UNAVAILABLE',
  );
  t.match(
    await get({ 'x-envoy-fault-abort-request': '404' }),
    /^UNIMPLEMENTED: /,
    'abort-request 404: UNIMPLEMENTED (PROTOCOL-HTTP2, HTTP to gRPC status)',
  );
  t.match(
    await get({ 'x-envoy-fault-delay-request': '1500' }, 400),
    /^DEADLINE_EXCEEDED/,
    'delay-request: held past a 400 ms deadline',
  );
  t.equal(
    await get({ 'x-envoy-fault-delay-request': '1500', 'x-envoy-fault-delay-request-percentage': '0' }, 400),
    'OK',
  );
  t.equal(await list({}, 3000), 'OK', 'ListFeatures over the whole map within 3 s');
  t.match(
    await list({ 'x-envoy-fault-throughput-response': '1' }, 3000),
    /^DEADLINE_EXCEEDED/,
    'throughput-response 1 KiB/s: not within 3 s',
  );
  t.equal(
    await list({ 'x-envoy-fault-throughput-response': '1000' }, 3000),
    'OK',
    'throughput-response 1000 KiB/s: the response whole, in paced frames',
  );
  t.equal(await get({ 'x-envoy-fault-abort-grpc-request': 'soon' }), 'OK', 'a value that is not a number: no fault');
  t.ok(
    ofKind(tap.events, 'fault').some(
      (e) => e.action === 'skip' && e.fault === 'x-envoy-fault-abort-grpc-request: soon',
    ),
    'and the tap says so',
  );

  const plain = await faultTap(t, server.port, 'latency:time=0ms');
  const direct = new Channel(`127.0.0.1:${plain.port}`);
  t.teardown(() => direct.close());
  t.equal(
    await outcome(
      routeGuideClient(direct).getFeature(POINT, {
        metadata: new Metadata({ 'x-envoy-fault-abort-grpc-request': '14' }),
      }),
    ),
    'OK',
    'without --fault-headers the header is only a header',
  );
});

/** One GetFeature from python grpcio (C-core) with `metadata`; its status code name and details. */
function pythonGetFeature(port: number, metadata: [string, string][]): Promise<string> {
  const Point = protobuf.loadSync(join(ROOT, 'proto', 'route_guide.proto')).lookupType('routeguide.Point');
  const request = Buffer.from(Point.encode(Point.fromObject(POINT)).finish()).toString('hex');
  const script = `
import json, sys, grpc
channel = grpc.insecure_channel(sys.argv[1])
try:
    channel.unary_unary('/routeguide.RouteGuide/GetFeature')(bytes.fromhex(sys.argv[2]), timeout=10, metadata=[tuple(p) for p in json.loads(sys.argv[3])])
    print('OK')
except grpc.RpcError as e:
    print(e.code().name + ': ' + (e.details() or ''))
`;
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script, `127.0.0.1:${port}`, request, JSON.stringify(metadata)]);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`python3 exited ${code}: ${err}`)),
    );
  });
}

t.test('python grpcio asks for a fault on one call', async (t) => {
  const tap = await faultTap(t, server.port, [], { headerFaults: true });
  t.equal(
    await pythonGetFeature(tap.port, [['x-envoy-fault-abort-grpc-request', '8']]),
    'RESOURCE_EXHAUSTED: fault injected by the tap (x-envoy-fault-abort-grpc-request)',
  );
  t.equal(await pythonGetFeature(tap.port, []), 'OK', 'and the call without it succeeds');
});
