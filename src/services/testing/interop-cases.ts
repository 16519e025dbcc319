// The client side of the interop suite: every case of doc/interop-test-descriptions.md (grpc/grpc)
// that a plaintext server can answer — no credentials, no caching proxy, no xDS — and the client
// side of doc/negative-http2-interop-test-descriptions.md. Each case runs on our client and throws
// an InteropFailure (or a GrpcError) naming what went wrong.

import { Channel, type ChannelOptions } from '../../client/channel.js';
import type { BidiStreamCall, CallOptions, ClientStreamCall, ServerStreamCall, UnaryCall } from '../../client/call.js';
import { createClient } from '../../client/client.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Metadata } from '../../protocol/metadata.js';
import { Status } from '../../protocol/status.js';
import type { NegativeHttp2Case } from '../../protocol/negative-http2-cases.js';
import type { InteropCaseName, PositiveCaseName } from './case-names.js';
import { testServiceDefinition, unimplementedServiceDefinition } from './definition.js';
import {
  check,
  checkPayload,
  describeError,
  expectFailure,
  expectStatus,
  InteropFailure,
  zeros,
} from './interop-assert.js';
import { rawCall } from './raw-call.js';
import { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } from './service.js';
import {
  COMPRESSABLE,
  type Empty,
  type SimpleRequest,
  type SimpleResponse,
  type StreamingInputCallRequest,
  type StreamingInputCallResponse,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
} from './types.js';

export interface TestServiceClient {
  emptyCall(request: Empty, options?: CallOptions): UnaryCall<Empty>;
  unaryCall(request: SimpleRequest, options?: CallOptions): UnaryCall<SimpleResponse>;
  streamingOutputCall(
    request: StreamingOutputCallRequest,
    options?: CallOptions,
  ): ServerStreamCall<StreamingOutputCallResponse>;
  streamingInputCall(options?: CallOptions): ClientStreamCall<StreamingInputCallRequest, StreamingInputCallResponse>;
  fullDuplexCall(options?: CallOptions): BidiStreamCall<StreamingOutputCallRequest, StreamingOutputCallResponse>;
  unimplementedCall(request: Empty, options?: CallOptions): UnaryCall<Empty>;
}

export interface InteropTarget {
  host: string;
  port: number;
  /** Connect with TLS (ALPN h2); `serverName` overrides the name checked in the certificate. */
  tls?: { ca?: string | Buffer; serverName?: string };
}

interface CaseContext {
  test: TestServiceClient;
  unimplemented: TestServiceClient;
  target: InteropTarget;
  channel: Channel;
}

/** No case should take long; a stuck peer fails the case instead of hanging it. */
const CALL_TIMEOUT_MS = 30_000;
const options = (extra: CallOptions = {}): CallOptions => ({ timeoutMs: CALL_TIMEOUT_MS, ...extra });

const LARGE_REQUEST = 271_828;
const LARGE_RESPONSE = 314_159;
const largeRequest = (extra: Partial<SimpleRequest> = {}): SimpleRequest => ({
  response_type: COMPRESSABLE,
  response_size: LARGE_RESPONSE,
  payload: { type: COMPRESSABLE, body: zeros(LARGE_REQUEST) },
  ...extra,
});

const CLIENT_STREAM_SIZES = [27_182, 8, 1_828, 45_904];
const SERVER_STREAM_SIZES = [31_415, 9, 2_653, 58_979];
const STATUS_MESSAGE = 'test status message';
const SPECIAL_STATUS_MESSAGE = '\t\ntest with whitespace\r\nand Unicode BMP ☺ and non-BMP 😈\t\n';

const pingPongRequest = (requestSize: number, responseSize: number): StreamingOutputCallRequest => ({
  response_type: COMPRESSABLE,
  response_parameters: [{ size: responseSize }],
  payload: { type: COMPRESSABLE, body: zeros(requestSize) },
});

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

function origin(target: InteropTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.tls ? 'https' : 'http'}://${host}:${target.port}`;
}

