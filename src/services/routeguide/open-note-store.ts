// The note store a server was asked for: memory (the default) or Redis. The Redis client is
// imported only here, and only for the Redis store.

import type { LogLine } from './drop-log.js';
import { MemoryNoteStore } from './memory-note-store.js';
import type { NoteBounds, NoteStore } from './note-store.js';

export type NoteStoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string; keyPrefix?: string };

export async function openNoteStore(
  choice: NoteStoreChoice,
  bounds: Partial<NoteBounds> = {},
  log?: LogLine,
): Promise<NoteStore> {
  if (choice.kind === 'memory') return new MemoryNoteStore({ ...bounds, log });
  const { RedisNoteStore } = await import('./redis-note-store.js');
  return RedisNoteStore.open({ url: choice.url, keyPrefix: choice.keyPrefix, ...bounds, log });
}
