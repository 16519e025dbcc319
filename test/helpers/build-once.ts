// One build for all the test files of a run. tap runs files in parallel, and several of them need the
// same built thing (the compiled package, a grpc-go peer): the first to ask builds it while the others
// wait on a lock directory under node_modules/.cache, then find it built. A build that is already
// there costs one check.

import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CACHE = join(fileURLToPath(new URL('../..', import.meta.url)), 'node_modules', '.cache');

/** A lock older than this was left behind, whatever its pid says. */
const STALE_LOCK_MS = 10 * 60_000;
const POLL_MS = 100;

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `build` unless `built()` says it is done, holding the lock `name` so that no other test
 * process builds at the same time; returns what `build` or `built` found. Synchronous, so that a
 * test file can build at load time, before it declares its tests.
 */
export function buildOnce<T>(name: string, built: () => T | undefined, build: () => T): T {
  return built() ?? underLock(name, () => built() ?? build());
}

/**
 * Runs `run` while no other test process holds the lock `name`: for a build script that checks by
 * itself whether its output is up to date (test/go/*), so that it builds once and the others find
 * the build done.
 */
export function underLock<T>(name: string, run: () => T): T {
  mkdirSync(CACHE, { recursive: true });
  const lock = join(CACHE, `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (ownerGone(lock) || lockAge(lock) > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
    else sleepSync(POLL_MS);
  }
  try {
    return run();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** True when the process that took the lock has exited (killed by a timeout while it built). */
function ownerGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return false; // taken just now, the pid not yet written
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function lockAge(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0; // released just now
  }
}
