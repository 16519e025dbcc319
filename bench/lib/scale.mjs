// The scale-out rows of a round, run after the main ones:
//
//   (i), (j)  `serve --workers 2` against one process of ours and of @grpc/grpc-js, unary and
//             8-stream RouteChat, in each placement of proc.mjs's WORKER_PLACEMENTS: the load
//             generator alone on its own CPU and the servers on the others (where taskset exists),
//             then nothing pinned.
//   (k), (l)  RouteChat on the Redis store: server and redis-server on CPU 0, load generator on
//             CPU 1 — as (c) and (d), the memory store's rows, which they are compared with; with
//             the CPU time per note of CPU 0's processes (the server; the server and redis-server).
//   (m)       the memory store flooded with 1 KiB notes: peak RSS while filling it to its byte bound,
//             and while sending as many again (every one of them dropping the oldest).
//
// No targets on (i) and (j) yet; (k) and (l) must reach 0.5× the memory store; (m) must stay
// within 10%.

import { join } from 'node:path';
import { WORKER_SERVERS } from './metrics.mjs';
import { freePort, startServer, withCpu, WORKER_PLACEMENTS } from './proc.mjs';
import { rssSampler } from './rss.mjs';
import { loadgen, unaryThroughput, verifyUnary } from './workloads.mjs';

/** The byte bound of the flooded store, and so how many 1 KiB notes reach it. */
const FLOOD_BOUND = { quick: 16 * 2 ** 20, full: 128 * 2 ** 20 };
const FLOOD_NOTE_BYTES = 1024;

/**
 * One round's scale-out rows, those of `ctx.parts` ('workers', 'redis', 'flood'). `ctx`: { root, bins, sizes, quick, parts, errors, progress(line),
 * measure(where, label, fn), rotated(ids, round), startEach(order, where, start), stopEach(live) }
 * from run.mjs.
 * Returns { workers: { [placement]: { [id]: { unary, chat8 } } }, redis: { chat1, chat8 }, flood: { atBound, twice } }.
 */
export async function benchScale(ctx, round) {
  const workers = {};
  if (ctx.parts.has('workers')) {
    for (const placement of WORKER_PLACEMENTS) workers[placement.id] = await workerRows(ctx, round, placement);
  }
  return {
    workers,
    redis: ctx.parts.has('redis') ? await redisRows(ctx, round) : {},
    flood: ctx.parts.has('flood') ? await floodRow(ctx, round) : {},
  };
}

/** Starts a process as `startServer` does; a failure is recorded in `ctx.errors` and yields null. */
async function started(ctx, where, label, start) {
  try {
    return await start();
  } catch (err) {
    ctx.errors.push({ where, label, message: String(err.message) });
    ctx.progress(`  ${where}: ${label}: FAILED: ${err.message}`);
    return null;
  }
}

const serveArgs = (root, port, ...more) => [join(root, 'dist/src/cli.js'), 'serve', '--port', String(port), ...more];

async function workerRows({ root, bins, sizes, measure, rotated, startEach, stopEach }, round, placement) {
  const args = {
    grpcjs: (port) => [join(root, 'bench/servers/grpcjs-server.mjs'), '--port', String(port)],
    ours: (port) => serveArgs(root, port),
    oursWorkers2: (port) => serveArgs(root, port, '--workers', '2', '--store', 'memory', '--unshared'),
  };
  const order = rotated(
    WORKER_SERVERS.map((s) => s.id),
    round,
  );
  const out = Object.fromEntries(order.map((id) => [id, {}]));
  const live = await startEach(
    order,
    (id) => `round ${round} scale ${placement.id} ${id}`,
    async (id, port) => ({
      server: await startServer(process.execPath, args[id](port), port, { cpu: placement.servers }),
    }),
  );
  const lg = (port, a) => loadgen(bins.loadgen, port, a, sizes.timeoutMs, placement.load);
  try {
    for (const workload of ['warmup', 'unary', 'chat8']) {
      for (const id of order) {
        if (!live[id]) continue;
        const { port } = live[id];
        const where = `round ${round} scale ${placement.id} ${id}`;
        if (workload === 'warmup') {
          await measure(where, 'warm-up', async () => {
            await lg(port, ['unary', '-n', String(sizes.warmup), '-c', '8', '-point', '409146138,-746188906']);
            await lg(port, ['routechat', '-n', String(sizes.warmup), '-streams', '8', '-base', '90000000']);
            return 'done';
          });
        } else if (workload === 'unary') {
          const ok = await measure(
            where,
            'unary answer check',
            async () => (await verifyUnary(bins.loadgen, port), 'ok'),
          );
          out[id].unary =
            ok === null
              ? null
              : await measure(where, `(i) unary h2load -c 8 -m 16 -n ${sizes.unary}, ${placement.id}, req/s`, () =>
                  unaryThroughput(port, sizes.unary, sizes.timeoutMs, placement.load),
                );
        } else {
          out[id].chat8 = await measure(
            where,
            `(j) RouteChat 8 streams, ${sizes.chat8} notes, ${placement.id}, notes/s`,
            async () =>
              (await lg(port, ['routechat', '-n', String(sizes.chat8), '-streams', '8', '-base', '20000000'])).rate,
          );
        }
      }
    }
  } finally {
    await stopEach(live);
  }
  return out;
}

