// `node bench/run.mjs [--quick] [--rounds N] [--only servers,clients,workers,redis,flood]`: routeguide-h2 against
// @grpc/grpc-js, grpc-go and raw node:http2 ceilings, servers alternated workload by workload within
// each round; then the clients against grpc-go; then the scale-out rows (lib/scale.mjs: --workers 2,
// the Redis store, the memory store under a flood). Every answer is verified.
// Writes bench/results/latest.json, latest.md and ratios.svg (--quick: quick.json, quick.md,
// quick-ratios.svg; --only: partial.json, partial.md, partial-ratios.svg, so a quick check or a
// part never replaces the full results). Never fails on a ratio: the exit code is 1 when a run
// could not be made or an answer was wrong, 2 on a bad flag.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  BASELINE,
  CLIENT_CEILING_RATIOS,
  CLIENT_METRICS,
  CLIENTS,
  SERVER_METRICS,
  SERVERS,
  summarize,
  summarizeCeilings,
  summarizeScale,
  summarizeTap,
  TAP_METRICS,
} from './lib/metrics.mjs';
import { freePort, HAS_TASKSET, startServer, withCpu } from './lib/proc.mjs';
import { markdown, svg } from './lib/report.mjs';
import { rssSampler } from './lib/rss.mjs';
import { benchScale } from './lib/scale.mjs';
import { tapChat1 } from './lib/tap.mjs';
import { loadgen, Mismatch, nodeClient, unaryLatency, unaryThroughput, verifyUnary } from './lib/workloads.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GO_OUT = join(ROOT, 'node_modules', '.cache', 'routeguide-go');
const DB = join(ROOT, 'data', 'route_guide_db.json');
const RESULTS = join(ROOT, 'bench', 'results');

/** The parts of a round, in the order they run. */
const PARTS = ['servers', 'clients', 'workers', 'redis', 'flood'];
const SCALE_PARTS = ['workers', 'redis', 'flood'];

const USAGE = `usage: node bench/run.mjs [--quick] [--rounds N] [--only PART[,PART…]]   (npm run bench -- …)

  --quick        one small round (unless --rounds), to check that everything runs
  --rounds N     rounds to run (default 5, 1 with --quick)
  --only PARTS   run only these parts, comma-separated: ${PARTS.join(', ')}
                 (servers: rows (a)–(g) and (n); clients: (h); workers: (i), (j); redis: (k), (l); flood: (m))
  --help         print this and exit`;

function options() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        only: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    const rounds = values.rounds === undefined ? (values.quick ? 1 : 5) : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new Error(`--rounds: want a whole number ≥ 1, got ${values.rounds}`);
    const only = values.only?.split(',');
    const unknown = only?.find((part) => !PARTS.includes(part));
    if (unknown !== undefined) throw new Error(`--only: no part "${unknown}" (there are ${PARTS.join(', ')})`);
    return { quick: values.quick, rounds, parts: new Set(only ?? PARTS), partial: only !== undefined };
  } catch (error) {
    console.error(`bench: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
}

const { quick, rounds: ROUNDS, parts, partial } = options();

const SIZES = quick
  ? {
      unary: 3000,
      latency: 300,
      chat1: 4000,
      chat8: 8000,
      listRepeat: 20,
      record: 20000,
      clientChat: 20000,
      clientUnary: 5000,
      warmup: 500,
      timeoutMs: 60_000,
    }
  : {
      unary: 50000,
      latency: 5000,
      chat1: 100000,
      chat8: 100000,
      listRepeat: 1000,
      record: 200000,
      clientChat: 100000,
      clientUnary: 20000,
      warmup: 3000,
      timeoutMs: 300_000,
    };

const t0 = Date.now();
const clock = () => `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)}s`;
const progress = (msg) => console.log(`${clock()} ${msg}`);

function prerequisites() {
  for (const f of ['dist/src/cli.js', 'dist/src/client/index.js']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  if (spawnSync('h2load', ['--version']).status !== 0)
    throw new Error('h2load not found (apt-get install nghttp2-client)');
  for (const script of ['test/go/build-routeguide.sh', 'bench/go/build.sh']) {
    progress(`building Go binaries (${script}; the first build takes a few minutes)`);
    const r = spawnSync('bash', [join(ROOT, script), GO_OUT], {
      encoding: 'utf8',
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    if (r.status !== 0) throw new Error(`${script} failed (exit ${r.status}): ${r.stderr.trim()}`);
  }
  return { loadgen: join(GO_OUT, 'loadgen'), goServer: join(GO_OUT, 'routeguide-server') };
}

const ALL = ['chat1', 'chat8', 'list', 'record', 'unary', 'latency'];
function serverCommands(bins, port) {
  const node = (script, ...args) => ({
    cmd: process.execPath,
    args: [join(ROOT, script), ...args, '--port', String(port)],
  });
  return {
    grpcjs: { ...node('bench/servers/grpcjs-server.mjs'), workloads: ALL },
    ours: { ...node('dist/src/cli.js', 'serve'), workloads: [...ALL, 'tap'] },
    grpcgo: {
      cmd: bins.goServer,
      args: ['-port', String(port), '-json_db_file', DB],
      env: { GOMAXPROCS: '1' },
      workloads: ALL,
    },
    ceilingUnary: { ...node('bench/servers/ceiling-unary.mjs'), workloads: ['unary', 'latency'] },
    ceilingEcho: { ...node('bench/servers/ceiling-echo.mjs'), workloads: ['chat1', 'chat8'] },
  };
}

const errors = [];
const fmt = (v) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: v < 100 ? 3 : 0 }) : String(v);

/** Runs one measurement; a wrong answer or a tool failure is recorded and yields null. */
async function measure(where, label, fn) {
  try {
    const started = Date.now();
    const value = await fn();
    const shown =
      typeof value === 'object'
        ? Object.entries(value)
            .map(([k, v]) => `${k} ${fmt(v)}`)
            .join(', ')
        : fmt(value);
    progress(`  ${where}: ${label}: ${shown}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return value;
  } catch (err) {
    const message = err instanceof Mismatch ? err.message : String(err?.stack ?? err);
    errors.push({ where, label, message });
    progress(`  ${where}: ${label}: FAILED: ${message}`);
    return null;
  }
}

