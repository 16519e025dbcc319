// The measured workloads. Each returns a number (higher or lower is better, see metrics.mjs) or
// throws a Mismatch when the answers were wrong or the tool failed.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOAD_CPU, run } from './proc.mjs';
import { POINT, REQUEST_BYTES, RESPONSE_BYTES } from './unary-fixture.mjs';

export class Mismatch extends Error {}

const DB = new URL('../../data/route_guide_db.json', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'routeguide-bench-'));
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
const requestFile = join(scratch, 'point.bin');
writeFileSync(requestFile, REQUEST_BYTES);

function failed(what, r) {
  const why = r.timedOut ? 'timed out' : `exit ${r.code}`;
  return new Mismatch(`${what} ${why}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
}

/** Runs the Go load generator (on `cpu`, default the load generator's); returns its {ops, seconds, rate}. */
export async function loadgen(bin, port, args, timeoutMs, cpu = LOAD_CPU) {
  const r = await run(bin, ['-addr', `127.0.0.1:${port}`, '-db', DB, ...args], { timeoutMs, cpu });
  if (r.code !== 0) throw failed(`loadgen ${args[0]}`, r);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** Runs a Node benchmark client (bench/clients/NAME.mjs); returns its {ops, seconds, rate}. */
export async function nodeClient(name, port, args, timeoutMs) {
  const script = new URL(`../clients/${name}.mjs`, import.meta.url).pathname;
  const r = await run(process.execPath, [script, '--addr', `127.0.0.1:${port}`, ...args], { timeoutMs });
  if (r.code !== 0) throw failed(`client ${name} ${args[0]}`, r);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/** One GetFeature call checked by the Go client (h2load only counts HTTP statuses). */
export async function verifyUnary(bin, port) {
  await loadgen(bin, port, ['unary', '-n', '1', '-c', '1', '-point', `${POINT.latitude},${POINT.longitude}`], 30_000);
}

function h2loadArgs(port, n, c, m) {
  return [
    '-c',
    String(c),
    '-m',
    String(m),
    '-n',
    String(n),
    '--header',
    'content-type: application/grpc',
    '--header',
    'te: trailers',
    '-d',
    requestFile,
    `http://127.0.0.1:${port}/routeguide.RouteGuide/GetFeature`,
  ];
}

/** Checks h2load's summary: every request succeeded with a 2xx and exactly the expected body bytes. */
function checkH2load(out, n) {
  const req = out.match(/requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored/);
  const codes = out.match(/status codes: (\d+) 2xx/);
  const data = out.match(/traffic: .*?, .*?\((\d+)\) headers .*?, .*?\((\d+)\) data/);
  if (!req || !codes || !data) throw new Mismatch(`unparsable h2load output: ${out.slice(-300)}`);
  if (Number(req[2]) !== n || Number(codes[1]) !== n) throw new Mismatch(`h2load: ${req[0]}; ${codes[0]}`);
  const want = n * RESPONSE_BYTES.length;
  if (Number(data[2]) !== want)
    throw new Mismatch(`h2load: ${data[2]} response body bytes, want ${want} (${n} x ${RESPONSE_BYTES.length})`);
}

/** (a) unary throughput: h2load -c 8 -m 16 (on `cpu`, default the load generator's); req/s. */
export async function unaryThroughput(port, n, timeoutMs, cpu = LOAD_CPU) {
  const r = await run('h2load', h2loadArgs(port, n, 8, 16), { timeoutMs, cpu });
  if (r.code !== 0) throw failed('h2load', r);
  checkH2load(r.stdout, n);
  const m = r.stdout.match(/finished in [\d.]+\w+, ([\d.]+) req\/s/);
  if (!m) throw new Mismatch('h2load printed no req/s');
  return Number(m[1]);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** (b) unary latency: h2load -c 1 -m 1; {p50, p99} in ms from --log-file (h2load prints no percentiles). */
export async function unaryLatency(port, n, timeoutMs) {
  // h2load appends to its log file, and a port can come round again: each run starts a new file.
  const log = join(scratch, `latency-${port}.log`);
  rmSync(log, { force: true });
  const r = await run('h2load', ['--log-file', log, ...h2loadArgs(port, n, 1, 1)], { timeoutMs });
  if (r.code !== 0) throw failed('h2load', r);
  checkH2load(r.stdout, n);
  // Each line: start time (µs since epoch) TAB HTTP status TAB duration (µs).
  const rows = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
  if (rows.length !== n || rows.some((f) => f[1] !== '200'))
    throw new Mismatch(`h2load log: ${rows.length} rows, want ${n} with status 200`);
  const us = rows.map((f) => Number(f[2])).sort((a, b) => a - b);
  return { p50: percentile(us, 50) / 1000, p99: percentile(us, 99) / 1000 };
}
