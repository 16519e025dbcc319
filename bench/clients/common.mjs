// Shared by the Node benchmark clients: argument parsing, the RouteChat notes (the same scheme as
// bench/go/loadgen), answer checks, and the JSON result line.
//
//   node bench/clients/CLIENT.mjs --addr 127.0.0.1:P routechat -n 100000 [--base 1000000]
//   node bench/clients/CLIENT.mjs --addr 127.0.0.1:P unary -n 20000 -c 8

import { readFileSync } from 'node:fs';

export const DEADLINE_MS = 10 * 60_000; // generous: a benchmark call must not time out

export function parseClientArgs(argv = process.argv.slice(2)) {
  const opts = { addr: '127.0.0.1:50051', mode: undefined, n: 100_000, c: 8, base: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) opts.mode ??= a;
    else {
      const name = a.replace(/^-+/, '');
      const value = argv[++i];
      opts[name] = name === 'addr' ? value : Number(value);
    }
  }
  if (opts.mode !== 'routechat' && opts.mode !== 'unary') die('mode must be routechat or unary');
  return opts;
}

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

export function printResult(ops, startNs) {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  console.log(JSON.stringify({ ops, seconds, rate: ops / seconds }));
}