/** `ids` in turn order for a round: the first moves one place further each round. */
function rotated(ids, round) {
  const k = (round - 1) % ids.length;
  return [...ids.slice(k), ...ids.slice(0, k)];
}

/**
 * Starts one process per id, in turn order, each on a free port: `start(id, port)` resolves with
 * `{ server, ... }`. One that fails to start is reported and left out of the returned map.
 */
async function startEach(order, where, start) {
  const live = {};
  for (const id of order) {
    const port = await freePort();
    try {
      live[id] = { port, ...(await start(id, port)) };
    } catch (err) {
      errors.push({ where: where(id), label: 'start', message: String(err.message) });
      progress(`  ${where(id)}: FAILED to start: ${err.message}`);
    }
  }
  return live;
}

const stopEach = (live) => Promise.all(Object.values(live).map((entry) => entry.server.stop()));

// Every server runs the same workloads in this order ((c) first, so that VmHWM is (c)'s peak); (n)
// and (o), ours only, come last so that its notes do not weigh on the other workloads.
const WORKLOADS = ['warmup', 'chat1', 'chat8', 'list', 'record', 'unary', 'latency', 'tap'];

/**
 * One round: every server starts fresh as its own process, then each workload runs on every server
 * in turn (A B C, A B C, …), so the values compared within a round are measured seconds apart, not
 * a minute apart — on a shared machine whose speed drifts, that is what keeps the ratios honest. The
 * order of the servers rotates from round to round. Idle servers wait on CPU 0 and use no CPU.
 */
async function benchRound(bins, round) {
  const ids = SERVERS.map((s) => s.id);
  const order = rotated(ids, round);
  const out = Object.fromEntries(ids.map((id) => [id, {}]));
  const live = await startEach(
    order,
    (id) => `round ${round} ${id}`,
    async (id, port) => {
      const spec = serverCommands(bins, port)[id];
      return { spec, server: await startServer(spec.cmd, spec.args, port, { env: spec.env }) };
    },
  );
  try {
    for (const workload of WORKLOADS) {
      if (workload === 'warmup' && !SIZES.warmup) continue;
      for (const id of order) {
        const entry = live[id];
        if (!entry || (workload !== 'warmup' && !entry.spec.workloads.includes(workload))) continue;
        const where = `round ${round} ${id}`;
        await runWorkload(bins, workload, entry, where, out[id]);
        if (!entry.server.alive()) {
          errors.push({ where, label: 'server', message: `server exited during the run: ${entry.server.stderr()}` });
          progress(`  ${where}: FAILED: the server exited`);
          delete live[id];
        }
      }
    }
  } finally {
    await stopEach(live);
  }
  return out;
}

