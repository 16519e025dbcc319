// One side of a fuzzed TCP connection: write the bytes as the input says (each write in its own turn
// of the event loop, so that the peer reads them apart), end as it says, and keep what comes back.

import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Ending } from './input.js';

/** Writes `chunks` one per turn, waiting for 'drain' when the socket asks; stops if the socket closes. */
export async function writeAll(socket: Socket, chunks: readonly Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed || !socket.writable) return;
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
    await nextTurn();
  }
}

/** Ends the writing side as `how` says ('hold': leaves it open). */
export function endAs(socket: Socket, how: Ending): void {
  if (socket.destroyed) return;
  if (how === 'close') socket.end();
  else if (how === 'reset') socket.resetAndDestroy();
}

/** Resolves once `socket` closes, or has been quiet for `idleMs`, or `maxMs` passed; then destroys it. */
export function settle(socket: Socket, idleMs: number, maxMs: number): Promise<'closed' | 'idle' | 'timeout'> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve('closed');
    let idle: NodeJS.Timeout;
    const finish = (how: 'closed' | 'idle' | 'timeout') => {
      clearTimeout(idle);
      clearTimeout(whole);
      socket.off('data', quiet);
      socket.off('close', closed);
      socket.destroy();
      resolve(how);
    };
    const quiet = () => {
      clearTimeout(idle);
      idle = setTimeout(() => finish('idle'), idleMs);
    };
    const closed = () => finish('closed');
    const whole = setTimeout(() => finish('timeout'), maxMs);
    socket.on('data', quiet);
    socket.once('close', closed);
    quiet();
  });
}