const CASES = {
  async empty_unary({ test }: CaseContext) {
    const response = await test.emptyCall({}, options());
    check(response !== null && typeof response === 'object', 'empty_unary: no response message');
  },

  async large_unary({ test }: CaseContext) {
    const response = await test.unaryCall(largeRequest(), options());
    checkPayload(response.payload, LARGE_RESPONSE, 'large_unary');
  },

  // CompressedRequest: the probe (uncompressed, expect_compressed) must fail with INVALID_ARGUMENT.
  async client_compressed_unary({ test }: CaseContext) {
    const expectCompressed = largeRequest({ expect_compressed: { value: true } });
    await expectStatus(
      test.unaryCall(expectCompressed, options({ compression: 'identity' })),
      Status.INVALID_ARGUMENT,
      'client_compressed_unary probe (uncompressed request with expect_compressed=true)',
    );
    const compressed = await test.unaryCall(expectCompressed, options({ compression: 'gzip' }));
    checkPayload(compressed.payload, LARGE_RESPONSE, 'client_compressed_unary, compressed request');
    const plain = await test.unaryCall(
      largeRequest({ expect_compressed: { value: false } }),
      options({ compression: 'identity' }),
    );
    checkPayload(plain.payload, LARGE_RESPONSE, 'client_compressed_unary, uncompressed request');
  },

  // CompressedResponse, checked on the wire: the Compressed-Flag of the response message.
  async server_compressed_unary({ target }: CaseContext) {
    const method = testServiceDefinition().methods.find((m) => m.name === 'UnaryCall')!;
    for (const compressed of [true, false]) {
      const what = `server_compressed_unary (response_compressed=${compressed})`;
      const result = await rawCall({
        origin: origin(target),
        path: method.path,
        requests: [method.request.serialize(largeRequest({ response_compressed: { value: compressed } }))],
        acceptEncoding: 'identity,deflate,gzip',
        timeoutMs: CALL_TIMEOUT_MS,
        connectOptions: target.tls ? { ca: target.tls.ca, servername: target.tls.serverName } : undefined,
      });
      check(result.failure === undefined, `${what}: ${result.failure?.message}`);
      check(result.messages.length === 1, `${what}: ${result.messages.length} response messages, expected 1`);
      const [message] = result.messages;
      check(message.compressed === compressed, `${what}: response Compressed-Flag is ${Number(message.compressed)}`);
      checkPayload((method.response.deserialize(message.body) as SimpleResponse).payload, LARGE_RESPONSE, what);
    }
  },

  async client_streaming({ test }: CaseContext) {
    const call = test.streamingInputCall(options());
    for (const size of CLIENT_STREAM_SIZES) await call.send({ payload: { type: COMPRESSABLE, body: zeros(size) } });
    const response = await call.closeAndRecv();
    check(
      response.aggregated_payload_size === 74_922,
      `client_streaming: aggregated_payload_size ${response.aggregated_payload_size}, expected 74922`,
    );
  },

  async client_compressed_streaming({ test }: CaseContext) {
    const first: StreamingInputCallRequest = {
      payload: { type: COMPRESSABLE, body: zeros(27_182) },
      expect_compressed: { value: true },
    };
    const probe = test.streamingInputCall(options());
    await probe.send(first).catch(() => {}); // the server may answer before this is written
    await expectStatus(
      probe.closeAndRecv(),
      Status.INVALID_ARGUMENT,
      'client_compressed_streaming probe (uncompressed message with expect_compressed=true)',
    );

    const call = test.streamingInputCall(options({ compression: 'gzip' }));
    await call.send(first);
    await call.send(
      { payload: { type: COMPRESSABLE, body: zeros(45_904) }, expect_compressed: { value: false } },
      { compress: false },
    );
    const response = await call.closeAndRecv();
    check(
      response.aggregated_payload_size === 73_086,
      `client_compressed_streaming: aggregated_payload_size ${response.aggregated_payload_size}, expected 73086`,
    );
  },

  async server_streaming({ test }: CaseContext) {
    const request = { response_type: COMPRESSABLE, response_parameters: SERVER_STREAM_SIZES.map((size) => ({ size })) };
    const responses = await collect(test.streamingOutputCall(request, options()));
    check(responses.length === 4, `server_streaming: ${responses.length} responses, expected 4`);
    responses.forEach((r, i) => checkPayload(r.payload, SERVER_STREAM_SIZES[i], `server_streaming response ${i}`));
  },

  async server_compressed_streaming({ target }: CaseContext) {
    const method = testServiceDefinition().methods.find((m) => m.name === 'StreamingOutputCall')!;
    const sizes = [31_415, 92_653];
    const flags = [true, false];
    const result = await rawCall({
      origin: origin(target),
      path: method.path,
      requests: [
        method.request.serialize({
          response_type: COMPRESSABLE,
          response_parameters: sizes.map((size, i) => ({ size, compressed: { value: flags[i] } })),
        }),
      ],
      acceptEncoding: 'identity,deflate,gzip',
      timeoutMs: CALL_TIMEOUT_MS,
      connectOptions: target.tls ? { ca: target.tls.ca, servername: target.tls.serverName } : undefined,
    });
    check(result.failure === undefined, `server_compressed_streaming: ${result.failure?.message}`);
    check(result.messages.length === 2, `server_compressed_streaming: ${result.messages.length} responses, expected 2`);
    result.messages.forEach((message, i) => {
      const what = `server_compressed_streaming response ${i} (compressed=${flags[i]})`;
      check(message.compressed === flags[i], `${what}: Compressed-Flag is ${Number(message.compressed)}`);
      checkPayload((method.response.deserialize(message.body) as StreamingOutputCallResponse).payload, sizes[i], what);
    });
  },

  async ping_pong({ test }: CaseContext) {
    const call = test.fullDuplexCall(options());
    const responses = call[Symbol.asyncIterator]();
    for (let i = 0; i < CLIENT_STREAM_SIZES.length; i++) {
      await call.send(pingPongRequest(CLIENT_STREAM_SIZES[i], SERVER_STREAM_SIZES[i]));
      const next = await responses.next();
      check(!next.done, `ping_pong: the stream ended before response ${i}`);
      checkPayload(next.value.payload, SERVER_STREAM_SIZES[i], `ping_pong response ${i}`);
    }
    call.closeSend();
    const end = await responses.next();
    check(end.done, 'ping_pong: more than four responses');
  },

  async empty_stream({ test }: CaseContext) {
    const call = test.fullDuplexCall(options());
    call.closeSend();
    const responses = await collect(call);
    check(responses.length === 0, `empty_stream: ${responses.length} responses, expected 0`);
  },

  async timeout_on_sleeping_server({ test }: CaseContext) {
    const call = test.fullDuplexCall({ timeoutMs: 1 });
    // The 1 ms deadline may pass before the message is written: the send may fail, the call must.
    await call.send({ payload: { type: COMPRESSABLE, body: zeros(27_182) } }).catch(() => {});
    await expectStatus(collect(call), Status.DEADLINE_EXCEEDED, 'timeout_on_sleeping_server');
  },

  async cancel_after_begin({ test }: CaseContext) {
    const call = test.streamingInputCall(options());
    call.cancel();
    await expectStatus(call.closeAndRecv(), Status.CANCELLED, 'cancel_after_begin');
    const status = await call.status;
    check(status.code === Status.CANCELLED, `cancel_after_begin: final status ${status.code}, expected CANCELLED`);
  },

  async cancel_after_first_response({ test }: CaseContext) {
    const call = test.fullDuplexCall(options());
    const responses = call[Symbol.asyncIterator]();
    await call.send(pingPongRequest(27_182, 31_415));
    const first = await responses.next();
    check(!first.done, 'cancel_after_first_response: no first response');
    checkPayload(first.value.payload, 31_415, 'cancel_after_first_response');
    call.cancel();
    const status = await call.status;
    check(
      status.code === Status.CANCELLED,
      `cancel_after_first_response: final status ${status.code}, expected CANCELLED`,
    );
  },

  async status_code_and_message({ test }: CaseContext) {
    const responseStatus = { code: Status.UNKNOWN, message: STATUS_MESSAGE };
    const unary = await expectStatus(
      test.unaryCall({ response_status: responseStatus }, options()),
      Status.UNKNOWN,
      'status_code_and_message UnaryCall',
    );
    check(
      unary.details === STATUS_MESSAGE,
      `status_code_and_message UnaryCall: message ${JSON.stringify(unary.details)}`,
    );
    const call = test.fullDuplexCall(options());
    await call.send({ response_status: responseStatus }).catch(() => {});
    call.closeSend();
    const duplex = await expectStatus(collect(call), Status.UNKNOWN, 'status_code_and_message FullDuplexCall');
    check(
      duplex.details === STATUS_MESSAGE,
      `status_code_and_message FullDuplexCall: message ${JSON.stringify(duplex.details)}`,
    );
  },

  async special_status_message({ test }: CaseContext) {
    const request = { response_status: { code: Status.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } };
    const error = await expectStatus(test.unaryCall(request, options()), Status.UNKNOWN, 'special_status_message');
    check(error.details === SPECIAL_STATUS_MESSAGE, `special_status_message: message ${JSON.stringify(error.details)}`);
  },

  // Echo Metadata: an ASCII key back as a response header, a binary key back as a trailer.
  async custom_metadata({ test }: CaseContext) {
    const initialValue = 'test_initial_metadata_value';
    const trailingValue = Buffer.from([0xab, 0xab, 0xab]);
    const metadata = new Metadata().set(ECHO_INITIAL_KEY, initialValue).set(ECHO_TRAILING_KEY, trailingValue);
    const checkEcho = async (what: string, call: { headers: Promise<Metadata>; trailers: Promise<Metadata> }) => {
      const header = (await call.headers).first(ECHO_INITIAL_KEY);
      check(
        header === initialValue,
        `custom_metadata ${what}: initial metadata ${ECHO_INITIAL_KEY} is ${JSON.stringify(header)}`,
      );
      const trailer = (await call.trailers).first(ECHO_TRAILING_KEY);
      check(
        Buffer.isBuffer(trailer) && trailer.equals(trailingValue),
        `custom_metadata ${what}: trailing metadata ${ECHO_TRAILING_KEY} is ${Buffer.isBuffer(trailer) ? trailer.toString('hex') : trailer}`,
      );
    };
    const unary = test.unaryCall(largeRequest(), options({ metadata }));
    checkPayload((await unary).payload, LARGE_RESPONSE, 'custom_metadata UnaryCall');
    await checkEcho('UnaryCall', unary);

    const duplex = test.fullDuplexCall(options({ metadata }));
    await duplex.send(pingPongRequest(LARGE_REQUEST, LARGE_RESPONSE));
    duplex.closeSend();
    const responses = await collect(duplex);
    check(responses.length === 1, `custom_metadata FullDuplexCall: ${responses.length} responses, expected 1`);
    checkPayload(responses[0].payload, LARGE_RESPONSE, 'custom_metadata FullDuplexCall');
    await checkEcho('FullDuplexCall', duplex);
  },

  async unimplemented_method({ test }: CaseContext) {
    await expectStatus(test.unimplementedCall({}, options()), Status.UNIMPLEMENTED, 'unimplemented_method');
  },

  async unimplemented_service({ unimplemented }: CaseContext) {
    await expectStatus(unimplemented.unimplementedCall({}, options()), Status.UNIMPLEMENTED, 'unimplemented_service');
  },
} satisfies Record<PositiveCaseName, (context: CaseContext) => Promise<void>>;

