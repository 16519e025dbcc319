// grpc.testing.TestService: the server side of the cross-language interop suite, with the "Server"
// features of doc/interop-test-descriptions.md (grpc/grpc):
//
//   EmptyCall, UnaryCall, CacheableUnaryCall, StreamingOutputCall, StreamingInputCall,
//   FullDuplexCall, HalfDuplexCall — UnimplementedCall has no handler, so it answers UNIMPLEMENTED.
//
//   Echo Status        response_status → the call ends with that code and message
//   Echo Metadata      x-grpc-test-echo-initial → response header, x-grpc-test-echo-trailing-bin → trailer
//   CompressedResponse response_compressed / ResponseParameters.compressed → Compressed-Flag 1
//   CompressedRequest  expect_compressed set and not matching the request's Compressed-Flag → INVALID_ARGUMENT
//   interval_us        a sleep before each response, relative to the previous one

import { setTimeout as sleep } from 'node:timers/promises';
import { GrpcError } from '../../protocol/grpc-error.js';
import { isStatusCode, Status } from '../../protocol/status.js';
import type { ServerCall } from '../../server/call.js';
import type { ServiceHandlers } from '../../server/handlers.js';
import {
  COMPRESSABLE,
  type BoolValue,
  type EchoStatus,
  type Empty,
  type Payload,
  type SimpleRequest,
  type SimpleResponse,
  type StreamingInputCallRequest,
  type StreamingInputCallResponse,
  type StreamingOutputCallRequest,
  type StreamingOutputCallResponse,
} from './types.js';

export const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
export const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';

/** Largest payload the server agrees to build (a guard against absurd response_size values). */
export const MAX_PAYLOAD_SIZE = 32 * 1024 * 1024;

/** Echo Metadata: the two test keys go back, one as a response header, one as a trailer. */
function echoMetadata(call: ServerCall): void {
  for (const value of call.metadata.get(ECHO_INITIAL_KEY)) call.responseHeaders.add(ECHO_INITIAL_KEY, value);
  for (const value of call.metadata.get(ECHO_TRAILING_KEY)) call.trailers.add(ECHO_TRAILING_KEY, value);
}

/** Echo Status: a non-OK response_status ends the call with exactly that code and message. */
function echoStatus(status: EchoStatus | null | undefined): void {
  const code = status?.code ?? 0;
  if (code === 0) return;
  throw new GrpcError(isStatusCode(code) ? code : Status.UNKNOWN, status?.message ?? '');
}

/** CompressedRequest: expect_compressed is nullable; when set, the request's Compressed-Flag must match it. */
function checkExpectedCompression(expect: BoolValue | null | undefined, call: ServerCall): void {
  if (!expect) return;
  const compressed = call.requestCompressed;
  if (expect.value === true && !compressed) {
    throw new GrpcError(Status.INVALID_ARGUMENT, 'expected a compressed request message, got an uncompressed one');
  }
  if (expect.value !== true && compressed) {
    throw new GrpcError(Status.INVALID_ARGUMENT, 'expected an uncompressed request message, got a compressed one');
  }
}

/** A zero-filled payload of `size` bytes; an unsupported response_type is INVALID_ARGUMENT (UnaryCall). */
function payload(type: number | undefined, size: number | undefined): Payload {
  if ((type ?? COMPRESSABLE) !== COMPRESSABLE) {
    throw new GrpcError(
      Status.INVALID_ARGUMENT,
      `unsupported response_type ${type}: only COMPRESSABLE (0) is supported`,
    );
  }
  const n = size ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAYLOAD_SIZE) {
    throw new GrpcError(Status.INVALID_ARGUMENT, `response size ${n} is outside 0..${MAX_PAYLOAD_SIZE}`);
  }
  return { type: COMPRESSABLE, body: Buffer.alloc(n) };
}

/** One response per ResponseParameters, in order, each after its interval_us (StreamingOutputCall, FullDuplexCall). */
async function sendResponses(
  call: ServerCall<unknown, StreamingOutputCallResponse>,
  request: StreamingOutputCallRequest,
): Promise<void> {
  for (const params of request.response_parameters ?? []) {
    const response = { payload: payload(request.response_type, params.size) };
    const intervalUs = params.interval_us ?? 0;
    if (intervalUs > 0) await sleep(intervalUs / 1000, undefined, { signal: call.signal });
    await call.send(response, { compress: params.compressed?.value === true });
  }
}

export interface TestServiceHandlers extends ServiceHandlers {
  EmptyCall(request: Empty, call: ServerCall): Empty;
  UnaryCall(request: SimpleRequest, call: ServerCall): SimpleResponse;
  CacheableUnaryCall(request: SimpleRequest, call: ServerCall): SimpleResponse;
  StreamingOutputCall(request: StreamingOutputCallRequest, call: ServerCall): Promise<void>;
  StreamingInputCall(call: ServerCall<StreamingInputCallRequest>): Promise<StreamingInputCallResponse>;
  FullDuplexCall(call: ServerCall<StreamingOutputCallRequest>): Promise<void>;
  HalfDuplexCall(call: ServerCall<StreamingOutputCallRequest>): Promise<void>;
}

export function testServiceHandlers(): TestServiceHandlers {
  return {
    EmptyCall: () => ({}),

    UnaryCall(request, call) {
      echoMetadata(call);
      checkExpectedCompression(request.expect_compressed, call);
      echoStatus(request.response_status);
      const response: SimpleResponse = { payload: payload(request.response_type, request.response_size) };
      call.compressResponses = request.response_compressed?.value === true; // CompressedResponse
      return response;
    },

    // The request is ignored; the payload is the current time in nanoseconds (ASCII decimal), and
    // the response may be cached by proxies for 60 s.
    CacheableUnaryCall(_request, call) {
      echoMetadata(call);
      call.responseHeaders.set('cache-control', 'max-age=60, public');
      const nanos = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
      return { payload: { type: COMPRESSABLE, body: Buffer.from(nanos.toString()) } };
    },

    async StreamingOutputCall(request, call) {
      echoMetadata(call);
      echoStatus(request.response_status);
      await sendResponses(call, request);
    },

    async StreamingInputCall(call) {
      echoMetadata(call);
      let total = 0;
      for await (const request of call) {
        checkExpectedCompression(request.expect_compressed, call);
        total += request.payload?.body?.length ?? 0;
      }
      return { aggregated_payload_size: total };
    },

    // Each request is answered as it arrives; a response_status ends the call at once.
    async FullDuplexCall(call) {
      echoMetadata(call);
      for await (const request of call) {
        echoStatus(request.response_status);
        await sendResponses(call, request);
      }
    },

    // Every request is read first; then they are answered in order.
    async HalfDuplexCall(call) {
      echoMetadata(call);
      const requests: StreamingOutputCallRequest[] = [];
      for await (const request of call) requests.push(request);
      for (const request of requests) {
        echoStatus(request.response_status);
        await sendResponses(call, request);
      }
    },
  };
}
