// How our client settles a call's status, against a raw node:http2 server that writes each odd
// response by hand (PROTOCOL-HTTP2 "Responses", doc/http-grpc-status-mapping.md, doc/statuscodes.md).

import http2, {
  constants,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import { createServer, type Socket } from 'node:net';
import t, { type Test } from 'tap';
import { Channel, createClient, GrpcError, Metadata, Status } from '../../src/client/index.js';
import { VERSION } from '../../src/version.js';
import { probeDefinition } from '../helpers/test-server.js';

/** `drop()` destroys the TCP connection(s) under the server, as a crash or a network failure would. */
type Handler = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, drop: () => void) => void;

interface RawServer {
  port: number;
  /** Request headers of every stream, in arrival order. */
  requests: IncomingHttpHeaders[];
}

/** A raw h2c server on 127.0.0.1 answering every stream with `handler`. */
async function rawServer(t: Test, handler: Handler): Promise<RawServer> {
  const server = http2.createServer();
  const requests: IncomingHttpHeaders[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  const drop = () => {
    for (const socket of sockets) socket.destroy();
  };
  server.on('session', (s) => {
    sessions.add(s);
    s.on('error', () => {});
    s.on('close', () => sessions.delete(s));
  });
  server.on('stream', (stream, headers) => {
    requests.push(headers);
    stream.on('error', () => {});
    handler(stream, headers, drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as { port: number }).port, requests };
}

/** testsvc.Probe client on a fresh channel to `port`. */
function probeClient(t: Test, port: number): any {
  const channel = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => channel.close());
  return createClient<any>(probeDefinition(), channel);
}

const unaryMethod = () => probeDefinition().methods.find((m) => m.name === 'Unary')!;
/** One Length-Prefixed-Message holding a testsvc.Msg. */
function msgFrame(text: string): Buffer {
  const body = Buffer.from(unaryMethod().response.serialize({ text }));
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(body.length, 1);
  return Buffer.concat([prefix, body]);
}

const GRPC_200 = { ':status': 200, 'content-type': 'application/grpc' };

/** Responds with headers, the given messages and the trailers. */
function respond(
  stream: ServerHttp2Stream,
  messages: Buffer[],
  trailers: Record<string, string>,
  headers: Record<string, string | number> = GRPC_200,
): void {
  stream.respond(headers, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers(trailers));
  for (const m of messages) stream.write(m);
  stream.end();
}

/** Runs a unary call and returns its error (or fails the test when it resolves). */
async function unaryError(t: Test, port: number): Promise<GrpcError> {
  try {
    const res = await probeClient(t, port).unary({ text: 'ping' }, { timeoutMs: 5000 });
    t.fail(`expected an error, got ${JSON.stringify(res)}`);
  } catch (error) {
    t.type(error, GrpcError);
    return error as GrpcError;
  }
  return new GrpcError(Status.OK, 'unreachable');
}

// The special message of the interop tests, percent-encoded by hand (UTF-8 bytes, uppercase hex).
const SPECIAL = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';
const SPECIAL_ENCODED = '%09%0Atest with whitespace%0D%0Aand Unicode BMP %E2%98%BA and non-BMP %F0%9F%98%88%09%0A';

t.test('grpc-status 0 in the trailers: the unary response', async (t) => {
  const server = await rawServer(t, (s) => respond(s, [msgFrame('pong')], { 'grpc-status': '0' }));
  t.same(await probeClient(t, server.port).unary({ text: 'ping' }), {
    text: 'pong',
    payload: Buffer.alloc(0),
    count: 0,
  });
});

t.test('non-OK grpc-status in the trailers, percent-encoded grpc-message decoded exactly', async (t) => {
  const server = await rawServer(t, (s) =>
    respond(s, [], { 'grpc-status': String(Status.INVALID_ARGUMENT), 'grpc-message': SPECIAL_ENCODED }),
  );
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.INVALID_ARGUMENT);
  t.equal(error.details, SPECIAL);
});

t.test('Trailers-Only: the status and metadata come in the only HEADERS frame', async (t) => {
  const server = await rawServer(t, (s) =>
    s.respond(
      { ...GRPC_200, 'grpc-status': String(Status.NOT_FOUND), 'grpc-message': 'no%20such thing', 'x-why': 'missing' },
      { endStream: true },
    ),
  );
  const call = probeClient(t, server.port).unary({ text: 'ping' });
  await t.rejects(call, { code: Status.NOT_FOUND, details: 'no such thing' });
  const status = await call.status;
  t.equal(status.metadata.first('x-why'), 'missing', 'trailer metadata from the Trailers-Only headers');
  t.equal((await call.trailers).first('x-why'), 'missing');
  t.equal((await call.headers).size, 0, 'no response header metadata in a Trailers-Only response');
});

