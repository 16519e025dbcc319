// What every serving command does around its server: report where it listens, and shut down
// gracefully on SIGINT/SIGTERM.

import type { AddressInfo } from 'node:net';
import type { Server } from '../server/server.js';

/** `host:port` of a bound address, IPv6 hosts in brackets. */
export function showAddress(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${host}:${address.port}`;
}

/** Resolves after SIGINT/SIGTERM closed the server (in-flight calls get `graceMs` to finish). */
export function shutdownOnSignal(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`${signal}: shutting down (grace ${graceMs} ms)`);
      server.close(graceMs).then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
