// `serve --workers N`: a primary process forks N workers with node:cluster; they share the listening
// port (the primary accepts connections and hands them out in turn). The primary serves nothing
// itself: it replaces a worker that dies, and on SIGINT/SIGTERM asks every worker to drain (GOAWAY,
// grace period: lifecycle.ts) and exits once they all have.

import cluster, { type Address, type Worker } from 'node:cluster';
import type { ShutdownRequest } from './lifecycle.js';

/** The message with which the primary asks a worker to shut down. */
const SHUTDOWN = 'routeguide:shutdown';
/** After the grace period, how long workers get to exit before they are killed. */
const EXIT_MARGIN_MS = 5000;

/** For a worker's shutdownOnSignal: the primary's request to shut down. */
export const workerShutdownRequest: ShutdownRequest = (stop) => {
  process.on('message', (message) => {
    if (message === SHUTDOWN) stop(`worker ${process.pid}: asked by the primary`);
  });
};

export interface PrimaryOptions {
  workers: number;
  graceMs: number;
  /** A line the announcement adds about the workers (their note store). */
  what: string;
}

/**
 * Forks the workers and keeps them running until a signal; resolves when every worker has exited
 * after one. Rejects if a worker exits before it was listening (its configuration cannot work:
 * replacing it would only repeat the failure).
 */
export function runPrimary({ workers, graceMs, what }: PrimaryOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const alive = new Set<Worker>();
    const listening = new Set<Worker>();
    let announced = false;
    let stopping = false;
    let failure: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const fork = (): Worker => {
      const worker = cluster.fork();
      alive.add(worker);
      return worker;
    };

    cluster.on('listening', (worker, address) => {
      listening.add(worker);
      if (announced) return console.log(`worker ${worker.process.pid} listening`);
      if (listening.size < workers) return;
      announced = true;
      const pids = [...listening].map((w) => w.process.pid).join(', ');
      console.log(`listening on ${showClusterAddress(address)} with ${workers} workers (pids ${pids})`);
      console.log(what);
    });

    cluster.on('exit', (worker, code, signal) => {
      alive.delete(worker);
      const wasListening = listening.delete(worker);
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (stopping) {
        if (alive.size > 0) return;
        clearTimeout(killTimer);
        console.log('all workers stopped');
        return failure === undefined ? resolve() : reject(new Error(failure));
      }
      if (!wasListening) {
        failure = `worker ${worker.process.pid} exited (${how}) before it was listening`;
        console.error(`${failure}: stopping`);
        return stopAll();
      }
      const next = fork();
      console.error(`worker ${worker.process.pid} died (${how}); started worker ${next.process.pid} in its place`);
    });

    /** Asks every worker to drain; kills those still running after the grace period and a margin. */
    const stopAll = (): void => {
      stopping = true;
      if (alive.size === 0) return failure === undefined ? resolve() : reject(new Error(failure));
      for (const worker of alive) {
        // A worker not listening yet has nothing to drain.
        if (!listening.has(worker)) worker.process.kill('SIGTERM');
        else if (worker.isConnected()) worker.send(SHUTDOWN, () => {}); // one exiting meanwhile is seen by 'exit'
      }
      killTimer = setTimeout(() => {
        for (const worker of alive) worker.process.kill('SIGKILL');
      }, graceMs + EXIT_MARGIN_MS);
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: stop waiting.
        console.log(`${signal} again: killing ${alive.size} worker(s)`);
        for (const worker of alive) worker.process.kill('SIGKILL');
        return;
      }
      console.log(`${signal}: draining ${alive.size} worker(s) (grace ${graceMs} ms)`);
      stopAll();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    for (let i = 0; i < workers; i++) fork();
  });
}

/** `host:port` of a worker's listening address, IPv6 hosts in brackets. */
function showClusterAddress(address: Address): string {
  const host = address.address ?? '*';
  return `${address.addressType === 6 || host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