// doc/http-grpc-status-mapping.md: HTTP status without grpc-status.
const HTTP_CASES: [number, number][] = [
  [404, Status.UNIMPLEMENTED],
  [503, Status.UNAVAILABLE],
  [429, Status.UNAVAILABLE],
  [431, Status.INTERNAL],
  [401, Status.UNAUTHENTICATED],
  [500, Status.UNKNOWN],
];
for (const [httpStatus, code] of HTTP_CASES) {
  t.test(`HTTP ${httpStatus} without grpc-status → ${code}`, async (t) => {
    const server = await rawServer(t, (s) => {
      s.respond({ ':status': httpStatus, 'content-type': 'text/plain' });
      s.end('not gRPC');
    });
    const error = await unaryError(t, server.port);
    t.equal(error.code, code);
    t.match(error.details, String(httpStatus), 'the message names the HTTP status');
  });
}

t.test('a non-200 HTTP status with grpc-status: grpc-status wins', async (t) => {
  const server = await rawServer(t, (s) =>
    s.respond(
      {
        ':status': 503,
        'content-type': 'application/grpc',
        'grpc-status': String(Status.PERMISSION_DENIED),
        'grpc-message': 'no',
      },
      { endStream: true },
    ),
  );
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.PERMISSION_DENIED);
  t.equal(error.details, 'no');
});

t.test('HTTP 200 with a non-gRPC content-type → UNKNOWN', async (t) => {
  const server = await rawServer(t, (s) => {
    s.respond({ ':status': 200, 'content-type': 'text/html' });
    s.end('<html></html>');
  });
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.UNKNOWN);
  t.match(error.details, 'text/html');
});

// PROTOCOL-HTTP2 "Errors": RST_STREAM codes without any status.
const RST_CASES: [string, number, number][] = [
  ['REFUSED_STREAM', constants.NGHTTP2_REFUSED_STREAM, Status.UNAVAILABLE],
  ['CANCEL', constants.NGHTTP2_CANCEL, Status.CANCELLED],
  ['ENHANCE_YOUR_CALM', constants.NGHTTP2_ENHANCE_YOUR_CALM, Status.RESOURCE_EXHAUSTED],
  ['INTERNAL_ERROR', constants.NGHTTP2_INTERNAL_ERROR, Status.INTERNAL],
];
for (const [name, rst, code] of RST_CASES) {
  t.test(`RST_STREAM ${name} before any response → ${code}`, async (t) => {
    const server = await rawServer(t, (s) => s.close(rst));
    t.equal((await unaryError(t, server.port)).code, code);
  });
  t.test(`RST_STREAM ${name} after the response headers and a message → ${code}`, async (t) => {
    // A bidi call that has not half-closed: Node sends the RST only while the request is still open.
    const server = await rawServer(t, (s) => {
      s.respond(GRPC_200);
      s.write(msgFrame('partial'), () => s.close(rst));
    });
    const call = probeClient(t, server.port).bidi({ timeoutMs: 5000 });
    const got: string[] = [];
    await t.rejects(
      (async () => {
        for await (const m of call) got.push(m.text);
      })(),
      { code },
    );
    t.same(got, ['partial']);
  });
}

t.test('trailers then RST_STREAM(NO_ERROR): the trailers status stands', async (t) => {
  // The server answers before the client half-closed, then resets the rest of the request.
  const server = await rawServer(t, (s) => {
    s.respond(GRPC_200, { waitForTrailers: true });
    s.on('wantTrailers', () => {
      s.sendTrailers({ 'grpc-status': String(Status.PERMISSION_DENIED), 'grpc-message': 'go away' });
      setImmediate(() => s.close(constants.NGHTTP2_NO_ERROR));
    });
    s.end(msgFrame('early'));
  });
  const call = probeClient(t, server.port).bidi();
  const got: unknown[] = [];
  await t.rejects(
    (async () => {
      for await (const m of call) got.push(m);
    })(),
    { code: Status.PERMISSION_DENIED, details: 'go away' },
  );
  t.same(
    got.map((m: any) => m.text),
    ['early'],
  );
});

