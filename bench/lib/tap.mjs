// (n) The wire tap: RouteChat, one stream, through `routeguide tap --json` (its output to /dev/null)
// in front of our server, measured right after that server's other workloads, next to (c); (o) the
// same through a tap given `--fault latency:time=0ms` (metrics.mjs: TAP_METRICS).
//
// The tap shares the load generator's CPU, so that the server has its core to itself as in (c). The
// tap starts cold, so it gets a warm-up of its own first (the server had its own before (c)). Every
// run is checked: the tap's own count of what it decoded (its last line on stderr) must hold every
// note both ways, none of them dropped.

import { join } from 'node:path';
import { freePort, LOAD_CPU, startServer } from './proc.mjs';
import { loadgen } from './workloads.mjs';

// Each row's notes at locations of their own, away from every other workload's (and each other's):
// RouteChat answers a note with the notes at its location before it.
const BASES = {
  tapChat1: { run: 50000000, warmup: 91000000 },
  tapFaultChat1: { run: 60000000, warmup: 92000000 },
};

/**
 * `ctx`: { root, bins, sizes, errors, progress(line), measure(where, label, fn) } from run.mjs;
 * `port`: our server; `metric`: the row of TAP_METRICS, its `faults` the tap's fault flags.
 * Resolves with the notes/s through the tap, or null when the run failed.
 */
export async function tapChat1(ctx, port, where, metric) {
  const { root, bins, sizes, errors, progress, measure } = ctx;
  const row = metric.label.slice(0, 3); // "(n)", "(o)"
  const tapPort = await freePort();
  const args = [
    join(root, 'dist/src/cli.js'),
    'tap',
    '--listen',
    `127.0.0.1:${tapPort}`,
    '--upstream',
    `127.0.0.1:${port}`,
    '--json',
    ...(metric.faults ?? []),
  ];
  let tap;
  try {
    tap = await startServer(process.execPath, args, tapPort, { cpu: LOAD_CPU });
  } catch (err) {
    errors.push({ where, label: `${row} tap start`, message: String(err.message) });
    return null;
  }
  const chat = (n, base) =>
    loadgen(
      bins.loadgen,
      tapPort,
      ['routechat', '-n', String(n), '-streams', '1', '-base', String(base)],
      sizes.timeoutMs,
    );
  const warmup = await measure(where, `${row} warm-up through the tap`, async () => {
    await chat(sizes.warmup, BASES[metric.id].warmup);
    return 'done';
  });
  const rate = await measure(
    where,
    `${row} RouteChat 1 stream through the tap, ${sizes.chat1} notes, notes/s`,
    async () => (await chat(sizes.chat1, BASES[metric.id].run)).rate,
  );
  await tap.stop();
  if (rate === null) return null;
  const seen = /(\d+) messages?, .*\), (\d+) not shown/.exec(tap.stderr());
  const want = 2 * (sizes.chat1 + (warmup === null ? 0 : sizes.warmup));
  if (!seen || Number(seen[1]) !== want || Number(seen[2]) !== 0) {
    const message = `the tap decoded ${seen?.[1] ?? '?'} messages (want ${want}), ${seen?.[2] ?? '?'} not shown: ${tap.stderr().slice(-300)}`;
    errors.push({ where, label: `${row} tap decoding`, message });
    progress(`  ${where}: ${row} FAILED: ${message}`);
    return null;
  }
  progress(`  ${where}: ${row} the tap decoded all ${want} messages, none dropped`);
  return rate;
}
