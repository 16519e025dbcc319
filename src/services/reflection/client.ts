// A server reflection client: what grpcurl does before it can call anything. List the services;
// fetch the file that declares a symbol together with every file it imports; rebuild the schema
// (a protobufjs Root) from those FileDescriptorProtos alone. It asks grpc.reflection.v1 first and,
// when the server answers UNIMPLEMENTED, grpc.reflection.v1alpha (what older servers speak).
//
// The request/response steps are written against a `ReflectionExchange` (send one request, get
// the next response on the same stream), so any transport can drive them; `ReflectionClient`
// drives them on our own client.

import protobuf from 'protobufjs';
import descriptor, { type IFileDescriptorProto } from 'protobufjs/ext/descriptor/index.js';
import type { Channel } from '../../client/channel.js';
import type { BidiStreamCall } from '../../client/call.js';
import { createClient } from '../../client/client.js';
import { GrpcError } from '../../protocol/grpc-error.js';
import { messageReader } from '../../protocol/protobuf-reader.js';
import { Status, isStatusCode } from '../../protocol/status.js';
import { reflectionDefinitions } from './definition.js';
import type { ReflectionRequest } from './service.js';

/** A ServerReflectionResponse as decoded (fields keep their .proto names; unset members are null). */
export interface ReflectionResponse {
  valid_host?: string;
  list_services_response?: { service: { name: string }[] } | null;
  file_descriptor_response?: { file_descriptor_proto: Uint8Array[] } | null;
  error_response?: { error_code: number; error_message: string } | null;
}

/** One request and the response that answers it, on an open ServerReflectionInfo stream. */
export type ReflectionExchange = (request: ReflectionRequest) => Promise<ReflectionResponse>;

/** A decoded FileDescriptorProto (protobufjs message with the descriptor's field names). */
export type FileDescriptor = IFileDescriptorProto & protobuf.Message;

/** A schema rebuilt from descriptors: the Root and the files it came from (the requested one first). */
export interface ResolvedSchema {
  root: protobuf.Root;
  files: FileDescriptor[];
}

/** An `error_response` in the stream, as a GrpcError carrying the server's code and message. */
function answerError(response: ReflectionResponse): GrpcError {
  const error = response.error_response;
  if (!error) return new GrpcError(Status.INTERNAL, `unexpected reflection response: ${JSON.stringify(response)}`);
  const code = isStatusCode(error.error_code) ? error.error_code : Status.UNKNOWN;
  return new GrpcError(code, error.error_message);
}

/** list_services → the fully qualified service names. */
export async function listServices(ask: ReflectionExchange): Promise<string[]> {
  const response = await ask({ list_services: '*' }); // "The content will not be checked"
  if (!response.list_services_response) throw answerError(response);
  return response.list_services_response.service.map((s) => s.name);
}

/** The FileDescriptorProtos of a file_containing_symbol / file_by_filename answer, decoded. */
export async function fileDescriptors(ask: ReflectionExchange, request: ReflectionRequest): Promise<FileDescriptor[]> {
  const response = await ask(request);
  if (!response.file_descriptor_response) throw answerError(response);
  return response.file_descriptor_response.file_descriptor_proto.map(
    (bytes) => descriptor.FileDescriptorProto.decode(messageReader(bytes)) as FileDescriptor,
  );
}

/**
 * The file declaring `symbol`, then each file it imports by name until none is missing (a server
 * may send the dependencies with the first answer, or leave them to be asked for), as a Root.
 */
export async function resolveSymbol(ask: ReflectionExchange, symbol: string): Promise<ResolvedSchema> {
  const files = new Map<string, FileDescriptor>();
  const add = (list: FileDescriptor[]) => {
    for (const file of list) if (file.name && !files.has(file.name)) files.set(file.name, file);
  };
  add(await fileDescriptors(ask, { file_containing_symbol: symbol }));
  for (;;) {
    const missing = [...files.values()]
      .flatMap((f) => (f.dependency ?? []) as string[])
      .filter((name) => !files.has(name));
    if (missing.length === 0) break;
    add(await fileDescriptors(ask, { file_by_filename: missing[0] }));
  }
  return { root: rootFromDescriptors([...files.values()]), files: [...files.values()] };
}

