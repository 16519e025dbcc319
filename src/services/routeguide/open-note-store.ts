// The note store a server was asked for: memory (the default: the typed-array store, the speed-only
// twin of memory-note-store.ts) or Redis. The Redis client is imported only here, and only for the
// Redis store.

import type { LogLine } from './drop-log.js';
import { TypedArrayNoteStore } from './typed-array-note-store.js';
import type { NoteBounds, NoteStore } from './note-store.js';

export type NoteStoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string; keyPrefix?: string };

export async function openNoteStore(
  choice: NoteStoreChoice,
  bounds: Partial<NoteBounds> = {},
  log?: LogLine,
): Promise<NoteStore> {
  if (choice.kind === 'memory') return new TypedArrayNoteStore({ ...bounds, log });
  const { RedisNoteStore } = await import('./redis-note-store.js');
  return RedisNoteStore.open({ url: choice.url, keyPrefix: choice.keyPrefix, ...bounds, log });
}
