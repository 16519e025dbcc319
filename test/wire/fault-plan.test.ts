// The fault planner (src/wire/fault/planner.ts) as tables: for a SPEC and a sequence of what passes
// on connections, which faults fire where. It is pure, so each row runs it on observations alone.

import t from 'tap';
import { FaultPlanner, type ConnectionPlanner, type Firing } from '../../src/wire/fault/planner.js';
import { parseFault, type FaultSpec } from '../../src/wire/fault/spec.js';

function specs(...texts: string[]): FaultSpec[] {
  return texts.flatMap((text) => {
    const parsed = parseFault(text);
    if ('error' in parsed) throw new Error(`${text}: ${parsed.error}`);
    return parsed.specs;
  });
}

const GET = '/routeguide.RouteGuide/GetFeature';
const CHAT = '/routeguide.RouteGuide/RouteChat';
const request = (path: string, ...extra: [string, string][]): [string, string][] => [
  [':method', 'POST'],
  [':path', path],
  ['content-type', 'application/grpc'],
  ...extra,
];
const labels = (firings: Firing[]) => firings.map((f) => `${f.spec.label}@${f.stream ?? 'conn'}`);

/**
 * One row: the faults, then steps on connections. Each step says what passed and the firings it
 * gives, as `label@stream` (`@conn` for the connection's own).
 */
type Step =
  | { open: number; fires?: string[]; timers?: number[] }
  | { conn: number; request: number; path: string; headers?: [string, string][]; fires?: string[]; timers?: number[] }
  | { conn: number; response: number; fires?: string[] }
  | { conn: number; trailers: number; fires?: string[] }
  | { conn: number; ended: number; fires?: string[] };

const ROWS: { name: string; faults: string[]; steps: Step[] }[] = [
  {
    name: 'a call trigger fires on every call, once each',
    faults: ['rst-stream'],
    steps: [
      { open: 1 },
      { conn: 1, request: 1, path: GET },
      { conn: 1, response: 1, fires: ['rst-stream@1'] },
      { conn: 1, response: 1 }, // at most once per call
      { conn: 1, request: 3, path: CHAT },
      { conn: 1, response: 3, fires: ['rst-stream@3'] },
    ],
  },
  {
    name: 'method, header and call choose the calls',
    faults: ['abort:status=14,method=*Chat', 'abort:status=8,header=x-fault:y*', 'abort:status=2,call=2'],
    steps: [
      { open: 1 },
      { conn: 1, request: 1, path: GET, fires: [] },
      { conn: 1, request: 3, path: CHAT, fires: ['abort:status=14,method=*Chat@3', 'abort:status=2,call=2@3'] },
      { conn: 1, request: 5, path: GET, headers: [['x-fault', 'yes']], fires: ['abort:status=8,header=x-fault:y*@5'] },
      { conn: 1, request: 7, path: GET, headers: [['x-fault', 'no']], fires: [] },
    ],
  },
  {
    name: 'conn chooses the connection; connect faults fire as it opens',
    faults: ['max-streams:value=1,conn=2', 'latency:time=5ms'],
    steps: [
      { open: 1, fires: ['latency:time=5ms@conn'] },
      { open: 2, fires: ['max-streams:value=1,conn=2@conn', 'latency:time=5ms@conn'] },
      { open: 3, fires: ['latency:time=5ms@conn'] },
    ],
  },
  {
    name: 'max counts firings over every connection',
    faults: ['abort:status=14,max=2'],
    steps: [
      { open: 1 },
      { conn: 1, request: 1, path: GET, fires: ['abort:status=14,max=2@1'] },
      { open: 2 },
      { conn: 2, request: 1, path: GET, fires: ['abort:status=14,max=2@1'] },
      { conn: 2, request: 3, path: GET, fires: [] },
      { conn: 1, request: 3, path: GET, fires: [] },
    ],
  },
  {
    name: 'trailers, and calls:N counting the calls that ended',
    faults: ['rst_after_data', 'goaway:when=calls:2'],
    steps: [
      { open: 1 },
      { conn: 1, request: 1, path: GET },
      { conn: 1, response: 1, fires: [] },
      { conn: 1, trailers: 1, fires: ['rst_after_data@1'] },
      { conn: 1, ended: 1, fires: [] },
      { conn: 1, request: 3, path: GET },
      { conn: 1, ended: 3, fires: ['goaway:when=calls:2@conn'] },
      { conn: 1, request: 5, path: GET },
      { conn: 1, ended: 5, fires: [] },
      { conn: 1, ended: 5, fires: [] }, // a call ends once
    ],
  },
  {
    name: 'time: from the call for call faults, from the connection for the others',
    faults: ['rst-stream:when=time:2s', 'goaway:when=time:500ms'],
    steps: [
      { open: 1, timers: [500] },
      { conn: 1, request: 1, path: GET, timers: [2000] },
    ],
  },
  {
    name: 'the ping case: before and after the response headers, before and after the data',
    faults: ['ping'],
    steps: [
      { open: 1 },
      { conn: 1, request: 1, path: GET, fires: ['ping@1'] },
      { conn: 1, response: 1, fires: ['ping@1'] },
      { conn: 1, trailers: 1, fires: ['ping@1'] },
    ],
  },
];

