// The shared note store: RouteChat's notes in Redis, so that every server using the same Redis sees
// the same notes, and they outlive a server's restart. One Lua script per note does the append
// (redis-append-script.ts). The Redis client (ioredis) is imported only when this store is opened:
// a server on the memory store never loads it.
//
// Redis down or unreachable: append rejects at once with UNAVAILABLE (no command is queued or
// retried — an append is not idempotent), the client reconnects in the background, and appends work
// again as soon as Redis is back. Only RouteChat uses the store, so the other RPCs are not affected.

import type { Redis, RedisOptions } from 'ioredis';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import { DropLog, type DropLogOptions, type LogLine } from './drop-log.js';
import { resolveBounds, type NoteBounds, type NoteStore } from './note-store.js';
import { APPEND_SCRIPT, APPEND_SCRIPT_KEYS } from './redis-append-script.js';
import { describeRedisUrl } from './redis-url.js';
import type { RouteNote } from './types.js';

export const DEFAULT_KEY_PREFIX = 'routeguide:';
/** A command that gets no reply within this time fails (Redis stopped answering). */
const COMMAND_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnection attempts: 100 ms apart at first, then at most 1 s apart, forever. */
const RECONNECT_DELAY_MAX_MS = 1000;

export interface RedisNoteStoreOptions extends Partial<NoteBounds>, DropLogOptions {
  /** `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. */
  url: string;
  /** Prepended to every key (default `routeguide:`). */
  keyPrefix?: string;
}

type AppendReply = [string[], number, number, number, number];
type AppendingRedis = Redis & {
  routeguideAppend(list: string, order: string, stats: string, ...args: (string | number)[]): Promise<AppendReply>;
};

export class RedisNoteStore implements NoteStore {
  readonly description: string;
  readonly bounds: NoteBounds;
  readonly drops: DropLog;
  private readonly prefix: string;
  private readonly orderKey: string;
  private readonly statsKey: string;
  private readonly log: LogLine;
  /** Why the connection was last lost or refused, for UNAVAILABLE messages. */
  private lastError = 'connecting';
  /** 'lost' once the first connection failed or an established one broke; 'closed' by close(). */
  private connection: 'connecting' | 'up' | 'lost' | 'closed' = 'connecting';

  private constructor(
    private readonly client: AppendingRedis,
    options: RedisNoteStoreOptions,
    description: string,
  ) {
    const { url: _url, keyPrefix, log, intervalMs, ...bounds } = options;
    this.bounds = resolveBounds(bounds);
    this.log = log ?? ((line) => console.error(line));
    this.drops = new DropLog(this.bounds, { log: this.log, intervalMs });
    this.description = description;
    this.prefix = keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.orderKey = `${this.prefix}order`;
    this.statsKey = `${this.prefix}stats`;
  }

  /**
   * Connects to Redis and resolves with the store once connected — or, if Redis cannot be reached
   * within the connect timeout, resolves all the same (appends answer UNAVAILABLE until it can) and
   * logs why. Only a URL that is not a Redis URL rejects.
   */
  static async open(options: RedisNoteStoreOptions): Promise<RedisNoteStore> {
    const description = describeRedisUrl(options.url);
    const log = options.log ?? ((line: string) => console.error(line));
    const { Redis } = await import('ioredis');
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(100 * attempt, RECONNECT_DELAY_MAX_MS),
    };
    const client = new Redis(options.url, redisOptions) as AppendingRedis;
    client.defineCommand('routeguideAppend', { numberOfKeys: APPEND_SCRIPT_KEYS, lua: APPEND_SCRIPT });
    const store = new RedisNoteStore(client, options, description);
    store.watchConnection();
    try {
      await client.connect();
    } catch (error) {
      store.connection = 'lost';
      // (the 'error' event said why; the rejection only says that the connection closed)
      const why = store.lastError === 'connecting' ? reason(error) : store.lastError;
      log(`note store: cannot reach ${description} (${why}); RouteChat answers UNAVAILABLE until it can`);
    }
    return store;
  }

  async append(note: RouteNote): Promise<readonly RouteNote[]> {
    const latitude = note.location?.latitude ?? 0;
    const longitude = note.location?.longitude ?? 0;
    const { maxNotes, maxNoteBytes, maxNotesPerLocation } = this.bounds;
    let reply: AppendReply;
    try {
      reply = await this.client.routeguideAppend(
        `${this.prefix}notes:${latitude},${longitude}`,
        this.orderKey,
        this.statsKey,
        (note.location ? '1' : '0') + (note.message ?? ''),
        maxNotes,
        maxNoteBytes,
        maxNotesPerLocation,
      );
    } catch (error) {
      const why = this.client.status === 'ready' ? reason(error) : `not connected (${this.lastError})`;
      throw new GrpcError(Status.UNAVAILABLE, `note store ${this.description} unavailable: ${why}`);
    }
    const [entries, notes, bytes, perLocation, tooLarge] = reply;
    if (notes) this.drops.count('notes', notes);
    if (bytes) this.drops.count('bytes', bytes);
    if (perLocation) this.drops.count('perLocation', perLocation);
    if (tooLarge) this.drops.count('tooLarge', tooLarge);
    return entries.map((entry) => decodeEntry(entry, latitude, longitude));
  }

  async close(): Promise<void> {
    this.connection = 'closed';
    this.drops.close();
    if (this.client.status === 'ready') {
      await Promise.race([this.client.quit().catch(() => {}), new Promise((r) => setTimeout(r, 500).unref())]);
    }
    this.client.disconnect();
  }

  /** Logs when the connection is lost and when it is back (once each, not every reconnection attempt). */
  private watchConnection(): void {
    const lost = (why: string) => {
      if (this.connection !== 'up') return;
      this.connection = 'lost';
      this.log(`note store: lost ${this.description} (${why}); RouteChat answers UNAVAILABLE until it is back`);
    };
    this.client.on('error', (error: unknown) => {
      this.lastError = reason(error);
      lost(this.lastError);
    });
    this.client.on('close', () => lost(this.lastError));
    this.client.on('ready', () => {
      this.lastError = 'connection closed'; // what to say if it closes without an error
      if (this.connection === 'lost') this.log(`note store: ${this.description} is back`);
      this.connection = 'up';
    });
  }
}

/** A note from its list entry "SEQ F MESSAGE" (redis-append-script.ts) and its location's coordinates. */
function decodeEntry(entry: string, latitude: number, longitude: number): RouteNote {
  const space = entry.indexOf(' ');
  const message = entry.slice(space + 2);
  if (entry[space + 1] === '0') return { message };
  return { location: { latitude, longitude }, message };
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e?.code && !String(e.message).includes(e.code) ? `${e.code}: ` : '') + String(e?.message ?? error);
}
