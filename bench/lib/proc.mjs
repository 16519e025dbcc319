// Child processes for the benchmark: CPU pinning, commands with a timeout, servers started and
// waited for on 127.0.0.1.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';

export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
export const SERVER_CPU = 0;
export const LOAD_CPU = 1;
const CORES = os.cpus().length;
/** Every CPU: a process that shares them with everything else. */
export const ALL_CPUS = `0-${CORES - 1}`;

/**
 * Where the servers of (i) and (j) run and where their load generator runs. `ownCore`: the load
 * generator alone on the last CPU, the servers (one process, or the workers) on all the others —
 * on a 2-core machine that leaves one CPU for `--workers 2`, so the row shows what a worker
 * process costs rather than what a core adds. `shared`: nothing pinned, as a user's machine runs.
 */
export const WORKER_PLACEMENTS = [
  ...(HAS_TASKSET && CORES >= 2
    ? [
        {
          id: 'ownCore',
          servers: CORES === 2 ? '0' : `0-${CORES - 2}`,
          load: String(CORES - 1),
          label: `load generator alone on CPU ${CORES - 1}, servers on ${CORES === 2 ? 'CPU 0' : `CPUs 0–${CORES - 2}`}`,
        },
      ]
    : []),
  {
    id: 'shared',
    servers: ALL_CPUS,
    load: ALL_CPUS,
    label: 'nothing pinned: servers and load generator share every CPU',
  },
];

/** [cmd, args] running `cmd args` on one CPU when taskset exists. */
export function pinned(cpu, cmd, args) {
  return HAS_TASKSET ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** CPU time (user and system) that process `pid` has used so far, in ms; null without /proc. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3, `state`
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS; // utime, stime
  } catch {
    return null;
  }
}

/**
 * Runs `fn` and resolves with its value and the CPU time the processes `pids` used meanwhile, in µs
 * per one of `ops` (null without /proc): `{ value, cpuUs }`.
 */
export async function withCpu(pids, ops, fn) {
  const before = pids.map(cpuMs);
  const value = await fn();
  const after = pids.map(cpuMs);
  if ([...before, ...after].includes(null)) return { value, cpuUs: null };
  const ms = after.reduce((sum, a, i) => sum + a - before[i], 0);
  return { value, cpuUs: (ms * 1000) / ops };
}

/** Runs a command to completion; resolves {code, stdout, stderr, timedOut, ms}. */
export function run(cmd, args, { cpu = LOAD_CPU, timeoutMs = 300_000, env } = {}) {
  const [file, argv] = pinned(cpu, cmd, args);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** A free TCP port on 127.0.0.1 (tiny race until the server binds it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a server process pinned to `cpu` (default SERVER_CPU) and waits until 127.0.0.1:port accepts
 * connections. Returns {pid, alive(), stderr(), stop()}; taskset execs the command, so pid is the
 * server's own.
 */
export async function startServer(cmd, args, port, { env, timeoutMs = 15_000, cpu = SERVER_CPU } = {}) {
  const [file, argv] = pinned(cpu, cmd, args);
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let exited = false;
  const exit = new Promise((resolve) => {
    child.once('close', () => resolve((exited = true)));
    child.once('error', (err) => {
      stderr += String(err);
      resolve((exited = true));
    });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const server = {
    pid: child.pid,
    alive: () => !exited,
    stderr: () => stderr.trim(),
    async stop() {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      await server.stop();
      throw new Error(`${cmd} did not start on port ${port}: ${stderr.trim() || 'timeout'}`);
    }
    await sleep(50);
  }
  return server;
}