t.test('trailers with grpc-status 0 then RST_STREAM(NO_ERROR): OK', async (t) => {
  const server = await rawServer(t, (s) => {
    s.respond(GRPC_200, { waitForTrailers: true });
    s.on('wantTrailers', () => {
      s.sendTrailers({ 'grpc-status': '0' });
      setImmediate(() => s.close(constants.NGHTTP2_NO_ERROR));
    });
    s.end(msgFrame('done'));
  });
  const call = probeClient(t, server.port).clientStream();
  t.same((await call.closeAndRecv()).text, 'done');
});

t.test('200 + data + END_STREAM without trailers (no grpc-status) → INTERNAL', async (t) => {
  const server = await rawServer(t, (s) => {
    s.respond(GRPC_200);
    s.end(msgFrame('pong'));
  });
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.INTERNAL);
  t.match(error.details, 'grpc-status');
});

for (const bad of ['abc', '99', '007']) {
  t.test(`invalid grpc-status "${bad}" → UNKNOWN`, async (t) => {
    const server = await rawServer(t, (s) => respond(s, [msgFrame('pong')], { 'grpc-status': bad }));
    const error = await unaryError(t, server.port);
    t.equal(error.code, Status.UNKNOWN);
    t.match(error.details, bad);
  });
}

t.test('connection refused → UNAVAILABLE naming the target', async (t) => {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  const error = await unaryError(t, port);
  t.equal(error.code, Status.UNAVAILABLE);
  t.match(error.details, `127.0.0.1:${port}`);
  t.match(error.details, 'ECONNREFUSED');
});

t.test('connection dropped mid-call (before any response) → UNAVAILABLE', async (t) => {
  const server = await rawServer(t, (_s, _h, drop) => drop());
  t.equal((await unaryError(t, server.port)).code, Status.UNAVAILABLE);
});

t.test('connection dropped mid-stream (after headers and a message) → UNAVAILABLE', async (t) => {
  const server = await rawServer(t, (s, _h, drop) => {
    s.respond(GRPC_200);
    s.write(msgFrame('one'), () => setTimeout(drop, 20));
  });
  const call = probeClient(t, server.port).serverStream({ text: 'go' });
  const got: string[] = [];
  const error = await (async () => {
    try {
      for await (const m of call) got.push(m.text);
    } catch (e) {
      return e as GrpcError;
    }
  })();
  t.same(got, ['one']);
  t.equal(error?.code, Status.UNAVAILABLE);
});

t.test('a response prefix declaring 4 MiB + 1 → RESOURCE_EXHAUSTED without waiting for the body', async (t) => {
  let serverClosed!: Promise<number | undefined>;
  const server = await rawServer(t, (s) => {
    serverClosed = new Promise((resolve) => s.on('close', () => resolve(s.rstCode)));
    s.respond(GRPC_200);
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(4 * 1024 * 1024 + 1, 1);
    s.write(prefix); // and never the body
  });
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.RESOURCE_EXHAUSTED);
  // The client reset the stream (PROTOCOL-HTTP2 "Client Cancellation": RST_STREAM CANCEL).
  t.equal(await serverClosed, constants.NGHTTP2_CANCEL);
});

t.test('OK with zero responses for a unary call → UNIMPLEMENTED', async (t) => {
  const server = await rawServer(t, (s) => respond(s, [], { 'grpc-status': '0' }));
  t.equal((await unaryError(t, server.port)).code, Status.UNIMPLEMENTED);
});

t.test('OK with two responses for a unary call → UNIMPLEMENTED', async (t) => {
  const server = await rawServer(t, (s) => respond(s, [msgFrame('a'), msgFrame('b')], { 'grpc-status': '0' }));
  t.equal((await unaryError(t, server.port)).code, Status.UNIMPLEMENTED);
});

t.test(
  'a response body that is not a message → INTERNAL, also with the next message in the same DATA frame',
  async (t) => {
    // testsvc.Msg field 3 (count) with a varint cut short by the end of the body: the bytes after the
    // body (the next message's prefix, written in the same frame) must not complete it.
    const body = Buffer.from([0x18, 0xff]);
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 0, body.length]), body]);
    let parseError = '';
    try {
      unaryMethod().response.deserialize(body);
    } catch (error) {
      parseError = (error as Error).message;
    }
    t.not(parseError, '', 'the body alone does not decode');
    for (const [name, data] of [
      ['alone', bad],
      ['with the next message in the same frame', Buffer.concat([bad, msgFrame('xyz')])],
    ] as const) {
      const server = await rawServer(t, (s) => respond(s, [data], { 'grpc-status': '0' }));
      const error = await unaryError(t, server.port);
      t.equal(error.code, Status.INTERNAL, name);
      t.equal(error.details, `failed to parse message: ${parseError}`, name);
    }
  },
);

