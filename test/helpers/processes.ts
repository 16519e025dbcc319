// Child processes for tests: free loopback ports, waiting for a port to accept, and a started
// process that is always stopped (also when the test process itself exits early).

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { connect, createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (a tiny race until the caller binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * `command args` as a command line for spawn, started without tap's process tracker. tap adds
 * `--import=…/@tapjs/processinfo/…` to NODE_OPTIONS of every process a test starts, to record the
 * modules each one loads for coverage reports, which this project turns off (package.json,
 * "disable-coverage"); in a node child (the CLI, npm, tsc) it doubles the start-up CPU, about 0.4 s
 * on this 2-core machine, and a run starts a few hundred of them. `env -u NODE_OPTIONS` removes the
 * variable before the command starts.
 */
export function untracked(command: string, args: string[]): [command: string, args: string[]] {
  return ['env', ['-u', 'NODE_OPTIONS', command, ...args]];
}

/** What a process that ran to completion printed, and how it ended. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects `child`'s output until it closes; SIGKILLs it after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs = 30_000): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

/** Polls `read` until it stops changing for `quietPolls` polls in a row; resolves with the settled value. */
export async function settle(read: () => number, quietPolls = 5, everyMs = 40): Promise<number> {
  let last = read();
  for (let quiet = 0; quiet < quietPolls;) {
    await new Promise((r) => setTimeout(r, everyMs));
    const now = read();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
  return last;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface Started {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves when the process has exited (and its output is read) with its code or signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (or `signal`), then SIGKILL after `killAfterMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The children to SIGKILL if this test process exits first: one 'exit' listener for all of them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** SIGKILLs `child` if this test process exits while the child still runs. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  const forget = () => running.delete(child);
  child.once('close', forget);
  child.once('error', forget); // a spawn that failed: no 'close' may follow
}

/** Spawns `cmd`, collecting its output; it is SIGKILLed if the test process exits first. */
export function start(cmd: string, args: string[], options: SpawnOptions = {}): Started {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  killOnExit(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (error) => {
      output += String(error);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Waits until `port` accepts connections; throws with the process's output if it exits first or after `timeoutMs`. */
export async function waitForPort(process: Started, port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void process.exited.then(() => (gone = true));
  while (!(await canConnect(port))) {
    if (gone) throw new Error(`exited before listening on ${port}: ${process.output().trim()}`);
    if (Date.now() > deadline)
      throw new Error(`not listening on ${port} after ${timeoutMs} ms: ${process.output().trim()}`);
    await sleep(50);
  }
}

/**
 * Tries `attempt` every 100 ms until it resolves (a service coming back), for at most `timeoutMs`;
 * resolves with what it gave, or undefined if it never succeeded.
 */
export async function retryUntilItWorks<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch {
      if (Date.now() >= deadline) return undefined;
      await sleep(100);
    }
  }
}

/** Waits until `predicate()` holds (polling), or throws `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the process's output matches `pattern`; resolves with the match (throws if it exits first). */
export async function waitForOutput(process: Started, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void process.exited.then(() => (gone = true));
  for (;;) {
    const match = pattern.exec(process.output());
    if (match) return match;
    if (gone) throw new Error(`exited before printing ${pattern}: ${process.output().trim()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} after ${timeoutMs} ms: ${process.output().trim()}`);
    await sleep(25);
  }
}
