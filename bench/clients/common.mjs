// Shared by the Node benchmark clients: argument parsing, the RouteChat notes (the same scheme as
// bench/go/loadgen), answer checks, and the JSON result line.
//
//   node bench/clients/CLIENT.mjs --addr 127.0.0.1:P routechat -n 100000 [--base 1000000] [--warmup 3000]
//   node bench/clients/CLIENT.mjs --addr 127.0.0.1:P unary -n 20000 -c 8 [--warmup 3000]
//
// `--warmup N`: before the clock starts, the client runs the same workload with N notes (at
// WARMUP_BASE, locations no measured note uses) or N calls, as bench/run.mjs warms the servers up
// before their rows: the clock then measures a client whose code is compiled, not its warm-up.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { integerOption, parseCommandLine, usageError } from '../lib/command-line.mjs';

export const DEADLINE_MS = 10 * 60_000; // generous: a benchmark call must not time out

/** The client's command line (see the top of this file); a mistake is a usage error (exit 2). */
export function parseClientArgs(argv = process.argv.slice(2)) {
  const name = basename(process.argv[1]);
  const usage = [
    `usage: node bench/clients/${name} [--addr HOST:PORT] routechat [-n NOTES] [--base LATITUDE] [--warmup N]`,
    `       node bench/clients/${name} [--addr HOST:PORT] unary [-n CALLS] [-c CONCURRENCY] [--warmup N]`,
    '',
    '  --addr HOST:PORT  the server (default 127.0.0.1:50051)',
    '  -n N              notes (routechat, default 100000) or calls (unary, default 100000)',
    '  -c N              calls in flight at once (unary, default 8)',
    '  --base LATITUDE   latitude of the first note (routechat, default 1000000)',
    '  --warmup N        notes or calls of the same workload before the clock starts (default 0)',
    '  -h, --help        show this help',
  ].join('\n');
  const { values, positionals } = parseCommandLine(
    name,
    usage,
    {
      addr: { type: 'string', default: '127.0.0.1:50051' },
      count: { type: 'string', short: 'n', default: '100000' },
      concurrency: { type: 'string', short: 'c', default: '8' },
      base: { type: 'string', default: '1000000' },
      warmup: { type: 'string', default: '0' },
    },
    { positionals: true, argv },
  );
  const [mode, ...rest] = positionals;
  if (mode !== 'routechat' && mode !== 'unary') usageError(name, usage, 'the mode must be routechat or unary');
  if (rest.length > 0) usageError(name, usage, `unexpected argument "${rest[0]}"`);
  return {
    addr: values.addr,
    mode,
    n: integerOption(name, usage, '-n', values.count, 1, 2 ** 31 - 1),
    c: integerOption(name, usage, '-c', values.concurrency, 1, 100_000),
    base: integerOption(name, usage, '--base', values.base, -(2 ** 31), 2 ** 31 - 1),
    warmup: integerOption(name, usage, '--warmup', values.warmup, 0, 2 ** 31 - 1),
  };
}

/** Where the notes of a warm-up start: far from any measured run's (bench/run.mjs's server warm-up uses it too). */
export const WARMUP_BASE = 90_000_000;

export function die(message) {
  console.error(`client: ${message}`);
  process.exit(1);
}

/** Note i of a run: a location used by no other note, so the server answers with exactly it. */
export function noteAt(latitude) {
  return { location: { latitude, longitude: -1 }, message: `note ${latitude}` };
}

export function checkNote(got, want, index) {
  const ok =
    got?.location?.latitude === want.location.latitude &&
    got?.location?.longitude === want.location.longitude &&
    got?.message === want.message;
  if (!ok) die(`routechat: reply ${index} is ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

const DB = JSON.parse(readFileSync(new URL('../../data/route_guide_db.json', import.meta.url), 'utf8'));

/** Unary call i asks alternately for a known feature and for a point without one. */
export const ASKS = [DB[0].location, { latitude: 1, longitude: 2 }];
const WANT_NAMES = [DB[0].name, ''];

export function checkFeature(got, i) {
  const ask = ASKS[i % 2];
  const ok =
    (got?.name ?? '') === WANT_NAMES[i % 2] &&
    got?.location?.latitude === ask.latitude &&
    got?.location?.longitude === ask.longitude;
  if (!ok) die(`unary: call ${i} answered ${JSON.stringify(got)}`);
}

/** Runs `worker` on `c` concurrent loops that share the call indexes 0..n-1. */
export async function concurrently(n, c, worker) {
  let next = 0;
  const loop = async () => {
    for (let i = next++; i < n; i = next++) await worker(i);
  };
  await Promise.all(Array.from({ length: Math.min(c, n) }, loop));
}

/** Starts the clock of a run: wall time, and the process's CPU time (user + system). */
export function startClock() {
  return { ns: process.hrtime.bigint(), cpu: process.cpuUsage() };
}

/**
 * The JSON result line: ops, wall seconds, rate, and the CPU seconds this client process used —
 * on a loaded machine, CPU time per op says more about a client's own cost than the rate does.
 */
export function printResult(ops, clock) {
  const seconds = Number(process.hrtime.bigint() - clock.ns) / 1e9;
  const cpu = process.cpuUsage(clock.cpu);
  console.log(JSON.stringify({ ops, seconds, rate: ops / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
}