async function redisRows(ctx, round) {
  const { root, bins, sizes, measure } = ctx;
  const where = `round ${round} scale redis`;
  const out = { chat1: null, chat8: null, chat1CpuUs: null, chat8CpuUs: null };
  const redisPort = await freePort();
  const redis = await started(ctx, where, 'start redis-server (CPU 0)', () =>
    startServer(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      redisPort,
    ),
  );
  if (redis === null) return out;
  const port = await freePort();
  const server = await started(ctx, where, 'start routeguide-h2 --store redis (CPU 0)', () =>
    startServer(process.execPath, serveArgs(root, port, '--store', `redis://127.0.0.1:${redisPort}`), port),
  );
  try {
    if (server === null) return out;
    const lg = (a) => loadgen(bins.loadgen, port, a, sizes.timeoutMs);
    await measure(where, 'warm-up', async () => {
      await lg(['routechat', '-n', String(sizes.warmup), '-base', '90000000']);
      return 'done';
    });
    // Each row also gives the CPU time per note of CPU 0's two processes, server and redis-server.
    const pids = [server.pid, redis.pid];
    for (const [id, row, notes, streams, base] of [
      ['chat1', 'k', sizes.chat1, 1, 1000000],
      ['chat8', 'l', sizes.chat8, 8, 20000000],
    ]) {
      const args = ['routechat', '-n', String(notes), '-streams', String(streams), '-base', String(base)];
      const measured = await measure(
        where,
        `(${row}) RouteChat on Redis, ${streams} stream${streams > 1 ? 's' : ''}, ${notes} notes, notes/s and CPU 0 µs/note`,
        async () => {
          const { value, cpuUs } = await withCpu(pids, notes, () => lg(args));
          return { 'notes/s': value.rate, 'CPU 0 µs/note': cpuUs };
        },
      );
      out[id] = measured?.['notes/s'] ?? null;
      out[`${id}CpuUs`] = measured?.['CPU 0 µs/note'] ?? null;
    }
  } finally {
    await server?.stop();
    await redis.stop();
  }
  return out;
}

async function floodRow(ctx, round) {
  const { root, bins, sizes, quick, measure, progress } = ctx;
  const where = `round ${round} scale flood`;
  const bound = quick ? FLOOD_BOUND.quick : FLOOD_BOUND.full;
  const notes = bound / FLOOD_NOTE_BYTES;
  const out = { atBound: null, twice: null };
  const port = await freePort();
  const server = await started(ctx, where, `start routeguide-h2 --max-note-bytes ${bound}`, () =>
    startServer(process.execPath, serveArgs(root, port, '--max-note-bytes', String(bound)), port),
  );
  if (server === null) return out;
  const flood = (base) =>
    loadgen(
      bins.loadgen,
      port,
      ['routechat', '-n', String(notes), '-streams', '1', '-size', String(FLOOD_NOTE_BYTES), '-base', String(base)],
      sizes.timeoutMs,
    );
  try {
    let rss = rssSampler(server.pid);
    const filled = await measure(
      where,
      `(m) ${notes} notes of 1 KiB: the store at its bound`,
      async () => (await flood(1_000_000)).rate,
    );
    out.atBound = filled === null ? null : (rss.stop() ?? null);
    if (out.atBound === null) return out;
    rss = rssSampler(server.pid);
    const flooded = await measure(
      where,
      `(m) ${notes} more: each one drops the oldest`,
      async () => (await flood(1_000_000 + notes)).rate,
    );
    out.twice = flooded === null ? null : (rss.stop() ?? null);
    if (out.twice !== null)
      progress(
        `  ${where}: (m) peak RSS ${out.atBound.toFixed(1)} MB at the bound, ${out.twice.toFixed(1)} MB at twice it`,
      );
  } finally {
    await server.stop();
  }
  return out;
}
