// redis-server for tests (Debian's `redis-server` package): each test starts its own on a free
// loopback port, with no persistence and a private working directory — never the system service.
// Without redis-server the suite is skipped with the reason, except under CI=true, where that fails.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, start, waitForPort, type Started } from './processes.js';

export const REDIS_SERVER = 'redis-server';

/** Why the Redis tests cannot run here (undefined: they can). Under CI=true a missing redis-server throws. */
export function redisSkipReason(): string | undefined {
  const probe = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const reason = `redis-server not available (apt-get install redis-server): ${probe.error?.message ?? probe.stderr}`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM; it saves nothing). */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it for good and removes its working directory. */
  dispose(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'routeguide-redis-'));
  let server: Started | undefined;
  const launch = async () => {
    server = start(REDIS_SERVER, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ]);
    await waitForPort(server, port);
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async restart() {
      await server?.stop();
      await launch();
    },
    async dispose() {
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a Redis for the test and disposes of it at teardown. */
export async function redisFor(t: { teardown(fn: () => unknown): void }): Promise<TestRedis> {
  const redis = await startRedis();
  t.teardown(() => redis.dispose());
  return redis;
}