function run(faults: string[], steps: Step[], seed = 1, headerFaults = false) {
  const planner = new FaultPlanner(specs(...faults), { seed, headerFaults });
  const connections = new Map<number, ConnectionPlanner>();
  const out: { fires: string[]; timers?: number[] }[] = [];
  for (const step of steps) {
    if ('open' in step) {
      const c = planner.connection();
      connections.set(step.open, c);
      const plan = c.opened();
      out.push({ fires: labels(plan.firings), timers: plan.timers.map((x) => x.afterMs) });
      continue;
    }
    const c = connections.get(step.conn)!;
    if ('request' in step) {
      const plan = c.request(step.request, request(step.path, ...(step.headers ?? [])));
      out.push({ fires: labels(plan.firings), timers: plan.timers.map((x) => x.afterMs) });
    } else if ('response' in step) out.push({ fires: labels(c.responseHeaders(step.response)) });
    else if ('trailers' in step) out.push({ fires: labels(c.trailers(step.trailers)) });
    else out.push({ fires: labels(c.callEnded(step.ended)) });
  }
  return out;
}

t.test('what fires when', async (t) => {
  for (const row of ROWS) {
    const got = run(row.faults, row.steps);
    row.steps.forEach((step, i) => {
      if (step.fires) t.same(got[i].fires, step.fires, `${row.name}: step ${i + 1}`);
      if ('timers' in step && step.timers) t.same(got[i].timers, step.timers, `${row.name}: step ${i + 1}, timers`);
    });
  }
});

t.test('a timer fires only while its call lives', async (t) => {
  const planner = new FaultPlanner(specs('rst-stream:when=time:1s'), { seed: 1 });
  const c = planner.connection();
  c.opened();
  const [first] = c.request(1, request(GET)).timers;
  const [second] = c.request(3, request(GET)).timers;
  c.callEnded(3);
  t.same(labels(first.fire()), ['rst-stream:when=time:1s@1']);
  t.same(labels(second.fire()), [], 'the call had ended');
});