/** One workload on one server; results go into `out` (null when the run failed or an answer was wrong). */
async function runWorkload(bins, workload, { spec, port, server }, where, out) {
  const has = (w) => spec.workloads.includes(w);
  const lg = (args) => loadgen(bins.loadgen, port, args, SIZES.timeoutMs);
  switch (workload) {
    case 'warmup':
      await measure(where, 'warm-up', async () => {
        if (has('unary')) await lg(['unary', '-n', String(SIZES.warmup), '-c', '8', '-point', '409146138,-746188906']);
        if (has('chat1')) await lg(['routechat', '-n', String(SIZES.warmup), '-base', '90000000']);
        return 'done';
      });
      return;
    case 'chat1': {
      const rss = rssSampler(server.pid);
      const chat1 = await measure(
        where,
        `(c) RouteChat 1 stream, ${SIZES.chat1} notes, notes/s and CPU µs/note`,
        async () => {
          const args = ['routechat', '-n', String(SIZES.chat1), '-streams', '1', '-base', '1000000'];
          const { value, cpuUs } = await withCpu([server.pid], SIZES.chat1, () => lg(args));
          return { 'notes/s': value.rate, 'CPU µs/note': cpuUs };
        },
      );
      out.chat1 = chat1?.['notes/s'] ?? null;
      out.chat1CpuUs = chat1?.['CPU µs/note'] ?? null;
      const peak = rss.stop() ?? null;
      out.rss = out.chat1 === null ? null : peak;
      if (out.rss !== null) progress(`  ${where}: (g) peak RSS during (c): ${out.rss.toFixed(1)} MB`);
      return;
    }
    case 'chat8': {
      const chat8 = await measure(
        where,
        `(d) RouteChat 8 streams, ${SIZES.chat8} notes, notes/s and CPU µs/note`,
        async () => {
          const args = ['routechat', '-n', String(SIZES.chat8), '-streams', '8', '-base', '20000000'];
          const { value, cpuUs } = await withCpu([server.pid], SIZES.chat8, () => lg(args));
          return { 'notes/s': value.rate, 'CPU µs/note': cpuUs };
        },
      );
      out.chat8 = chat8?.['notes/s'] ?? null;
      out.chat8CpuUs = chat8?.['CPU µs/note'] ?? null;
      return;
    }
    case 'list':
      out.list = await measure(
        where,
        `(e) ListFeatures x${SIZES.listRepeat}, features/s`,
        async () => (await lg(['listfeatures', '-repeat', String(SIZES.listRepeat)])).rate,
      );
      return;
    case 'record':
      out.record = await measure(
        where,
        `(f) RecordRoute ${SIZES.record} points, points/s`,
        async () => (await lg(['recordroute', '-points', String(SIZES.record)])).rate,
      );
      return;
    case 'unary': {
      const ok = await measure(
        where,
        'unary answer check (Go client)',
        async () => (await verifyUnary(bins.loadgen, port), 'ok'),
      );
      out.unary =
        ok === null
          ? null
          : await measure(where, `(a) unary h2load -c 8 -m 16 -n ${SIZES.unary}, req/s`, () =>
              unaryThroughput(port, SIZES.unary, SIZES.timeoutMs),
            );
      return;
    }
    case 'tap':
      for (const m of TAP_METRICS)
        out[m.id] = await tapChat1({ root: ROOT, bins, sizes: SIZES, errors, progress, measure }, port, where, m);
      return;
    case 'latency': {
      const lat = await measure(where, `(b) unary latency h2load -c 1 -m 1 -n ${SIZES.latency}, ms`, () =>
        unaryLatency(port, SIZES.latency, SIZES.timeoutMs),
      );
      out.p50 = lat?.p50 ?? null;
      out.p99 = lat?.p99 ?? null;
      return;
    }
  }
}

/**
 * (h) The clients of one round, each against its own fresh grpc-go server (the server keeps RouteChat
 * notes for its lifetime), workload by workload in turn as in benchRound.
 */
async function benchClients(bins, round) {
  const ids = CLIENTS.map((c) => c.id);
  const order = rotated(ids, round);
  const out = Object.fromEntries(ids.map((id) => [id, {}]));
  const live = await startEach(
    order,
    (id) => `round ${round} client ${id}`,
    async (id, port) => ({
      server: await startServer(bins.goServer, ['-port', String(port), '-json_db_file', DB], port, {
        env: { GOMAXPROCS: '1' },
      }),
    }),
  );
  try {
    // The Node clients warm up first, as every server does before its rows (bench/clients/common.mjs).
    const call = (id, args) =>
      id === 'grpcgo'
        ? loadgen(bins.loadgen, live[id].port, args, SIZES.timeoutMs)
        : nodeClient(id, live[id].port, [...args, '--warmup', String(SIZES.warmup)], SIZES.timeoutMs);
    for (const id of order) {
      if (!live[id]) continue;
      const base = id === 'grpcgo' ? '-base' : '--base';
      out[id].chat1 = await measure(
        `round ${round} client ${id}`,
        `(h) RouteChat 1 stream, ${SIZES.clientChat} notes, notes/s`,
        async () => (await call(id, ['routechat', '-n', String(SIZES.clientChat), base, '1000000'])).rate,
      );
    }
    for (const id of order) {
      if (!live[id]) continue;
      out[id].unary = await measure(
        `round ${round} client ${id}`,
        `(h) unary ${SIZES.clientUnary} calls, 8 in flight, calls/s`,
        async () => (await call(id, ['unary', '-n', String(SIZES.clientUnary), '-c', '8'])).rate,
      );
    }
  } finally {
    await stopEach(live);
  }
  return out;
}

