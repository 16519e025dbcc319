// The wire tap: a transparent relay between any gRPC client and server, with a ConnectionDecoder on
// each connection turning a copy of its bytes into events. `startTap` is what `routeguide tap` runs;
// tests and other tools can run it in-process and take the events as they come.

import { performance } from 'node:perf_hooks';
import { ConnectionDecoder } from './connection.js';
import { DEFAULT_MAX_BODY } from './defaults.js';
import type { TapEvent } from './events.js';
import type { FaultInjector } from './fault/injector.js';
import { Relay, type RelayOptions } from './relay.js';
import type { SchemaSource } from './protobuf/schemas.js';

export interface TapOptions extends RelayOptions {
  /** Where every event goes, in order per connection. Must not throw. */
  emit: (event: TapEvent) => void;
  /**
   * Where the message types of a call are found (`routeguide tap`: its --proto files, then the
   * upstream's reflection: src/cli/tap-schemas.ts). None: every message is shown as its wire format.
   */
  schemas?: SchemaSource;
  /** Messages larger than this many bytes are shown cut short (0: never). Default 4096. */
  maxBody?: number;
  /**
   * The hex view: every frame and message event carries its bytes and what each one is (`raw`).
   * Off by default: the decoders then collect no byte ranges.
   */
  hex?: boolean;
  /** Faults to inject (src/wire/fault/); without them the relay copies the bytes unchanged. */
  faults?: FaultInjector;
}

export interface Tap {
  /** Where the tap listens (port 0 resolved). */
  readonly address: { host: string; port: number };
  /** Connections seen so far. */
  readonly connections: number;
  /**
   * Stops listening and cuts the connections in progress; the events still waiting for a schema go
   * out without it.
   */
  close(): Promise<void>;
}

export async function startTap(options: TapOptions): Promise<Tap> {
  const started = performance.now();
  const clock = () => Math.round((performance.now() - started) * 1000) / 1000;
  const schemas = options.schemas;
  const maxBody = options.maxBody ?? DEFAULT_MAX_BODY;
  let connections = 0;
  /** Decoders of closed connections whose events still wait for a schema. */
  const closing = new Set<ConnectionDecoder>();

  const relay = await Relay.start(options, {
    open(info) {
      connections++;
      options.emit({
        t: clock(),
        conn: info.id,
        kind: 'connection',
        type: 'open',
        client: info.client,
        upstream: info.upstream,
        ...(info.tls.client || info.tls.upstream ? { tls: info.tls } : {}),
      });
      const decoder = new ConnectionDecoder({
        conn: info.id,
        clock,
        schemas,
        emit: options.emit,
        maxBody,
        hex: options.hex,
      });
      const faults = options.faults;
      let faulted: { close(): void } | undefined;
      return {
        data: (dir, chunk) => decoder.feed(dir, chunk),
        end: (dir) => decoder.end(dir),
        // With faults, the decoder reads what the tap passes on, as each receiver gets it.
        carry:
          faults &&
          ((sockets) => {
            const connection = faults.connection(info.id, sockets, {
              seen: (dir, bytes) => decoder.feed(dir, bytes),
              mark: (dir, offset, mark) => decoder.markTapFrame(dir, offset, mark),
              note: (note) => decoder.fault(note),
              end: (dir) => decoder.end(dir),
            });
            faulted = connection;
            return connection.carriers;
          }),
        close(bytes, reason) {
          faulted?.close();
          const last: TapEvent = {
            t: clock(),
            conn: info.id,
            kind: 'connection',
            type: 'close',
            bytes,
            ...(reason ? { reason } : {}),
          };
          // Its events may still wait for a schema: until they are out, close() must let them out.
          closing.add(decoder);
          decoder.close(last, () => closing.delete(decoder));
        },
      };
    },
    failed(info) {
      connections++;
      options.emit({
        t: clock(),
        conn: info.id,
        kind: 'connection',
        type: 'close',
        client: info.client,
        reason: info.reason,
      });
    },
  });
  const address = relay.address();
  return {
    address: { host: address.address, port: address.port },
    get connections() {
      return connections;
    },
    async close() {
      await relay.close();
      for (const decoder of closing) decoder.drain();
    },
  };
}
