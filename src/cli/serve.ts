// `routeguide serve`: RouteGuide plus the standard health and reflection services (so that
// `grpcurl list` works at once), until SIGINT/SIGTERM. One process, or with --workers a primary
// and N worker processes sharing the port (serve-workers.ts). RouteChat's notes live in memory
// (bounded) or in Redis, shared by every server that uses it.

import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULT_NOTE_BOUNDS, type NoteBounds } from '../services/routeguide/note-store.js';
import type { NoteStoreChoice } from '../services/routeguide/open-note-store.js';
import { describeRedisUrl } from '../services/routeguide/redis-url.js';
import { defineCommand, UsageError, type Values } from './command.js';
import { durationValue, portValue, positiveIntValue, sizeValue, storeValue, workersValue } from './flags.js';
import { showAddress, shutdownOnSignal } from './lifecycle.js';
import { runPrimary, workerShutdownRequest } from './serve-workers.js';

/** Above this the store's row numbers (Int32) and hash table would not fit. */
const MAX_NOTES_LIMIT = 2 ** 28;

const options = {
  host: { type: 'string', arg: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', arg: 'PORT', help: 'port to listen on, 0 picks one (default $PORT, else 50051)' },
  db: { type: 'string', arg: 'FILE', help: 'feature database, JSON (default data/route_guide_db.json)' },
  'tls-cert': { type: 'string', arg: 'FILE', help: 'serve TLS with this certificate chain (PEM)' },
  'tls-key': { type: 'string', arg: 'FILE', help: 'and this private key (PEM)' },
  grace: { type: 'string', arg: 'DURATION', help: 'how long calls may finish after a signal (default 5s)' },
  workers: {
    type: 'string',
    arg: 'N|auto',
    help: 'serve from N worker processes sharing the port (auto: one per CPU); a worker that dies is replaced',
  },
  store: {
    type: 'string',
    arg: 'memory|redis://HOST:PORT[/DB]',
    help: "where RouteChat's notes live (default memory: this process only; Redis: shared by every server using it)",
  },
  unshared: {
    type: 'boolean',
    help: 'with --store memory and --workers N > 1: accept that each worker keeps notes of its own',
  },
  'key-prefix': { type: 'string', arg: 'PREFIX', help: 'Redis key prefix (default routeguide:)' },
  'max-notes': {
    type: 'string',
    arg: 'N',
    help: `notes kept in all; past it the oldest go first (default ${DEFAULT_NOTE_BOUNDS.maxNotes})`,
  },
  'max-note-bytes': {
    type: 'string',
    arg: 'SIZE',
    help: `message bytes kept in all, like 64MiB; past it the oldest go first (default ${DEFAULT_NOTE_BOUNDS.maxNoteBytes / 2 ** 20}MiB)`,
  },
  'max-notes-per-location': {
    type: 'string',
    arg: 'M',
    help: `notes kept at one location; past it its oldest go first (default ${DEFAULT_NOTE_BOUNDS.maxNotesPerLocation})`,
  },
} as const;

/** Everything `serve` was asked for, checked. */
interface ServeConfig {
  host: string;
  port: number;
  graceMs: number;
  tls: { cert: Buffer; key: Buffer } | undefined;
  dbFile: string | undefined;
  /** undefined: one process, no primary. */
  workers: number | undefined;
  store: NoteStoreChoice;
  bounds: NoteBounds;
}

export const serveCommand = defineCommand({
  name: 'serve',
  usage:
    'routeguide serve [--host 127.0.0.1] [--port 50051] [--db FILE] [--tls-cert FILE --tls-key FILE] [--grace 5s] ' +
    '[--workers N|auto] [--store memory|redis://HOST:PORT[/DB]] [--max-notes N] [--max-note-bytes SIZE] ' +
    '[--max-notes-per-location M]',
  summary: 'Serves RouteGuide, health and reflection until SIGINT/SIGTERM, then drains gracefully.',
  options,
  async run(flags) {
    const config = serveConfig(flags);
    if (config.workers === undefined) return serveOne(config, '');
    if (cluster.isPrimary) {
      const store =
        config.store.kind === 'memory' ? 'memory, one per worker' : `${describeRedisUrl(config.store.url)}, shared`;
      const what = `note store: ${store} (${describeBounds(config.bounds)})`;
      return runPrimary({ workers: config.workers, graceMs: config.graceMs, what });
    }
    try {
      await serveOne(config, `worker ${process.pid}: `);
    } finally {
      cluster.worker?.disconnect(); // the IPC channel would keep the worker alive, even after a failure
    }
  },
});

function serveConfig(flags: Values<typeof options>): ServeConfig {
  const host = flags.host ?? '127.0.0.1';
  const port = flags.port !== undefined ? portValue('port', flags.port, true) : defaultPort();
  const graceMs = durationValue('grace', flags.grace ?? '5s');
  const certFile = flags['tls-cert'];
  const keyFile = flags['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  const tls = certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : undefined;
  const workers =
    flags.workers === undefined ? undefined : workersValue('workers', flags.workers, availableParallelism());

  const chosen = storeValue('store', flags.store ?? 'memory');
  const keyPrefix = flags['key-prefix'];
  if (chosen.kind === 'memory' && keyPrefix !== undefined)
    throw new UsageError('--key-prefix goes with --store redis://…');
  if (chosen.kind === 'redis' && flags.unshared) {
    throw new UsageError('--unshared goes with --store memory (the Redis store is shared)');
  }
  if (chosen.kind === 'memory' && workers !== undefined && workers > 1 && !flags.unshared) {
    throw new UsageError(
      `--workers ${workers} with the memory note store: RouteChat notes would not be shared, each worker would keep ` +
        'its own. Use --store redis://HOST:PORT to share them, or --store memory --unshared to accept that',
    );
  }
  const store: NoteStoreChoice = chosen.kind === 'memory' ? chosen : { ...chosen, keyPrefix };

  const maxNotes = flags['max-notes'];
  const maxNoteBytes = flags['max-note-bytes'];
  const maxHere = flags['max-notes-per-location'];
  const bounds: NoteBounds = {
    maxNotes: maxNotes === undefined ? DEFAULT_NOTE_BOUNDS.maxNotes : positiveIntValue('max-notes', maxNotes),
    maxNoteBytes:
      maxNoteBytes === undefined ? DEFAULT_NOTE_BOUNDS.maxNoteBytes : sizeValue('max-note-bytes', maxNoteBytes),
    maxNotesPerLocation:
      maxHere === undefined
        ? DEFAULT_NOTE_BOUNDS.maxNotesPerLocation
        : positiveIntValue('max-notes-per-location', maxHere),
  };
  if (bounds.maxNotes > MAX_NOTES_LIMIT) throw new UsageError(`--max-notes must be at most ${MAX_NOTES_LIMIT}`);
  if (!Number.isSafeInteger(bounds.maxNoteBytes)) throw new UsageError('--max-note-bytes is too large');
  return { host, port, graceMs, tls, dbFile: flags.db, workers, store, bounds };
}

/** One server (the whole of `serve`, or one worker of it) until a signal or the primary stops it. */
async function serveOne(config: ServeConfig, logPrefix: string): Promise<void> {
  // The server and the services are loaded here, once the command line is known to be good: the
  // help and a usage error need none of them (cli.ts).
  const [
    { Server },
    { addHealth },
    { addReflection },
    { FeatureDb, openNoteStore, routeGuideDefinition, routeGuideHandlers },
  ] = await Promise.all([
    import('../server/server.js'),
    import('../services/health/index.js'),
    import('../services/reflection/index.js'),
    import('../services/routeguide/index.js'),
  ]);
  const db = FeatureDb.load(config.dbFile);
  const warn = (line: string) => console.error(logPrefix + line);
  const notes = await openNoteStore(config.store, config.bounds, warn);
  const server = new Server({ tls: config.tls });
  server.addService(routeGuideDefinition(), routeGuideHandlers(db, notes));
  addReflection(server);
  addHealth(server); // SERVING for "" and every service above; NOT_SERVING once shutdown begins
  const address = await server.listen(config.port, config.host);
  // A worker's address is announced by the primary, once for all.
  if (config.workers === undefined) {
    console.log(`listening on ${showAddress(address)}${config.tls ? ' (TLS)' : ''}`);
    console.log(`note store: ${notes.description} (${describeBounds(config.bounds)})`);
  }
  await shutdownOnSignal(server, config.graceMs, config.workers === undefined ? undefined : workerShutdownRequest);
  await notes.close();
}

/** The bounds as the flags that set them. */
function describeBounds({ maxNotes, maxNoteBytes, maxNotesPerLocation }: NoteBounds): string {
  return `--max-notes ${maxNotes} --max-note-bytes ${maxNoteBytes} --max-notes-per-location ${maxNotesPerLocation}`;
}

/** `PORT` from the environment, else 50051. */
function defaultPort(): number {
  const fromEnv = process.env.PORT;
  if (fromEnv === undefined || fromEnv === '') return 50051;
  return portValue('port (from $PORT)', fromEnv, true);
}
