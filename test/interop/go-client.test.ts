// Interop: the grpc-go route_guide example CLIENT against our server, compared line by line with the
// same client against the grpc-go example SERVER (same database). Each client run makes every kind
// of call: unary GetFeature ×2, server-streaming ListFeatures, client-streaming RecordRoute (random
// points) and bidi RouteChat (notes persist per server, so each comparison uses fresh servers).

import t, { type Test } from 'tap';
import { Server } from '../../src/server/server.js';
import {
  DEFAULT_FEATURE_DB,
  FeatureDb,
  routeGuideDefinition,
  routeGuideHandlers,
} from '../../src/services/routeguide/index.js';
import { goRouteGuideBinaries, runGoClient, startGoServer } from '../helpers/go.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';

t.setTimeout(180_000); // a cold Go build takes ~20 s on a busy machine

const CLIENT_TIMEOUT_MS = 30_000; // the client dials with WithBlock and no deadline: never wait forever
const bins = goRouteGuideBinaries(); // throws under CI=true when Go is unavailable
const skip = 'skip' in bins ? bins.skip : false;

/** Our server on a free 127.0.0.1 port, fresh (no route notes). */
async function startOurServer(t: Test): Promise<number> {
  const server = new Server();
  server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load(DEFAULT_FEATURE_DB)));
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  return port;
}

/** A fresh Go example server on a free port. */
async function startGo(t: Test, server: string): Promise<number> {
  const go = await startGoServer(server, 0, DEFAULT_FEATURE_DB);
  t.teardown(() => go.stop());
  return go.port;
}

/** Runs the Go client once; fails the test unless it exits 0. Returns its normalized log lines. */
async function runClient(t: Test, client: string, port: number, label: string): Promise<string[]> {
  const res = await runGoClient(client, ['-server_addr', `127.0.0.1:${port}`], CLIENT_TIMEOUT_MS);
  t.equal(res.timedOut, false, `${label}: client finished within ${CLIENT_TIMEOUT_MS} ms`);
  t.equal(res.code, 0, `${label}: client exit code 0`, { stderr: res.stderr });
  return normalize(res.stderr);
}