t.test('response header and trailer metadata: ASCII and -bin, padded and unpadded base64', async (t) => {
  const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef]); // base64 "3q2+7w==" padded, "3q2+7w" unpadded
  const server = await rawServer(t, (s) =>
    respond(
      s,
      [msgFrame('pong')],
      { 'grpc-status': '0', 'x-trailer': 'bye', 'x-trailer-bin': '3q2+7w' },
      { ...GRPC_200, 'x-header': 'hello', 'x-header-bin': '3q2+7w==' },
    ),
  );
  const call = probeClient(t, server.port).unary({ text: 'ping' });
  t.equal((await call).text, 'pong');
  const headers: Metadata = await call.headers;
  t.equal(headers.first('x-header'), 'hello');
  t.same(headers.first('x-header-bin'), bytes, 'padded base64 decoded');
  t.notOk(headers.has('content-type'), 'reserved headers are not metadata');
  const trailers: Metadata = await call.trailers;
  t.equal(trailers.first('x-trailer'), 'bye');
  t.same(trailers.first('x-trailer-bin'), bytes, 'unpadded base64 decoded');
  t.notOk(trailers.has('grpc-status'), 'grpc-status is not metadata');
});

t.test(
  'malformed -bin metadata: the same INTERNAL whether in response headers, trailers or Trailers-Only',
  async (t) => {
    const cases: [string, (s: ServerHttp2Stream) => void][] = [
      [
        'response headers',
        (s) => respond(s, [msgFrame('pong')], { 'grpc-status': '0' }, { ...GRPC_200, 'x-bad-bin': '!!!' }),
      ],
      ['trailers', (s) => respond(s, [msgFrame('pong')], { 'grpc-status': '0', 'x-bad-bin': '!!!' })],
      ['Trailers-Only', (s) => s.respond({ ...GRPC_200, 'grpc-status': '0', 'x-bad-bin': '!!!' }, { endStream: true })],
    ];
    for (const [where, answer] of cases) {
      const server = await rawServer(t, answer);
      const error = await unaryError(t, server.port);
      t.equal(error.code, Status.INTERNAL, `${where}: INTERNAL`);
      t.equal(error.details, 'malformed binary metadata: "x-bad-bin" is not base64', `${where}: the same message`);
    }
  },
);

t.test('trailer metadata travels on the GrpcError of a failed call', async (t) => {
  const server = await rawServer(t, (s) =>
    respond(s, [], {
      'grpc-status': String(Status.ABORTED),
      'grpc-message': 'retry later',
      'retry-after-bin': 'AQI',
      'x-reason': 'busy',
    }),
  );
  const error = await unaryError(t, server.port);
  t.equal(error.code, Status.ABORTED);
  t.equal(error.metadata.first('x-reason'), 'busy');
  t.same(error.metadata.first('retry-after-bin'), Buffer.from([1, 2]));
});

t.test('request headers: reserved headers, grpc-timeout only with a deadline, -bin metadata unpadded', async (t) => {
  const server = await rawServer(t, (s) => respond(s, [msgFrame('pong')], { 'grpc-status': '0' }));
  const client = probeClient(t, server.port);
  const metadata = new Metadata({ 'x-plain': 'value', 'x-data-bin': Buffer.from([0xde, 0xad, 0xbe, 0xef]) });
  await client.unary({ text: 'a' }, { metadata });
  await client.unary({ text: 'b' }, { timeoutMs: 5000 });
  const [first, second] = server.requests;
  t.equal(first[':method'], 'POST');
  t.equal(first[':scheme'], 'http');
  t.equal(first[':path'], '/testsvc.Probe/Unary');
  t.equal(first[':authority'], `127.0.0.1:${server.port}`);
  t.equal(first['content-type'], 'application/grpc');
  t.equal(first['te'], 'trailers');
  t.equal(first['user-agent'], `routeguide-h2/${VERSION}`);
  t.equal(first['grpc-timeout'], undefined, 'no grpc-timeout without a deadline');
  t.equal(first['x-plain'], 'value');
  t.equal(first['x-data-bin'], '3q2+7w', 'binary metadata is sent as unpadded base64');
  t.match(second['grpc-timeout'], /^\d{1,8}[HMSmun]$/, 'grpc-timeout with a deadline (TimeoutValue + unit)');
});
