// What every serving command does around its server: report where it listens, and shut down
// gracefully on SIGINT/SIGTERM.

import type { AddressInfo } from 'node:net';
import type { Server } from '../server/server.js';

/** `host:port` of a bound address, IPv6 hosts in brackets. */
export function showAddress(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${host}:${address.port}`;
}

/** Another way to be asked to shut down: calls `stop(why)` when asked (a worker: by its primary). */
export type ShutdownRequest = (stop: (why: string) => void) => void;

/**
 * Resolves after SIGINT/SIGTERM (or `request`) closed the server (in-flight calls get `graceMs` to
 * finish). A second signal after the first is not caught: it ends the process at once.
 */
export function shutdownOnSignal(server: Server, graceMs: number, request?: ShutdownRequest): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${why}: shutting down (grace ${graceMs} ms)`);
      server.close(graceMs).then(resolve, resolve);
    };
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    request?.(stop);
  });
}