function version(cmd, args, pattern) {
  try {
    const text = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return (text.match(pattern)?.[1] ?? text).trim();
  } catch {
    return 'unknown';
  }
}

function machine() {
  const osRelease = existsSync('/etc/os-release')
    ? readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)/m)?.[1]
    : undefined;
  const pkgVersion = (p) => JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')).version;
  return {
    cpu: os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${osRelease ?? os.type()} (Linux ${os.release()})`,
    node: process.version,
    go: version('go', ['version'], /(go\d[\d.]*)/),
    grpcGo: version('dpkg-query', ['-W', '-f=${Version}', 'golang-google-grpc-dev'], /^(.*)$/),
    grpcJs: pkgVersion('@grpc/grpc-js'),
    h2load: version('h2load', ['--version'], /nghttp2\/([\d.]+)/),
    pinned: HAS_TASKSET,
    rounds: ROUNDS,
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main() {
  progress(
    `routeguide-h2 benchmark, ${quick ? 'quick' : 'full'} mode, ${ROUNDS} round(s)${partial ? `, only ${[...parts].join(', ')}` : ''}${HAS_TASKSET ? '' : ' (no taskset: processes are not pinned)'}`,
  );
  const bins = prerequisites();
  const info = machine();
  const serverRounds = [];
  const clientRounds = [];
  const scaleRounds = [];
  const scaleContext = {
    root: ROOT,
    bins,
    sizes: SIZES,
    quick,
    parts,
    errors,
    progress,
    measure,
    rotated,
    startEach,
    stopEach,
  };
  for (let round = 1; round <= ROUNDS; round++) {
    if (parts.has('servers')) progress(`round ${round}/${ROUNDS}: servers, each workload on each in turn`);
    serverRounds.push(parts.has('servers') ? await benchRound(bins, round) : {});
    if (parts.has('clients'))
      progress(`round ${round}/${ROUNDS}: clients against grpc-go, each workload on each in turn`);
    clientRounds.push(parts.has('clients') ? await benchClients(bins, round) : {});
    const scale = SCALE_PARTS.some((part) => parts.has(part));
    if (scale)
      progress(`round ${round}/${ROUNDS}: scale-out: ${SCALE_PARTS.filter((part) => parts.has(part)).join(', ')}`);
    scaleRounds.push(scale ? await benchScale(scaleContext, round) : {});
  }
  const result = {
    mode: quick ? 'quick' : 'full',
    parts: [...parts],
    finishedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
    machine: info,
    sizes: SIZES,
    baseline: BASELINE,
    rounds: serverRounds.map((servers, i) => ({ servers, clients: clientRounds[i], scale: scaleRounds[i] })),
    summary: {
      servers: summarize(
        serverRounds,
        SERVER_METRICS,
        SERVERS.map((s) => s.id),
      ),
      clients: summarize(
        clientRounds,
        CLIENT_METRICS,
        CLIENTS.map((c) => c.id),
      ),
      ceilings: summarizeCeilings(serverRounds),
      clientCeilings: summarizeCeilings(clientRounds, CLIENT_CEILING_RATIOS),
      scale: summarizeScale(scaleRounds, serverRounds),
      tap: summarizeTap(serverRounds),
    },
    errors,
  };
  mkdirSync(RESULTS, { recursive: true });
  const table = markdown(result);
  const [json, md, chart] = partial
    ? ['partial.json', 'partial.md', 'partial-ratios.svg']
    : quick
      ? ['quick.json', 'quick.md', 'quick-ratios.svg']
      : ['latest.json', 'latest.md', 'ratios.svg'];
  writeFileSync(join(RESULTS, json), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(RESULTS, md), table + '\n');
  writeFileSync(join(RESULTS, chart), svg(result));
  console.log(`\n${table}\n`);
  progress(`wrote bench/results/${json}, ${md}, ${chart}`);
  if (errors.length) {
    console.error(`${errors.length} measurement(s) failed or got wrong answers:`);
    for (const e of errors) console.error(`  ${e.where}: ${e.label}: ${e.message}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exitCode = 2;
});
