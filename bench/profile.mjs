// Where a Node server spends its CPU time under one workload:
//
//   node bench/profile.mjs [--server ours|grpcjs|ceiling-unary|ceiling-echo]
//     [--workload chat|unary] [--notes 100000] [--streams 1] [--calls 50000] [--top 25]
//
// Runs the server under `node --cpu-prof` (pinned like bench/run.mjs), drives it with the Go load
// generator's RouteChat (workload c) or h2load unary GetFeature (workload a), and prints self time
// by category and by function. The .cpuprofile is kept for Chrome DevTools.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integerOption, parseCommandLine, usageError } from './lib/command-line.mjs';
import { freePort, startServer } from './lib/proc.mjs';
import { loadgen, unaryThroughput } from './lib/workloads.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GO_OUT = join(ROOT, 'node_modules', '.cache', 'routeguide-go');

const SCRIPTS = {
  ours: ['dist/src/cli.js', 'serve'],
  grpcjs: ['bench/servers/grpcjs-server.mjs'],
  'ceiling-unary': ['bench/servers/ceiling-unary.mjs'],
  'ceiling-echo': ['bench/servers/ceiling-echo.mjs'],
};
const NAME = 'profile.mjs';
const USAGE = [
  'usage: node bench/profile.mjs [--server ours|grpcjs|ceiling-unary|ceiling-echo] [--workload chat|unary]',
  '         [--notes N] [--streams N] [--calls N] [--top N]',
  '',
  '  --server NAME    the server to profile (default ours)',
  "  --workload NAME  chat: the Go load generator's RouteChat; unary: h2load GetFeature (default chat)",
  '  --notes N        RouteChat notes (default 100000)',
  '  --streams N      RouteChat streams (default 1)',
  '  --calls N        unary calls (default 50000)',
  '  --top N          functions listed (default 25)',
  '  -h, --help       show this help',
].join('\n');
const { values } = parseCommandLine(NAME, USAGE, {
  server: { type: 'string', default: 'ours' },
  workload: { type: 'string', default: 'chat' },
  notes: { type: 'string', default: '100000' },
  streams: { type: 'string', default: '1' },
  calls: { type: 'string', default: '50000' },
  top: { type: 'string', default: '25' },
});
const which = values.server;
if (!Object.hasOwn(SCRIPTS, which))
  usageError(NAME, USAGE, `--server must be one of ${Object.keys(SCRIPTS).join(', ')}, got "${which}"`);
const workload = values.workload;
if (workload !== 'chat' && workload !== 'unary')
  usageError(NAME, USAGE, `--workload must be chat or unary, got "${workload}"`);
const notes = String(integerOption(NAME, USAGE, '--notes', values.notes, 1, 2 ** 31 - 1));
const streams = String(integerOption(NAME, USAGE, '--streams', values.streams, 1, 10_000));
const calls = integerOption(NAME, USAGE, '--calls', values.calls, 1, 2 ** 31 - 1);
const top = integerOption(NAME, USAGE, '--top', values.top, 1, 10_000);

const build = spawnSync('bash', [join(ROOT, 'bench/go/build.sh'), GO_OUT], { stdio: 'inherit' });
if (build.status !== 0) process.exit(2);

const dir = mkdtempSync(join(tmpdir(), 'routeguide-prof-'));
const port = await freePort();
const [script, ...rest] = SCRIPTS[which];
const server = await startServer(
  process.execPath,
  ['--cpu-prof', '--cpu-prof-dir', dir, join(ROOT, script), ...rest, '--port', String(port)],
  port,
);
if (workload === 'unary') {
  const rate = await unaryThroughput(port, calls, 600_000);
  console.log(`${which}: unary h2load -c 8 -m 16 -n ${calls}: ${Math.round(rate).toLocaleString('en-US')} req/s`);
} else {
  const result = await loadgen(join(GO_OUT, 'loadgen'), port, ['routechat', '-n', notes, '-streams', streams], 600_000);
  console.log(
    `${which}: RouteChat ${notes} notes on ${streams} stream(s): ${Math.round(result.rate).toLocaleString('en-US')} notes/s`,
  );
}
await server.stop(); // SIGTERM: the server closes and exits, and node writes the profile

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${dir} (did the server exit cleanly?)`);
summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')));
console.log(`\nprofile: ${join(dir, file)}`);

function category(url, name) {
  if (!url) return name.startsWith('(') ? name : 'native/builtin';
  if (url.startsWith('node:internal/http2') || url.includes('internal/http2')) return 'node:http2';
  if (url.startsWith('node:internal/streams')) return 'node:streams';
  if (url.startsWith('node:')) return 'node: other internals';
  if (url.includes('/node_modules/protobufjs/') || url.includes('/node_modules/@protobufjs/')) return 'protobufjs';
  if (url.includes('/node_modules/@grpc/')) return '@grpc/grpc-js';
  if (url.includes('/dist/')) return 'routeguide-h2 (dist)';
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

function summarize(profile) {
  const selfUs = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const fns = new Map();
  const cats = new Map();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    const where = url ? `${url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${name} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const cat = category(url, name);
    cats.set(cat, (cats.get(cat) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const busy = total - (cats.get('(idle)') ?? 0);
  console.log(`\nsampled ${(total / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s\n\nself time by category:`);
  for (const [c, us] of [...cats].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us)}  ${c}`);
  console.log(`\ntop ${top} functions by self time:`);
  for (const [f, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${f}`);
}
