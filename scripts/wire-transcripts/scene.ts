// One recording: our server (RouteGuide over the canonical feature database, with reflection) on
// a port of its own, the wire tap in front of it, and every event the tap emits kept in order.
// A transcript drives its calls through the tap and waits on the events it expects.

import { upstreamSchemas } from '../../src/cli/tap-schemas.js';
import { Channel, type ChannelOptions } from '../../src/client/channel.js';
import type { ServerOptions } from '../../src/server/options.js';
import type { Server } from '../../src/server/server.js';
import { addReflection } from '../../src/services/reflection/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import { startTap, type Tap, type TapOptions } from '../../src/wire/tap.js';
import { startTestServer } from '../../test/helpers/test-server.js';
import { frame } from './events.js';
import type { Recording } from './transcript.js';

/** How long any one expected event may take before the recording fails. */
const EVENT_TIMEOUT_MS = 15_000;

/** What a transcript may add to the tap's options (faults: the fault transcripts). */
export type TapExtras = Partial<Pick<TapOptions, 'tls' | 'maxBody' | 'hex' | 'faults'>>;

interface Waiter {
  test: (event: TapEvent) => boolean;
  resolve: (event: TapEvent) => void;
}

export class Scene {
  /** Every event the tap emitted, in the order it emitted them. */
  readonly events: TapEvent[] = [];
  readonly server: Server;
  readonly serverPort: number;
  private tap: Tap | undefined;
  /** The message types the tap is given, as `routeguide tap` gives them: the server's reflection. */
  private readonly schemas: ReturnType<typeof upstreamSchemas>;
  private readonly waiters = new Set<Waiter>();
  private readonly channels: Channel[] = [];
  /** Connections through the tap opened and not yet closed. */
  private openConnections = 0;
  private readonly marks: Record<string, number> = {};

  private constructor(server: Server, port: number) {
    this.server = server;
    this.serverPort = port;
    this.schemas = upstreamSchemas({ upstream: { host: '127.0.0.1', port }, reflection: true });
  }

  /**
   * Starts our server with `options` and the tap in front of it; `tap` adds to the tap's options
   * (TLS towards the client, a smaller --max-body, the hex view …).
   */
  static async start(options: ServerOptions = {}, tap: TapExtras = {}): Promise<Scene> {
    const { server, port } = await startTestServer(options);
    addReflection(server);
    const scene = new Scene(server, port);
    scene.tap = await startTap({
      ...tap,
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { host: '127.0.0.1', port: scene.serverPort },
      schemas: scene.schemas.source,
      emit: (event) => scene.record(event),
    });
    return scene;
  }

  get tapPort(): number {
    if (!this.tap) throw new Error('the tap has not started');
    return this.tap.address.port;
  }

  /** The tap's address, as clients are given it. */
  get target(): string {
    return `127.0.0.1:${this.tapPort}`;
  }

  /** A channel of our client to the tap; closed with the scene if still open. */
  channel(options: ChannelOptions = {}): Channel {
    const channel = new Channel(this.target, options);
    this.channels.push(channel);
    return channel;
  }

  /**
   * Opens the channel's connection and waits until both sides acknowledged each other's SETTINGS,
   * so that the exchange is over before the first call (a client does not have to wait for it).
   */
  async connect(channel: Channel): Promise<void> {
    channel.session();
    await this.settled();
  }

  /** Waits until both sides of the connection acknowledged each other's SETTINGS. */
  async settled(): Promise<void> {
    await this.until('the client acknowledges the SETTINGS', frame('SETTINGS', { dir: 'c2s', flags: ['ACK'] }));
    await this.until('the server acknowledges the SETTINGS', frame('SETTINGS', { dir: 's2c', flags: ['ACK'] }));
  }

  /** Marks this point of the recording, for a step that ends here (StepCut.before). */
  mark(name: string): void {
    this.marks[name] = this.events.length;
  }

  /** The first event (already seen or still to come) that passes `test`. */
  until(what: string, test: (event: TapEvent) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<TapEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`waited ${timeoutMs} ms for the tap to show: ${what}`));
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Closes the channels still open, waits until every connection through the tap has closed, stops
   * the tap and the server, and returns what the tap saw.
   */
  async finish(): Promise<Recording> {
    for (const channel of this.channels) channel.close();
    await this.until('every connection closed', () => this.openConnections === 0);
    await this.tap?.close();
    this.schemas.close();
    await this.server.close(0);
    return { events: this.events, marks: this.marks, serverPort: this.serverPort, tapPort: this.tapPort };
  }

  private record(event: TapEvent): void {
    this.events.push(event);
    if (event.kind === 'connection' && event.type === 'open') this.openConnections++;
    if (event.kind === 'connection' && event.type === 'close') this.openConnections--;
    for (const waiter of this.waiters) {
      if (waiter.test(event)) {
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }
}