t.test('DATA triggers: where in a frame a message ends, or a byte count is reached', async (t) => {
  const planner = new FaultPlanner(
    specs(
      'rst-stream:when=message:s2c:2',
      'abort:status=1,when=bytes:s2c:100',
      'pad-data:when=bytes:c2s:0',
      'rst_during_data',
    ),
    { seed: 1 },
  );
  const c = planner.connection();
  c.opened();
  c.request(1, request(CHAT));
  // c2s: bytes:0 fires at the very start of the first DATA frame, and never again.
  t.same(
    c.data(1, 'c2s', 0, 30, [{ index: 1, at: 26 }], 26).map((p) => [p.at, labels(p.firings)]),
    [[0, ['pad-data:when=bytes:c2s:0@1']]],
  );
  t.same(c.data(1, 'c2s', 30, 60, [], 26), []);
  // s2c: the first message is 200 bytes with its prefix: 50% of it is byte 100.
  t.same(c.data(1, 's2c', 0, 99, [], 200), [], 'not yet');
  t.same(
    c
      .data(
        1,
        's2c',
        99,
        260,
        [
          { index: 1, at: 200 },
          { index: 2, at: 240 },
        ],
        200,
      )
      .map((p) => [p.at, labels(p.firings)]),
    [
      [100, ['abort:status=1,when=bytes:s2c:100@1', 'rst_during_data@1']],
      [240, ['rst-stream:when=message:s2c:2@1']],
    ],
  );
  t.same(c.data(2, 's2c', 0, 500, [{ index: 2, at: 240 }], 200), [], 'a stream with no call');
});

t.test('percent: the same seed chooses the same calls; about that share of them', async (t) => {
  const chosen = (seed: number) => {
    const planner = new FaultPlanner(specs('abort:status=14,percent=30'), { seed });
    const c = planner.connection();
    c.opened();
    const out: number[] = [];
    for (let i = 0; i < 2000; i++) if (c.request(2 * i + 1, request(GET)).firings.length > 0) out.push(i);
    return out;
  };
  const a = chosen(42);
  t.same(chosen(42), a, 'repeatable');
  t.not(chosen(43).join(), a.join(), 'another seed, other calls');
  t.ok(a.length > 520 && a.length < 680, `${a.length} of 2000 calls near 30%`);
  const none = new FaultPlanner(specs('abort:status=14,percent=0'), { seed: 1 }).connection();
  t.same(none.request(1, request(GET)).firings, [], 'percent=0: never');
});

t.test("Envoy's headers, with --fault-headers", async (t) => {
  const steps: Step[] = [
    { open: 1 },
    { conn: 1, request: 1, path: GET, headers: [['x-envoy-fault-abort-grpc-request', '14']] },
    { conn: 1, request: 3, path: GET, headers: [['x-envoy-fault-delay-request', '250']] },
    { conn: 1, request: 5, path: GET, headers: [['x-envoy-fault-throughput-response', '8']] },
    { conn: 1, request: 7, path: GET, headers: [['x-envoy-fault-abort-request', '503']] },
    {
      conn: 1,
      request: 9,
      path: GET,
      headers: [
        ['x-envoy-fault-abort-grpc-request', '8'],
        ['x-envoy-fault-abort-request-percentage', '0'],
      ],
    },
    { conn: 1, request: 11, path: GET, headers: [['x-envoy-fault-abort-grpc-request', 'soon']] },
  ];
  t.same(
    run([], steps, 1, true).map((r) => r.fires),
    [
      [],
      ['x-envoy-fault-abort-grpc-request: 14@1'],
      ['x-envoy-fault-delay-request: 250@3'],
      ['x-envoy-fault-throughput-response: 8@5'],
      ['x-envoy-fault-abort-request: 503@7'],
      [],
      [],
    ],
  );
  t.same(
    run([], steps, 1, false).map((r) => r.fires),
    steps.map(() => []),
    'without --fault-headers the headers are just headers',
  );
  const planner = new FaultPlanner([], { seed: 1, headerFaults: true });
  const c = planner.connection();
  const plan = c.request(1, request(GET, ['x-envoy-fault-abort-grpc-request', 'soon']));
  t.same(plan.ignored, ['x-envoy-fault-abort-grpc-request: soon'], 'a value that is not a number is reported');
  const [firing] = c.request(3, request(GET, ['x-envoy-fault-throughput-response', '8'])).firings;
  t.match(firing.spec.action, { kind: 'bandwidth', bytesPerSecond: 8192, dir: 's2c', scope: 'call' });
});
