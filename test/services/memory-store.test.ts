// The memory note stores: the plain one and its speed-only twin, the typed-array store, each run
// through the table of cases every store must pass (helpers/note-store-cases.ts); then what only the
// typed-array store promises: rows and blocks reused past the bounds, the same answers at once, and
// rows that grow in one step to room for 2^20 notes.

import t from 'tap';
import { MemoryNoteStore } from '../../src/services/routeguide/memory-note-store.js';
import { answersAtOnce } from '../../src/services/routeguide/note-store.js';
import { openNoteStore } from '../../src/services/routeguide/open-note-store.js';
import { TypedArrayNoteStore } from '../../src/services/routeguide/typed-array-note-store.js';
import { messages, note, noteStoreCases } from '../helpers/note-store-cases.js';
import { Rng } from '../helpers/rng.js';

const quiet = { log: () => {} };

t.test('plain memory store: the cases every note store must pass', async (t) => {
  noteStoreCases(t, async (t, options) => {
    const store = new MemoryNoteStore(options);
    t.teardown(() => store.close());
    return { store, size: async () => store.size };
  });
});

t.test('typed-array store: the cases every note store must pass', async (t) => {
  noteStoreCases(t, async (t, options) => {
    const store = new TypedArrayNoteStore(options);
    t.teardown(() => store.close());
    return { store, size: async () => store.size };
  });
});

t.test('only the typed-array store answers at once; serve opens it for --store memory', async (t) => {
  t.notOk(answersAtOnce(new MemoryNoteStore()), 'the plain store answers with a promise only');
  const typed = new TypedArrayNoteStore();
  t.ok(answersAtOnce(typed));
  t.same(typed.appendNow(note(1, 1, 'a')), []);
  t.same(messages(typed.appendNow(note(1, 1, 'b'))), ['a']);
  t.same(messages(await typed.append(note(1, 1, 'c'))), ['a', 'b'], 'append and appendNow share the notes');
  const opened = await openNoteStore({ kind: 'memory' }, { maxNotes: 7 });
  t.ok(opened instanceof TypedArrayNoteStore);
  t.equal((opened as TypedArrayNoteStore).bounds.maxNotes, 7);
});

t.test('typed-array store: appendNow gives the plain store’s answers, note for note', async (t) => {
  const random = new Rng(4711);
  const bounds = { maxNotes: 200, maxNoteBytes: 2000, maxNotesPerLocation: 5 };
  const plain = new MemoryNoteStore({ ...quiet, ...bounds });
  const typed = new TypedArrayNoteStore({ ...quiet, ...bounds });
  let mismatches = 0;
  for (let i = 0; i < 20_000; i++) {
    const n = note(random.int(60) - 30, random.int(4), `n${i}${'ß'.repeat(random.int(20))}`);
    if (JSON.stringify(await plain.append(n)) !== JSON.stringify(typed.appendNow(n))) mismatches++;
  }
  t.equal(mismatches, 0);
  t.same(typed.size, plain.size);
  t.same(typed.drops.total, plain.drops.total);
});

t.test('typed-array store: a flood of 10× the bound reuses rows and blocks, nothing grows', async (t) => {
  const store = new TypedArrayNoteStore({ ...quiet, maxNotes: 5000 });
  // 1 to 11 blocks of 24 bytes; note i + 5000 has the size of note i, the one it replaces.
  const text = (i: number) => 'x'.repeat(i % 50) + 'é'.repeat(i % 100);
  for (let i = 0; i < 5000; i++) store.appendNow(note(i, -1, text(i)));
  const capacity = store.capacity;
  t.ok(capacity.rows <= 5000, `${capacity.rows} rows: within the bound`);
  for (let i = 5000; i < 50_000; i++) store.appendNow(note(i, -1, text(i)));
  t.same(store.capacity, capacity, 'no row or block added past the bound');
  t.same(store.size.notes, 5000);
  t.same(store.size.locations, 5000);
  t.same(messages(store.appendNow(note(49_999, -1, 'again'))), [text(49_999)], 'the newest are the ones kept');
  t.same(messages(store.appendNow(note(44_999, -1, 'gone'))), [], 'the oldest are gone');
});

t.test('typed-array store: rows for 1024 notes, then room up to the bound in one step', async (t) => {
  const fill = (store: TypedArrayNoteStore, from: number, to: number) => {
    for (let i = from; i < to; i++) store.appendNow(note(i, 7, 'n'));
  };
  const small = new TypedArrayNoteStore({ ...quiet, maxNotes: 3000 });
  fill(small, 0, 1024);
  t.equal(small.capacity.rows, 1024, 'a store that never held more than 1024 notes keeps 1024 rows');
  fill(small, 1024, 1025);
  t.equal(small.capacity.rows, 3000, 'the first growth goes to maxNotes when it is below 2^20');
  fill(small, 1025, 10_000);
  t.equal(small.capacity.rows, 3000, 'and no further');

  const large = new TypedArrayNoteStore({ ...quiet, maxNotes: 3 << 20 });
  fill(large, 0, 1025);
  t.equal(large.capacity.rows, 1 << 20, 'room for 2^20 rows in one step');
  fill(large, 1025, (1 << 20) + 1);
  t.equal(large.capacity.rows, 2 << 20, 'then doubling');
  t.same(
    messages(large.appendNow(note(1 << 20, 7, 'again'))),
    ['n'],
    'the notes from before and after the growth are all there',
  );
  t.same(messages(large.appendNow(note(5, 7, 'again'))), ['n']);
  t.equal(large.size.notes, (1 << 20) + 3);
});
