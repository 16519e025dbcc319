// The shared note store: RouteChat's notes in Redis, so that every server using the same Redis sees
// the same notes, and they outlive a server's restart. The Redis client (ioredis) is imported only
// when this store is opened: a server on the memory store never loads it.
//
// Batches: the appends made in one turn of the event loop (every note that the socket reads of that
// turn brought, on every stream) go to Redis as one call of the Lua script
// (redis-append-script.ts), sent at the end of the turn without waiting for the calls already on
// their way. One connection carries them, and Redis runs commands in the order they arrive, so
// appends take effect in the order they were made — across batches, and for every server sharing the
// Redis — while a round trip is paid per batch rather than per note.
//
// Redis down or unreachable: the appends of every batch without a reply reject with UNAVAILABLE
// (nothing is queued or retried — an append is not idempotent), the client reconnects in the
// background, and appends work again as soon as Redis is back. Only RouteChat uses the store, so the
// other RPCs are not affected.

import type { Redis, RedisOptions } from 'ioredis';
import { GrpcError } from '../../protocol/grpc-error.js';
import { Status } from '../../protocol/status.js';
import { DropLog, type DropLogOptions, type LogLine } from './drop-log.js';
import { resolveBounds, type AppendWaiter, type NoteBounds, type WaitingNoteStore } from './note-store.js';
import { APPEND_SCRIPT } from './redis-append-script.js';
import { describeRedisUrl } from './redis-url.js';
import type { RouteNote } from './types.js';

export const DEFAULT_KEY_PREFIX = 'routeguide:';
/**
 * A batch that gets no reply within this time fails (Redis stopped answering). Measured by the
 * store, not by ioredis's `commandTimeout`: see `send`.
 */
const COMMAND_TIMEOUT_MS = 2000;
/**
 * A connection attempt that is not up within this time is given up and tried again. ioredis measures
 * it as the socket's idle time, so a process held up past it (a busy machine, a long collection)
 * gives up on a connection that had in fact been made; 5 s leaves room for that. A Redis that is
 * not there refuses at once, and appends fail at once while not connected, whatever this is.
 */
const CONNECT_TIMEOUT_MS = 5000;
/** Reconnection attempts: 100 ms apart at first, then at most 1 s apart, forever. */
const RECONNECT_DELAY_MAX_MS = 1000;
/**
 * Notes in one script call, at most: a longer batch is sent at once and the next one begun. As many
 * as a stream has in flight (MAX_APPENDS_AHEAD, note-store-pipeline.ts), so that a lone stream's
 * batch is one call. Redis runs nothing else while a call runs: 2.5 to 5 ms for 512 notes on the
 * loaded machine of the benchmark.
 */
const MAX_BATCH_NOTES = 512;

export interface RedisNoteStoreOptions extends Partial<NoteBounds>, DropLogOptions {
  /** `redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`. */
  url: string;
  /** Prepended to every key (default `routeguide:`). */
  keyPrefix?: string;
}

/**
 * The script's reply: the answers of the batch as one string of bytes, then the four drop counts
 * (redis-append-script.ts).
 */
type AppendReply = [Buffer, number, number, number, number];
type AppendingRedis = Redis & {
  /** The script (redis-append-script.ts): its keys and arguments; the answers as bytes. */
  routeguideAppendBuffer(
    order: string,
    kept: string,
    stats: string,
    maxNotes: number,
    maxNoteBytes: number,
    maxNotesPerLocation: number,
    listPrefix: string,
    batch: Buffer,
  ): Promise<AppendReply>;
};

/** The appends of one turn of the event loop, sent as one script call. */
interface Batch {
  /** The notes as the script takes them (redis-append-script.ts): `bytes` up to `length`. */
  bytes: Buffer;
  length: number;
  /** Who waits for each append's outcome. */
  waiters: AppendWaiter[];
}

/** The room a batch starts with, in bytes: 256 notes of short messages; it grows as needed. */
const BATCH_BYTES = 8 * 1024;

const NO_NOTES: readonly RouteNote[] = Object.freeze([]);

export class RedisNoteStore implements WaitingNoteStore {
  readonly drops: DropLog;
  private readonly orderKey: string;
  private readonly keptKey: string;
  private readonly statsKey: string;
  private readonly listPrefix: string;
  /** Why the connection was last lost or refused, for UNAVAILABLE messages. */
  private lastError = 'connecting';
  /** 'lost' once the first connection failed or an established one broke; 'closed' by close(). */
  private connection: 'connecting' | 'up' | 'lost' | 'closed' = 'connecting';
  /** The appends of this turn of the event loop, not sent yet. */
  private batch: Batch | undefined;