// doc/negative-http2-interop-test-descriptions.md, the client side: each runs against a server that
// misbehaves on purpose, e.g. `routeguide tap --fault NAME` in front of `routeguide interop-server`
// (src/wire/fault/interop-cases.ts), and checks what the description says a client must do.
const NEGATIVE_CASES = {
  async rst_after_header({ test }: CaseContext) {
    await expectFailure(test.unaryCall(largeRequest(), options()), 'rst_after_header');
  },

  async rst_during_data({ test }: CaseContext) {
    await expectFailure(test.unaryCall(largeRequest(), options()), 'rst_during_data');
  },

  async rst_after_data({ test }: CaseContext) {
    await expectFailure(test.unaryCall(largeRequest(), options()), 'rst_after_data');
  },

  // After GOAWAY the next call goes on a new connection "without the user application having to do a thing".
  async goaway({ test, channel }: CaseContext) {
    checkPayload((await test.unaryCall(largeRequest(), options())).payload, LARGE_RESPONSE, 'goaway first call');
    const first = channel.session();
    await new Promise((resolve) => setTimeout(resolve, 1000)); // as the description asks (grpc/grpc#9300)
    checkPayload((await test.unaryCall(largeRequest(), options())).payload, LARGE_RESPONSE, 'goaway second call');
    check(channel.session() !== first, 'goaway: the second call did not use a new connection');
  },

  // The server PINGs around the headers and the data; node:http2 answers each (RFC 9113 §6.7).
  async ping({ test }: CaseContext) {
    checkPayload((await test.unaryCall(largeRequest(), options())).payload, LARGE_RESPONSE, 'ping');
  },

  // SETTINGS_MAX_CONCURRENT_STREAMS = 1: the client keeps to it (node:http2 queues the streams).
  async max_streams({ test }: CaseContext) {
    checkPayload((await test.unaryCall(largeRequest(), options())).payload, LARGE_RESPONSE, 'max_streams first call');
    const responses = await Promise.all(Array.from({ length: 10 }, () => test.unaryCall(largeRequest(), options())));
    responses.forEach((r, i) => checkPayload(r.payload, LARGE_RESPONSE, `max_streams call ${i + 1} of 10`));
  },

  // DATA frames of 5 bytes with 255 bytes of padding each: flow control counts the padding (RFC 9113 §6.9.1).
  async data_frame_padding({ test }: CaseContext) {
    checkPayload((await test.unaryCall(largeRequest(), options())).payload, LARGE_RESPONSE, 'data_frame_padding');
  },

  async no_df_padding_sanity_test({ test }: CaseContext) {
    checkPayload(
      (await test.unaryCall(largeRequest(), options())).payload,
      LARGE_RESPONSE,
      'no_df_padding_sanity_test',
    );
  },
} satisfies Record<NegativeHttp2Case, (context: CaseContext) => Promise<void>>;

/** Runs one case on a fresh channel. Resolves on pass; rejects with an InteropFailure giving the reason. */
export async function runInteropCase(
  name: InteropCaseName,
  target: InteropTarget,
  channelOptions: ChannelOptions = {},
): Promise<void> {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const channel = new Channel(`${host}:${target.port}`, {
    ...channelOptions,
    tls: target.tls ? { ca: target.tls.ca, serverName: target.tls.serverName } : undefined,
  });
  try {
    const context: CaseContext = {
      test: createClient<TestServiceClient>(testServiceDefinition(), channel),
      unimplemented: createClient<TestServiceClient>(unimplementedServiceDefinition(), channel),
      target,
      channel,
    };
    if (Object.hasOwn(CASES, name)) await CASES[name as keyof typeof CASES](context);
    else await NEGATIVE_CASES[name as keyof typeof NEGATIVE_CASES](context);
  } catch (error) {
    if (error instanceof InteropFailure) throw error;
    const reason = error instanceof GrpcError ? `unexpected ${describeError(error)}` : describeError(error);
    throw new InteropFailure(`${name}: ${reason}`, { cause: error });
  } finally {
    channel.close();
  }
}
