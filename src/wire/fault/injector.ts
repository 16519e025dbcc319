// The fault injector of `routeguide tap --fault …`: the faults configured, the planner that decides
// when they fire, and one FaultConnection per connection relayed (the relay hands it both sockets
// in place of its plain copy). It also takes faults while running: the web view's fault panel asks
// for a fault on the next call, or acts at once on a live connection.

import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Direction } from '../events.js';
import type { Carrier } from '../relay.js';
import { applyFiring } from './actions.js';
import { FaultConnection, type FaultObserver } from './fault-connection.js';
import { FaultPlanner } from './planner.js';
import { seededRandom } from './rng.js';
import type { FaultSpec } from './spec.js';

export interface FaultInjectorOptions {
  specs: readonly FaultSpec[];
  /** Seeds every random choice (`percent`, jitter, slice points): the same seed repeats a run. */
  seed: number;
  /** Requests may ask for faults with Envoy's x-envoy-fault-* headers. */
  headerFaults?: boolean;
}

/** An action on a live connection, from the web view: now, not on a trigger. */
export type ActNow =
  | { kind: 'goaway'; conn: number }
  | { kind: 'rst-stream'; conn: number; stream: number }
  | { kind: 'ping'; conn: number };

export class FaultInjector {
  readonly seed: number;
  readonly headerFaults: boolean;
  private readonly planner: FaultPlanner;
  private readonly random: () => number;
  private readonly live = new Map<number, FaultConnection>();

  constructor(options: FaultInjectorOptions) {
    this.seed = options.seed >>> 0;
    this.headerFaults = options.headerFaults ?? false;
    this.planner = new FaultPlanner(options.specs, { seed: this.seed, headerFaults: options.headerFaults });
    // The network faults' own dice, apart from the planner's, so that adding jitter does not change which calls fail.
    this.random = seededRandom(this.seed ^ 0x5bd1e995);
  }

  /** The faults configured (and added since). */
  get specs(): readonly FaultSpec[] {
    return this.planner.specs;
  }

  /** Connections relayed now, by number. */
  get connections(): number[] {
    return [...this.live.keys()];
  }

  /** A fault from now on (the web view's "for the next call": a SPEC with max=1). */
  add(spec: FaultSpec): void {
    this.planner.add(spec);
  }

  /**
   * A connection was accepted and its upstream connected: the carriers of its two directions, and
   * what stops the faults when it closes.
   */
  connection(
    conn: number,
    sockets: { client: net.Socket; upstream: net.Socket },
    observer: FaultObserver,
  ): { carriers: Record<Direction, Carrier>; close(): void } {
    const connection = new FaultConnection({
      planner: this.planner.connection(),
      client: sockets.client,
      upstream: sockets.upstream,
      observer,
      random: this.random,
      now: () => performance.now(),
    });
    this.live.set(conn, connection);
    connection.start();
    return {
      carriers: {
        c2s: { push: (chunk) => connection.push('c2s', chunk), end: () => connection.end('c2s') },
        s2c: { push: (chunk) => connection.push('s2c', chunk), end: () => connection.end('s2c') },
      },
      close: () => {
        this.live.delete(conn);
        connection.close();
      },
    };
  }

  /** Acts now on connection `conn`; false when there is no such connection (or stream). */
  act(request: ActNow): boolean {
    const connection = this.live.get(request.conn);
    if (!connection) return false;
    const label = `web view: ${request.kind}${request.kind === 'rst-stream' ? ` stream ${request.stream}` : ''} now`;
    const spec = (action: FaultSpec['action']): FaultSpec => ({
      label,
      action,
      when: { at: 'request' },
      where: {},
      percent: 100,
    });
    switch (request.kind) {
      case 'goaway':
        applyFiring(connection, { spec: spec({ kind: 'goaway', code: 0, to: 'client', debug: '' }) });
        break;
      case 'ping':
        applyFiring(connection, { spec: spec({ kind: 'ping', to: 'both', count: 1 }) });
        break;
      case 'rst-stream':
        if (!connection.stream(request.stream)) return false;
        applyFiring(connection, {
          spec: spec({ kind: 'rst-stream', code: 0x8, to: 'client' }),
          stream: request.stream,
        });
        break;
    }
    connection.flush();
    return true;
  }
}
