// What grpcurl does, for tests: the reflection steps of src/services/reflection/client.ts with
// untyped responses, so that tests can drive them over any transport (our client or @grpc/grpc-js)
// and look into the descriptors freely; plus a push-to-pull adapter and a multi-file schema.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type protobuf from 'protobufjs';
import * as reflection from '../../src/services/reflection/client.js';
import { scratchDir } from './scratch.js';

/** One request/response exchange on an open ServerReflectionInfo stream (responses left untyped for tests). */
export type ReflectionExchange = (request: any) => Promise<any>;

/** list_services → the service names. */
export const listServices = (ask: ReflectionExchange): Promise<string[]> => reflection.listServices(ask);

/** The FileDescriptorProtos of a file_containing_symbol / file_by_filename answer, decoded. */
export const fileDescriptors = (ask: ReflectionExchange, request: Record<string, unknown>): Promise<any[]> =>
  reflection.fileDescriptors(ask, request);

/** grpcurl's resolution: the file containing `symbol` and its dependencies, as a protobufjs Root. */
export const resolveSymbol = (
  ask: ReflectionExchange,
  symbol: string,
): Promise<{ root: protobuf.Root; files: any[] }> => reflection.resolveSymbol(ask, symbol);

/** Reads a stream of responses in order: each `ask` sends one request and waits for the next response. */
export const exchangeOver = (send: (m: unknown) => unknown, responses: AsyncIterator<any>): ReflectionExchange =>
  reflection.exchangeOver(send, responses);

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
  const dir = scratchDir('routeguide-reflection-');
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