  private constructor(
    private readonly client: AppendingRedis,
    readonly description: string,
    prefix: string,
    readonly bounds: NoteBounds,
    private readonly log: LogLine,
    intervalMs: number | undefined,
  ) {
    this.drops = new DropLog(bounds, { log, intervalMs });
    this.orderKey = `${prefix}order`;
    this.keptKey = `${prefix}order:kept`;
    this.statsKey = `${prefix}stats`;
    this.listPrefix = `${prefix}notes:`;
  }

  /**
   * Connects to Redis and resolves with the store once connected — or, if Redis cannot be reached
   * within the connect timeout, resolves all the same (appends answer UNAVAILABLE until it can) and
   * logs why. Only a URL that is not a Redis URL rejects.
   */
  static async open(options: RedisNoteStoreOptions): Promise<RedisNoteStore> {
    const { url, keyPrefix, log = (line: string) => console.error(line), intervalMs, ...given } = options;
    const description = describeRedisUrl(url);
    const bounds = resolveBounds(given);
    const { Redis } = await import('ioredis');
    const redisOptions: RedisOptions = {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(100 * attempt, RECONNECT_DELAY_MAX_MS),
    };
    const client = new Redis(url, redisOptions) as AppendingRedis;
    client.defineCommand('routeguideAppend', { numberOfKeys: 3, lua: APPEND_SCRIPT });
    const store = new RedisNoteStore(client, description, keyPrefix ?? DEFAULT_KEY_PREFIX, bounds, log, intervalMs);
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

  /** Joins this turn's batch; settles when Redis has answered the batch (or failed to). */
  append(note: RouteNote): Promise<readonly RouteNote[]> {
    return new Promise((stored, failed) => this.appendFor({ note, stored, failed }));
  }

  /** `append`, its outcome handed to `waiter` (speed only: see WaitingNoteStore). */
  appendFor(waiter: AppendWaiter): void {
    let batch = this.batch;
    if (batch === undefined) {
      batch = this.batch = { bytes: Buffer.allocUnsafe(BATCH_BYTES), length: 0, waiters: [] };
      setImmediate(this.send, batch);
    }
    writeNote(batch, waiter.note);
    batch.waiters.push(waiter);
    if (batch.waiters.length === MAX_BATCH_NOTES) this.send(batch);
  }

  /** Sends `batch` as one script call, unless it was sent already. */
  private readonly send = (batch: Batch): void => {
    if (this.batch !== batch) return;
    this.batch = undefined;
    const { maxNotes, maxNoteBytes, maxNotesPerLocation } = this.bounds;
    // The batch settles once: by the reply, by a failure, or by the timeout, whichever is first; a
    // reply that comes later is read and dropped (replies still match commands in order).
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    // Timed out means no reply by the time this process could have read one: when the timer fires,
    // the check waits for the end of that turn of the event loop (setImmediate runs after the turn's
    // socket reads). A process that was itself busy past the timeout — a long collection, a handler
    // holding the event loop — finds the reply waiting and does not blame Redis for its own delay.
    const timer = setTimeout(() => {
      setImmediate(() =>
        settle(() => this.fail(batch, new Error(`command timed out: no reply within ${COMMAND_TIMEOUT_MS / 1000} s`))),
      );
    }, COMMAND_TIMEOUT_MS);
    this.client
      .routeguideAppendBuffer(
        this.orderKey,
        this.keptKey,
        this.statsKey,
        maxNotes,
        maxNoteBytes,
        maxNotesPerLocation,
        this.listPrefix,
        batch.bytes.subarray(0, batch.length),
      )
      .then(
        (reply) => settle(() => this.answer(batch, reply)),
        (error: unknown) => settle(() => this.fail(batch, error)),
      )
      // A reply that is not the script's (an append that was answered stays answered).
      .catch((error: unknown) => this.fail(batch, error));
  };

  private answer(batch: Batch, reply: AppendReply): void {
    const [answers, notes, bytes, perLocation, tooLarge] = reply;
    if (notes) this.drops.count('notes', notes);
    if (bytes) this.drops.count('bytes', bytes);
    if (perLocation) this.drops.count('perLocation', perLocation);
    if (tooLarge) this.drops.count('tooLarge', tooLarge);
    let at = 0;
    for (const waiter of batch.waiters) {
      // "COUNT NEXT " and COUNT entries, each "SEQ SIZE F" and the message (redis-append-script.ts).
      const afterCount = answers.indexOf(SPACE, at);
      const count = decimalAt(answers, at, afterCount);
      at = answers.indexOf(SPACE, afterCount + 1) + 1;
      if (count === 0) {
        waiter.stored(NO_NOTES);
        continue;
      }
      const latitude = waiter.note.location?.latitude ?? 0;
      const longitude = waiter.note.location?.longitude ?? 0;
      const earlier = new Array<RouteNote>(count);
      for (let j = 0; j < count; j++) {
        const afterSeq = answers.indexOf(SPACE, at);
        const afterSize = answers.indexOf(SPACE, afterSeq + 1);
        const size = decimalAt(answers, afterSeq + 1, afterSize);
        const message = size === 0 ? '' : answers.toString('utf8', afterSize + 2, afterSize + 2 + size);
        earlier[j] = answers[afterSize + 1] === ONE ? { location: { latitude, longitude }, message } : { message };
        at = afterSize + 2 + size;
      }
      waiter.stored(earlier);
    }
  }

  /** The batch got no answer: each of its appends rejects with UNAVAILABLE, saying why. */
  private fail(batch: Batch, error: unknown): void {
    const why = this.client.status === 'ready' ? reason(error) : `not connected (${this.lastError})`;
    for (const waiter of batch.waiters) {
      waiter.failed(new GrpcError(Status.UNAVAILABLE, `note store ${this.description} unavailable: ${why}`));
    }
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

/** The longest String(n) of a number: "-1.2345678901234567e-300". */
const MAX_NUMBER_CHARACTERS = 24;
const SPACE = 0x20;
const COMMA = 0x2c;
const ZERO = 0x30;
const ONE = 0x31;
/** The most bytes a note takes in a batch besides its message: 1, "LAT,LNG", 4, 4, "SIZE F". */
const NOTE_OVERHEAD = 1 + (2 * MAX_NUMBER_CHARACTERS + 1) + 4 + 4 + (MAX_NUMBER_CHARACTERS + 2);

/**
 * Adds a note to a batch as the script takes it (redis-append-script.ts): the location's length in
 * one byte, "LAT,LNG", the message's size (4 bytes, big-endian), the length of the rest (4 bytes,
 * big-endian), and the rest: "SIZE F" (F = 1 with a location, 0 without) and the message.
 */
function writeNote(batch: Batch, { location, message = '' }: RouteNote): void {
  const size = Buffer.byteLength(message, 'utf8');
  if (batch.length + NOTE_OVERHEAD + size > batch.bytes.length) {
    const bigger = Buffer.allocUnsafe(Math.max(2 * batch.bytes.length, batch.length + NOTE_OVERHEAD + size));
    batch.bytes.copy(bigger, 0, 0, batch.length);
    batch.bytes = bigger;
  }
  const bytes = batch.bytes;
  const start = batch.length;
  let at = writeDecimal(bytes, start + 1, location?.latitude ?? 0);
  bytes[at++] = COMMA;
  at = writeDecimal(bytes, at, location?.longitude ?? 0);
  bytes[start] = at - start - 1;
  bytes.writeUInt32BE(size, at);
  const rest = at + 4;
  at = writeDecimal(bytes, rest + 4, size);
  bytes[at++] = SPACE;
  bytes[at++] = location ? ONE : ZERO;
  at += bytes.write(message, at, 'utf8');
  bytes.writeUInt32BE(at - rest - 4, rest);
  batch.length = at;
}

/** Writes the number `n` in decimal (as String(n) writes it) into `bytes` at `at`; returns where it ends. */
function writeDecimal(bytes: Buffer, at: number, n: number): number {
  // speed only: an int32 (every coordinate from the wire) digit by digit, without a string
  if ((n | 0) !== n) return at + bytes.write(String(n), at, 'latin1');
  if (n < 0) bytes[at++] = 0x2d; // '-'
  let rest = Math.abs(n);
  let end = at + 1;
  for (let bound = 10; rest >= bound && end < at + 10; bound *= 10) end++;
  for (let i = end - 1; i >= at; i--) {
    bytes[i] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return end;
}

/** The decimal number in `bytes` from `start` to `end`. */
function decimalAt(bytes: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + bytes[i] - 0x30;
  return n;
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e?.code && !String(e.message).includes(e.code) ? `${e.code}: ` : '') + String(e?.message ?? error);
}
