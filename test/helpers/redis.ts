// redis-server for tests (Debian's `redis-server` package): each test starts its own on a free
// loopback port, with a private working directory and no persistence unless asked for — never the
// system service.
// Without redis-server the suite is skipped with the reason, except under CI=true, where that fails.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
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
  /**
   * Stops the server: SIGTERM (it saves nothing unless started with `persist`), or `signal` —
   * SIGKILL ends even a frozen server at once, with whatever it had not answered unanswered.
   */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port (empty, unless started with `persist`). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): its connections stay open and nothing is answered. */
  freeze(): void;
  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void;
  /** Stops it for good and removes its working directory. */
  dispose(): Promise<void>;
}

export interface RedisOptions {
  /**
   * Keep the data across stop() and restart(): an append-only file written before each reply
   * (`appendfsync always`), so what Redis acknowledged is what it has after a restart.
   */
  persist?: boolean;
  /** The port to listen on (default: a free one). */
  port?: number;
}

export async function startRedis(options: RedisOptions = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
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
      ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
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
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (signal !== 'SIGKILL') server?.child.kill('SIGCONT');
      await server?.stop(signal);
      server = undefined;
    },
    async restart() {
      server?.child.kill('SIGCONT');
      await server?.stop();
      await launch();
    },
    freeze() {
      server?.child.kill('SIGSTOP');
    },
    thaw() {
      server?.child.kill('SIGCONT');
    },
    async dispose() {
      server?.child.kill('SIGCONT');
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts a Redis for the test and disposes of it at teardown. */
export async function redisFor(
  t: { teardown(fn: () => unknown): void },
  options: RedisOptions = {},
): Promise<TestRedis> {
  const redis = await startRedis(options);
  t.teardown(() => redis.dispose());
  return redis;
}

/** A plain client of `url`, to look at what the store keeps; disconnected at the test's teardown. */
export function redisClient(t: { teardown(fn: () => unknown): void }, url: string): Redis {
  const client = new Redis(url);
  t.teardown(() => client.disconnect());
  return client;
}

/**
 * The messages of the notes the Redis store keeps under a location's key, oldest first, read from
 * the key's string as the store writes it (src/services/routeguide/redis-append-script.ts).
 */
export async function messagesKeptAt(raw: Redis, key: string): Promise<string[]> {
  const value = await raw.getBuffer(key);
  if (value === null) return [];
  const messages: string[] = [];
  let at = value.indexOf(' ', value.indexOf(' ') + 1) + 1; // after "COUNT NEXT "
  while (at < value.length) {
    const afterSeq = value.indexOf(' ', at);
    const afterSize = value.indexOf(' ', afterSeq + 1);
    const size = Number(value.toString('latin1', afterSeq + 1, afterSize));
    messages.push(value.toString('utf8', afterSize + 2, afterSize + 2 + size));
    at = afterSize + 2 + size;
  }
  return messages;
}