// Go's log prefix "2006/01/02 15:04:05 "; Go's proto text format randomly doubles spaces.
function normalize(output: string): string[] {
  return output
    .split('\n')
    .map((line) =>
      line
        .replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d(\.\d+)? /, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((line) => line !== '');
}

/** The line printed right after "Getting feature for point (…)", for each GetFeature call. */
function getFeatureLines(lines: string[]): string[] {
  return lines.flatMap((line, i) =>
    line.startsWith('Getting feature for point') ? [line, lines[i + 1] ?? '<missing>'] : [],
  );
}

const withPrefix = (lines: string[], prefix: string) => lines.filter((l) => l.startsWith(prefix));

interface RouteRun {
  traversed: number;
  summary: Map<string, string>; // field name → value, in printed order
}

function recordRoute(t: Test, lines: string[], label: string): RouteRun {
  const traversing = withPrefix(lines, 'Traversing ');
  const summaries = withPrefix(lines, 'Route summary: ');
  t.equal(traversing.length, 1, `${label}: one "Traversing N points." line`);
  t.equal(summaries.length, 1, `${label}: one "Route summary" line`);
  const traversed = Number(/^Traversing (\d+) points\.$/.exec(traversing[0] ?? '')?.[1] ?? NaN);
  const summary = new Map<string, string>();
  for (const [, name, value] of (summaries[0] ?? '').matchAll(/(\w+):(\S+)/g)) summary.set(name, value);
  return { traversed, summary };
}

const CHAT_FIRST_RUN = CANONICAL_CHAT_LINES;

t.test('Go client: same output from our server as from the Go server', { skip }, async (t) => {
  if ('skip' in bins) return;
  const [oursPort, goPort] = await Promise.all([startOurServer(t), startGo(t, bins.server)]);
  const ours = await runClient(t, bins.client, oursPort, 'our server');
  const go = await runClient(t, bins.client, goPort, 'Go server');

  // Unary GetFeature: a named feature, then an unnamed one (location 0,0 prints as "location:{}").
  t.same(getFeatureLines(ours), getFeatureLines(go), 'GetFeature lines identical');
  t.same(
    getFeatureLines(ours),
    [
      'Getting feature for point (409146138, -746188906)',
      'name:"Berkshire Valley Management Area Trail, Jefferson, NJ, USA" location:{latitude:409146138 longitude:-746188906}',
      'Getting feature for point (0, 0)',
      'location:{}',
    ],
    'GetFeature lines are the canonical ones',
  );

  // Server-streaming ListFeatures: every feature in the rectangle, in database order.
  t.same(
    withPrefix(ours, 'Looking for features'),
    withPrefix(go, 'Looking for features'),
    'ListFeatures request line identical',
  );
  const oursFeatures = withPrefix(ours, 'Feature: ');
  t.equal(withPrefix(go, 'Feature: ').length, 100, 'Go server lists 100 features in the rectangle');
  t.same(oursFeatures, withPrefix(go, 'Feature: '), 'Feature lines identical, same order');

  // Client-streaming RecordRoute: random points, so compare shape and point_count only.
  const routes = [recordRoute(t, ours, 'our server'), recordRoute(t, go, 'Go server')];
  for (const [label, run] of [
    ['our server', routes[0]],
    ['Go server', routes[1]],
  ] as const) {
    t.ok(run.traversed >= 2 && run.traversed <= 101, `${label}: traversed 2..101 points (${run.traversed})`);
    t.equal(run.summary.get('point_count'), String(run.traversed), `${label}: point_count == points sent`);
    // Whole-degree random points never hit a feature, and the call takes well under a second;
    // proto3 omits zero fields from the text format.
    t.ok(['0', undefined].includes(run.summary.get('feature_count')), `${label}: feature_count absent or 0`);
    t.ok(['0', undefined].includes(run.summary.get('elapsed_time')), `${label}: elapsed_time absent or 0`);
    t.match(run.summary.get('distance') ?? '', /^[1-9]\d*$/, `${label}: distance is a positive integer`);
  }
  t.same(
    [...routes[0].summary.keys()],
    [...routes[1].summary.keys()],
    'Route summary has the same fields, in the same order',
  );

  // Bidi RouteChat on a fresh server: each note is answered with all notes at its location so far.
  t.same(withPrefix(ours, 'Got message'), CHAT_FIRST_RUN, 'our server: the nine canonical RouteChat replies');
  t.same(withPrefix(ours, 'Got message'), withPrefix(go, 'Got message'), 'RouteChat lines identical');

  // Nothing else printed (no errors or stray lines).
  const known =
    /^(Getting feature|name:|location:|Looking for features|Feature: |Traversing |Route summary: |Got message )/;
  t.same(
    ours.filter((l) => !known.test(l)),
    [],
    'our server: no unexpected output lines',
  );
});

t.test('Go client twice on the same server: RouteChat notes persist like the Go server', { skip }, async (t) => {
  if ('skip' in bins) return;
  const [oursPort, goPort] = await Promise.all([startOurServer(t), startGo(t, bins.server)]);
  const chats: Record<'ours' | 'go', string[][]> = { ours: [], go: [] };
  for (let run = 1; run <= 2; run++) {
    chats.ours.push(withPrefix(await runClient(t, bins.client, oursPort, `our server, run ${run}`), 'Got message'));
    chats.go.push(withPrefix(await runClient(t, bins.client, goPort, `Go server, run ${run}`), 'Got message'));
  }
  // Second run: the notes at (0,1), (0,2), (0,3) hold 2 from the first run, so 3+3+3+4+4+4 = 21.
  t.same(
    chats.ours.map((c) => c.length),
    [9, 21],
    'our server: 9 then 21 RouteChat replies',
  );
  t.same(
    chats.go.map((c) => c.length),
    [9, 21],
    'Go server: 9 then 21 RouteChat replies',
  );
  t.same(chats.ours[1], chats.go[1], 'second-run RouteChat lines identical');
  t.same(
    chats.ours[1].slice(0, 3),
    [
      'Got message First message at point(0, 1)',
      'Got message Fourth message at point(0, 1)',
      'Got message First message at point(0, 1)',
    ],
    'stored notes come first, oldest first, then the new one',
  );
});