/** A resolved protobufjs Root built from FileDescriptorProtos alone. */
export function rootFromDescriptors(files: FileDescriptor[]): protobuf.Root {
  const set = descriptor.FileDescriptorSet.fromObject({
    file: files.map((f) => descriptor.FileDescriptorProto.toObject(f)),
  });
  // protobufjs/ext/descriptor adds Root.fromDescriptor (untyped in protobufjs' own declarations).
  const Root = protobuf.Root as unknown as { fromDescriptor(set: protobuf.Message): protobuf.Root };
  const root = Root.fromDescriptor(set);
  root.resolveAll();
  return root;
}

/** An exchange over a stream: each call sends one request and waits for the next response. */
export function exchangeOver(
  send: (request: ReflectionRequest) => unknown,
  responses: AsyncIterator<ReflectionResponse>,
): ReflectionExchange {
  return async (request) => {
    await send(request);
    const next = await responses.next();
    if (next.done) throw new GrpcError(Status.UNAVAILABLE, 'the reflection stream ended before answering');
    return next.value;
  };
}

export type ReflectionVersion = 'v1' | 'v1alpha';

export interface ReflectionClientOptions {
  /** Deadline of each reflection stream. Default 10 s. */
  timeoutMs?: number;
}

type ReflectionStub = Record<
  'serverReflectionInfo',
  (options: { timeoutMs: number }) => BidiStreamCall<ReflectionRequest, ReflectionResponse>
>;

/** Reflection over one of our channels: v1, or v1alpha when the server has no v1. */
export class ReflectionClient {
  /** The version the server answered with, once known. */
  version: ReflectionVersion | undefined;
  private readonly channel: Channel;
  private readonly timeoutMs: number;

  constructor(channel: Channel, options: ReflectionClientOptions = {}) {
    this.channel = channel;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  listServices(): Promise<string[]> {
    return this.onStream(listServices);
  }

  resolveSymbol(symbol: string): Promise<ResolvedSchema> {
    return this.onStream((ask) => resolveSymbol(ask, symbol));
  }

  /** Runs `steps` on one ServerReflectionInfo stream, v1 first unless the server is known to lack it. */
  private async onStream<T>(steps: (ask: ReflectionExchange) => Promise<T>): Promise<T> {
    if (this.version !== 'v1alpha') {
      const v1 = await this.run('v1', steps);
      if ('result' in v1) {
        this.version = 'v1';
        return v1.result;
      }
    }
    const v1alpha = await this.run('v1alpha', steps);
    if ('result' in v1alpha) {
      this.version = 'v1alpha';
      return v1alpha.result;
    }
    throw v1alpha.unimplemented;
  }

  /**
   * One stream of `version`. A call that fails UNIMPLEMENTED before any answer means the server
   * lacks this version (an `error_response` inside the stream is an answer, and is thrown as is).
   */
  private async run<T>(
    version: ReflectionVersion,
    steps: (ask: ReflectionExchange) => Promise<T>,
  ): Promise<{ result: T } | { unimplemented: GrpcError }> {
    const stub = createClient<ReflectionStub>(reflectionDefinitions()[version], this.channel);
    const call = stub.serverReflectionInfo({ timeoutMs: this.timeoutMs });
    let answered = false;
    const exchange = exchangeOver((request) => call.send(request), call[Symbol.asyncIterator]());
    const ask: ReflectionExchange = async (request) => {
      const response = await exchange(request);
      answered = true;
      return response;
    };
    try {
      return { result: await steps(ask) };
    } catch (error) {
      if (!answered && error instanceof GrpcError && error.code === Status.UNIMPLEMENTED)
        return { unimplemented: error };
      throw error;
    } finally {
      call.closeSend();
    }
  }
}
