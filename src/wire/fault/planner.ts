// The fault planner: from the faults configured and what happened on a connection so far, which
// faults fire now. Pure — no sockets, no timers, no clock: the rewriter (fault-connection.ts) tells it what
// passes (a connection opening, a call's request headers, its response headers, DATA bytes and
// message ends, trailers, a call ending, a timer it asked for going off) and applies what it
// returns. The same faults, seed and observations give the same firings (test/wire/fault-plan.test.ts).
//
// How often: a fault's `percent` is rolled once per chance — per call it could apply to, or per
// connection for the connection triggers — on the seeded dice; its `max` counts firings over the
// tap's life. A fault fires at most once per call (or once per connection, for the connection
// triggers).

import type { Direction } from '../events.js';
import { faultsFromHeaders } from './envoy-headers.js';
import { seededRandom, type Random } from './rng.js';
import { isCallFault, isCallTrigger, type FaultSpec, type Trigger } from './spec.js';

/** A fault to apply now; `stream` is the call it fired on (absent: the connection's). */
export interface Firing {
  spec: FaultSpec;
  stream?: number;
}

/** A wake-up the planner asks for: `afterMs` from now, then `fire()` gives what fires. */
export interface Timer {
  afterMs: number;
  fire(): Firing[];
}

export interface Plan {
  firings: Firing[];
  timers: Timer[];
}

/** Within one DATA frame's data: what fires at `at` (a count of DATA bytes of the call in that direction). */
export interface DataPoint {
  at: number;
  firings: Firing[];
}

export interface PlannerOptions {
  /** Seeds the dice of `percent`. */
  seed: number;
  /** Requests may ask for faults with Envoy's x-envoy-fault-* headers (envoy-headers.ts). */
  headerFaults?: boolean;
}

export class FaultPlanner {
  private readonly all: FaultSpec[];
  readonly headerFaults: boolean;
  private readonly random: Random;
  private readonly firedCount = new Map<FaultSpec, number>();
  private connections = 0;

  constructor(specs: readonly FaultSpec[], options: PlannerOptions) {
    this.all = [...specs];
    this.headerFaults = options.headerFaults ?? false;
    this.random = seededRandom(options.seed);
  }

  /** The faults, in the order given. */
  get specs(): readonly FaultSpec[] {
    return this.all;
  }

  /** One more fault, from now on (connections already open see it at their next call). */
  add(spec: FaultSpec): void {
    this.all.push(spec);
  }

  /** A connection opened: its own planner. */
  connection(): ConnectionPlanner {
    return new ConnectionPlanner(this, ++this.connections);
  }

  /** How many times `spec` fired so far. */
  fired(spec: FaultSpec): number {
    return this.firedCount.get(spec) ?? 0;
  }

  /** @internal The dice: true with `percent` percent chance (no roll at 100 or 0). */
  roll(percent: number): boolean {
    if (percent >= 100) return true;
    if (percent <= 0) return false;
    return this.random() * 100 < percent;
  }

  /** @internal Counts a firing, unless `max` has been reached. */
  take(spec: FaultSpec): boolean {
    const count = this.fired(spec);
    if (spec.max !== undefined && count >= spec.max) return false;
    this.firedCount.set(spec, count + 1);
    return true;
  }
}

/** A fault armed on a call, waiting for its trigger. */
interface Armed {
  spec: FaultSpec;
  done: boolean;
}

interface CallPlan {
  stream: number;
  armed: Armed[];
}

export class ConnectionPlanner {
  /** The connection's number through the tap (1: the first). */
  readonly conn: number;
  private readonly planner: FaultPlanner;
  private readonly calls = new Map<number, CallPlan>();
  /** Faults of the connection triggers (`connect`, `calls`, `time`) that won their roll. */
  private readonly connectionFaults: Armed[] = [];
  private callCount = 0;
  private callsEnded = 0;

  constructor(planner: FaultPlanner, conn: number) {
    this.planner = planner;
    this.conn = conn;
  }

  /** The connection opened: `connect` faults fire; `time` faults ask for their timers. */
  opened(): Plan {
    const plan: Plan = { firings: [], timers: [] };
    for (const spec of this.planner.specs) {
      if (isCallTrigger(spec.when) || (spec.when.at === 'time' && isCallFault(spec.action))) continue;
      if (spec.where.conn !== undefined && spec.where.conn !== this.conn) continue;
      if (!this.planner.roll(spec.percent)) continue;
      const armed: Armed = { spec, done: false };
      this.connectionFaults.push(armed);
      if (spec.when.at === 'connect') this.fire(armed, undefined, plan.firings);
      else if (spec.when.at === 'time') plan.timers.push(this.timer(armed, undefined, spec.when.ms));
    }
    return plan;
  }

