// grpc.reflection.v1[alpha].ServerReflection/ServerReflectionInfo: one bidi stream, one response per
// request, in order, until the client half-closes (doc/server-reflection.md). Failures to find something are answered with
// an `error_response` inside the stream, never by ending the call.

import type { ServerCall } from '../../server/call.js';
import type { Server } from '../../server/server.js';
import { Status } from '../../protocol/status.js';
import { DescriptorPool } from './file-descriptors.js';

/** A ServerReflectionRequest as decoded (fields keep their .proto names). */
export interface ReflectionRequest {
  host?: string;
  file_by_filename?: string | null;
  file_containing_symbol?: string | null;
  file_containing_extension?: { containing_type?: string; extension_number?: number } | null;
  all_extension_numbers_of_type?: string | null;
  list_services?: string | null;
}

type Answer =
  | { file_descriptor_response: { file_descriptor_proto: Uint8Array[] } }
  | { list_services_response: { service: { name: string }[] } }
  | { error_response: { error_code: number; error_message: string } };

const error = (code: number, message: string): Answer => ({
  error_response: { error_code: code, error_message: message },
});

/** Answers reflection requests about the services registered on `server` (read at each request). */
export class ReflectionResponder {
  private pool: DescriptorPool | undefined;
  private poolKey = '';

  constructor(private readonly server: Server) {}

  answer(request: ReflectionRequest): Answer {
    // Decoded messages carry the oneof member they were sent with as an own property; the other
    // members only have prototype defaults.
    const has = (field: keyof ReflectionRequest) => Object.hasOwn(request, field) && request[field] != null;
    // list_services: "The content will not be checked" (grpcurl sends "*").
    if (has('list_services')) {
      return { list_services_response: { service: this.server.serviceNames().map((name) => ({ name })) } };
    }
    if (has('file_containing_symbol')) {
      const symbol = request.file_containing_symbol!;
      const file = this.descriptors().fileContainingSymbol(symbol);
      return file ? this.files(file) : error(Status.NOT_FOUND, `symbol not found: ${symbol}`);
    }
    if (has('file_by_filename')) return this.files(request.file_by_filename!);
    if (has('file_containing_extension') || has('all_extension_numbers_of_type')) {
      return error(Status.UNIMPLEMENTED, 'extensions are not supported by this server');
    }
    return error(Status.INVALID_ARGUMENT, 'empty ServerReflectionRequest: set one of the message_request fields');
  }

  /** The file and its transitive dependencies, serialized FileDescriptorProtos (doc/server-reflection.md). */
  private files(name: string): Answer {
    const files = this.descriptors().withDependencies(name);
    if (!files) return error(Status.NOT_FOUND, `file not found: ${name}`);
    return { file_descriptor_response: { file_descriptor_proto: files.map((f) => f.bytes) } };
  }

  /** Built on first use, rebuilt when services were registered since. */
  descriptors(): DescriptorPool {
    const services = this.server.services();
    const key = services.map((s) => s.name).join('\n');
    if (!this.pool || key !== this.poolKey) {
      this.pool = new DescriptorPool(services.map((s) => s.service.root));
      this.poolKey = key;
    }
    return this.pool;
  }
}

/** The bidi handler shared by v1 and v1alpha. */
export function reflectionHandler(responder: ReflectionResponder) {
  return async (call: ServerCall<ReflectionRequest, unknown>): Promise<void> => {
    for await (const request of call) {
      await call.send({ valid_host: request.host ?? '', original_request: request, ...responder.answer(request) });
    }
  };
}
