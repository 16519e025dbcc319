// What grpcurl does, for tests: ask a server's reflection service for descriptors, rebuild the
// service with protobufjs from those descriptors alone, and call it with JSON input.
// The transport is pluggable (our client or @grpc/grpc-js); everything else is shared.

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

/** One request/response exchange on an open ServerReflectionInfo stream. */
export type ReflectionExchange = (request: Record<string, unknown>) => Promise<any>;

/** list_services → the service names. */
export async function listServices(ask: ReflectionExchange): Promise<string[]> {
  const res = await ask({ list_services: '*' });
  if (!res.list_services_response) throw new Error(`no list_services_response: ${JSON.stringify(res)}`);
  return res.list_services_response.service.map((s: { name: string }) => s.name);
}

/** The FileDescriptorProtos of a file_containing_symbol / file_by_filename answer, decoded. */
export async function fileDescriptors(
  ask: ReflectionExchange,
  request: Record<string, unknown>,
): Promise<protobuf.Message[]> {
  const res = await ask(request);
  if (!res.file_descriptor_response)
    throw new Error(`no file_descriptor_response: ${JSON.stringify(res.error_response ?? res)}`);
  return res.file_descriptor_response.file_descriptor_proto.map((b: Uint8Array) =>
    descriptor.FileDescriptorProto.decode(b),
  );
}

/**
 * grpcurl's resolution: the file containing `symbol`, then each dependency by file name until
 * none is missing; returns a protobufjs Root built from the descriptors alone.
 */
export async function resolveSymbol(
  ask: ReflectionExchange,
  symbol: string,
): Promise<{ root: protobuf.Root; files: any[] }> {
  const files = new Map<string, any>();
  const add = (list: protobuf.Message[]) => {
    for (const f of list) files.set((f as any).name, f);
  };
  add(await fileDescriptors(ask, { file_containing_symbol: symbol }));
  for (;;) {
    const missing = [...files.values()].flatMap((f) => f.dependency as string[]).filter((d) => !files.has(d));
    if (missing.length === 0) break;
    add(await fileDescriptors(ask, { file_by_filename: missing[0] }));
  }
  const set = descriptor.FileDescriptorSet.fromObject({
    file: [...files.values()].map((f) => descriptor.FileDescriptorProto.toObject(f)),
  });
  const root = (protobuf.Root as any).fromDescriptor(set) as protobuf.Root;
  root.resolveAll();
  return { root, files: [...files.values()] };
}

/** Reads a stream of responses in order: each `ask` sends one request and waits for the next response. */
export function exchangeOver(send: (m: unknown) => unknown, responses: AsyncIterator<any>): ReflectionExchange {
  return async (request) => {
    await send(request);
    const next = await responses.next();
    if (next.done) throw new Error('reflection stream ended');
    return next.value;
  };
}

/** A push-to-pull adapter for event-style streams (grpc-js 'data'). */
export function queueIterator<T>(): { push(v: T): void; end(e?: Error): void; iterator: AsyncIterator<T> } {
  const values: T[] = [];
  const waiting: { resolve(r: IteratorResult<T>): void; reject(e: Error): void }[] = [];
  let ended: { error?: Error } | undefined;
  return {
    push(v) {
      const w = waiting.shift();
      if (w) w.resolve({ value: v, done: false });
      else values.push(v);
    },
    end(error) {
      ended = { error };
      for (const w of waiting.splice(0)) {
        if (error) w.reject(error);
        else w.resolve({ value: undefined, done: true });
      }
    },
    iterator: {
      next: () => {
        if (values.length > 0) return Promise.resolve({ value: values.shift()!, done: false });
        if (ended) return ended.error ? Promise.reject(ended.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
      },
    },
  };
}

/**
 * A small schema with what single-file descriptors get wrong: imports across files (and of a
 * well-known type), nested messages and enums, a map, a oneof, a proto3 optional field, snake_case
 * names. Written to a temp dir at test time; returns the entry file and the include dir.
 */
export function writeShopProtos(): { entry: string; includeDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'routeguide-reflection-'));
  const files: Record<string, string> = {
    'shop/v1/money.proto': `syntax = "proto3";
package shop.v1;
message Money { string currency_code = 1; int64 units = 2; int32 nanos = 3; }
`,
    'shop/v1/order.proto': `syntax = "proto3";
package shop.v1;
import "shop/v1/money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  enum State { STATE_UNSPECIFIED = 0; OPEN = 1; SHIPPED = 2; }
  message Line { string sku = 1; int32 quantity = 2; Money unit_price = 3; }
  string order_id = 1;
  repeated Line lines = 2;
  map<string, int32> stock_by_site = 3;
  oneof payment { string card_token = 4; Money store_credit = 5; }
  optional string gift_note = 6;
  State state = 7;
  google.protobuf.Timestamp created_at = 8;
}
message GetOrderRequest { string order_id = 1; }
service OrderService { rpc GetOrder(GetOrderRequest) returns (Order); }
`,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { entry: join(dir, 'shop/v1/order.proto'), includeDir: dir };
}