  /**
   * A call's request headers passed (stream `stream`): the faults that match it are armed (each
   * rolls its dice), and those of `request` fire. `headers` as decoded, in order.
   */
  request(stream: number, headers: readonly (readonly [string, string])[]): Plan & { ignored: string[] } {
    const index = ++this.callCount;
    const path = headers.find(([name]) => name === ':path')?.[1] ?? '';
    const call: CallPlan = { stream, armed: [] };
    this.calls.set(stream, call);
    const candidates = this.planner.specs.filter(
      (spec) => isCallTrigger(spec.when) || (spec.when.at === 'time' && isCallFault(spec.action)),
    );
    const fromHeaders = this.planner.headerFaults ? faultsFromHeaders(headers) : { specs: [], ignored: [] };
    for (const spec of [...candidates, ...fromHeaders.specs]) {
      const { method, header, call: nth, conn } = spec.where;
      if (conn !== undefined && conn !== this.conn) continue;
      if (nth !== undefined && nth !== index) continue;
      if (method && !method.test(path)) continue;
      if (header && !headers.some(([name, value]) => name === header.name && header.value.test(value))) continue;
      if (!this.planner.roll(spec.percent)) continue;
      call.armed.push({ spec, done: false });
    }
    const plan: Plan & { ignored: string[] } = { firings: [], timers: [], ignored: fromHeaders.ignored };
    for (const armed of call.armed) {
      if (armed.spec.when.at === 'request') this.fire(armed, stream, plan.firings);
      else if (armed.spec.when.at === 'time') plan.timers.push(this.timer(armed, stream, armed.spec.when.ms));
    }
    return plan;
  }

  /** The response headers of `stream` passed. */
  responseHeaders(stream: number): Firing[] {
    return this.onCall(stream, (when) => when.at === 'response-headers');
  }

  /** The trailers (or Trailers-Only) of `stream` came, and have not gone on yet. */
  trailers(stream: number): Firing[] {
    return this.onCall(stream, (when) => when.at === 'trailers');
  }

  /**
   * A DATA frame of `stream` in `dir` carries the call's DATA bytes `from` to `to` (counted from its
   * first DATA byte that way); `messageEnds` are the messages that end in it (their index, from 1,
   * and the count at their last byte); `firstMessage` is the first message's length with its
   * prefix, once its prefix is known. Returns what fires where, in order of `at`.
   */
  data(
    stream: number,
    dir: Direction,
    from: number,
    to: number,
    messageEnds: readonly { index: number; at: number }[],
    firstMessage: number | undefined,
  ): DataPoint[] {
    const call = this.calls.get(stream);
    if (!call) return [];
    const points: DataPoint[] = [];
    for (const armed of call.armed) {
      if (armed.done) continue;
      const at = dataTriggerPoint(armed.spec.when, dir, from, to, messageEnds, firstMessage);
      if (at === undefined) continue;
      const firings: Firing[] = [];
      this.fire(armed, stream, firings);
      if (firings.length === 0) continue;
      const point = points.find((p) => p.at === at);
      if (point) point.firings.push(...firings);
      else points.push({ at, firings });
    }
    return points.sort((a, b) => a.at - b.at);
  }

  /** `stream`'s call ended (both sides, or reset): counts for `calls:N`. */
  callEnded(stream: number): Firing[] {
    if (!this.calls.delete(stream)) return [];
    this.callsEnded++;
    const firings: Firing[] = [];
    for (const armed of this.connectionFaults) {
      if (armed.spec.when.at === 'calls' && armed.spec.when.n === this.callsEnded) this.fire(armed, undefined, firings);
    }
    return firings;
  }

  private onCall(stream: number, test: (when: Trigger) => boolean): Firing[] {
    const firings: Firing[] = [];
    for (const armed of this.calls.get(stream)?.armed ?? [])
      if (test(armed.spec.when)) this.fire(armed, stream, firings);
    return firings;
  }

  private fire(armed: Armed, stream: number | undefined, out: Firing[]): void {
    if (armed.done) return;
    armed.done = true;
    if (!this.planner.take(armed.spec)) return;
    out.push(stream === undefined ? { spec: armed.spec } : { spec: armed.spec, stream });
  }

  private timer(armed: Armed, stream: number | undefined, afterMs: number): Timer {
    return {
      afterMs,
      fire: () => {
        // A call that ended before its time: nothing to fire on.
        if (stream !== undefined && !this.calls.has(stream)) return [];
        const firings: Firing[] = [];
        this.fire(armed, stream, firings);
        return firings;
      },
    };
  }
}

/** Where, in a DATA frame's bytes `from`..`to`, a `message` or `bytes` trigger is reached. */
function dataTriggerPoint(
  when: Trigger,
  dir: Direction,
  from: number,
  to: number,
  messageEnds: readonly { index: number; at: number }[],
  firstMessage: number | undefined,
): number | undefined {
  if (when.at === 'message') {
    if (when.dir !== dir) return undefined;
    return messageEnds.find((m) => m.index === when.n)?.at;
  }
  if (when.at !== 'bytes' || when.dir !== dir) return undefined;
  let target: number;
  if ('percent' in when) {
    if (firstMessage === undefined) return undefined;
    target = Math.floor((firstMessage * when.percent) / 100);
  } else target = when.n;
  // 0: before the first DATA byte, i.e. at the start of the first DATA frame.
  if (target === 0) return from === 0 ? 0 : undefined;
  return target > from && target <= to ? target : undefined;
}
