// One run of the table: our server (RouteGuide and TestService), and for each fault case and each
// client a tap of its own in front of it with the case's fault (filtered on the method the client
// calls), the client's calls through it, and what the tap saw of them: the streams the client
// opened for that method (more than its calls: it retried), the connections, the PINGs answered.

import { Server } from '../../src/server/server.js';
import { FeatureDb, routeGuideDefinition, routeGuideHandlers } from '../../src/services/routeguide/index.js';
import { testServiceDefinition, testServiceHandlers } from '../../src/services/testing/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import { FaultInjector } from '../../src/wire/fault/injector.js';
import { parseFault } from '../../src/wire/fault/spec.js';
import { glob } from '../../src/wire/fault/values.js';
import { startTap } from '../../src/wire/tap.js';
import { CASES, type FaultCase } from './cases.js';
import { clients, type CallOutcome, type Client, type ClientId, type ClientRun } from './clients.js';

export interface Cell {
  client: ClientId;
  /** The client is not installed here: why. */
  unavailable?: string;
  calls: CallOutcome[];
  /** Calls the client made to the fault's method, and the streams the tap saw it open for them (refused ones included). */
  made: number;
  streams: number;
  /** TCP connections the client opened streams of the fault's method on. */
  connections: number;
  /** The tap's PINGs the client acknowledged, and those it never did. */
  pings: { acked: number; unacked: number };
}

export interface Row {
  kase: FaultCase;
  cells: Cell[];
}

export interface TableRun {
  clients: {
    id: ClientId;
    title: string;
    version: string;
    unavailable?: string;
    procedure: (k: FaultCase) => string;
  }[];
  rows: Row[];
}

/** Cases run at the same time. */
const CASES_AT_ONCE = 3;

export async function runTable(
  options: { only?: readonly string[]; progress?: (line: string) => void } = {},
): Promise<TableRun> {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
  server.addService(testServiceDefinition(), testServiceHandlers());
  const { port } = await server.listen(0, '127.0.0.1');
  const all = clients();
  try {
    // The clients of one case run side by side, each through its own tap, and a few cases at a time
    // (each waits mostly on processes starting and on the faults' own delays).
    const cases = CASES.filter((kase) => !options.only || options.only.includes(kase.name));
    const rows = new Array<Row>(cases.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        options.progress?.(`${cases[i].name}: ${cases[i].spec}`);
        rows[i] = { kase: cases[i], cells: await Promise.all(all.map((client) => runCell(client, cases[i], port))) };
      }
    };
    await Promise.all(Array.from({ length: CASES_AT_ONCE }, worker));
    return {
      clients: all.map((c) => ({
        id: c.id,
        title: c.title,
        version: c.version,
        unavailable: c.unavailable,
        procedure: (k: FaultCase) => c.procedure(k.kind, k.calls),
      })),
      rows,
    };
  } finally {
    for (const client of all) client.close();
    await server.close(0);
  }
}

async function runCell(client: Client, kase: FaultCase, upstream: number): Promise<Cell> {
  const empty = { client: client.id, calls: [], made: 0, streams: 0, connections: 0, pings: { acked: 0, unacked: 0 } };
  if (client.unavailable !== undefined) return { ...empty, unavailable: client.unavailable };
  const parsed = parseFault(kase.spec);
  if ('error' in parsed) throw new Error(`${kase.spec}: ${parsed.error}`);
  const method = client.method(kase.kind);
  // The fault lands on the call the case is about: on its method, whatever else the client calls.
  const specs = parsed.specs.map((spec) =>
    spec.when.at === 'connect' || spec.when.at === 'calls'
      ? spec
      : { ...spec, where: { ...spec.where, method: glob(method) } },
  );
  const events: TapEvent[] = [];
  const tap = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: upstream },
    emit: (event) => events.push(event),
    faults: new FaultInjector({ specs, seed: 1 }),
  });
  let result: ClientRun;
  try {
    result = await client.run(tap.address.port, kase);
    await settled(events);
  } finally {
    await tap.close();
  }
  const requests = events.filter((e) => {
    if (e.kind === 'fault' && e.action === 'drop' && e.dir === 'c2s' && e.frame?.type === 'HEADERS')
      return /above the last stream id|would exceed/.test(e.note); // a request the tap refused
    const frame = e.kind === 'frame' ? e : e.kind === 'fault' && e.frame && 'kind' in e.frame ? e.frame : undefined;
    return frame?.headerBlock?.kind === 'request' && frame.headers?.some(([n, v]) => n === ':path' && v === method);
  });
  const reports = events.filter((e) => e.kind === 'fault' && e.action === 'report');
  return {
    client: client.id,
    calls: result.calls,
    made: result.made,
    streams: requests.length,
    // The connections it opened a stream on (a client may open one more as it exits, after a reset),
    // the tap's events on one of its streams included (a reset as the request went by).
    connections: new Set(
      [...requests, ...events.filter((e) => e.kind === 'fault' && e.stream !== undefined)].map((e) => e.conn),
    ).size,
    pings: {
      acked: reports.filter((e) => e.kind === 'fault' && e.rttMs !== undefined).length,
      unacked: reports.filter((e) => e.kind === 'fault' && e.rttMs === undefined).length,
    },
  };
}

/** Until every connection through the tap has closed (the client is done), at most 3 s. */
async function settled(events: TapEvent[]): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const opened = events.filter((e) => e.kind === 'connection' && e.type === 'open').length;
    if (opened === events.filter((e) => e.kind === 'connection' && e.type === 'close').length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
