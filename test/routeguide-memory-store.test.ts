// The memory note store: RouteChat's semantics below the bounds, oldest-first dropping past them,
// and the drop counts and log lines.

import t from 'tap';
import { MemoryNoteStore } from '../src/services/routeguide/memory-note-store.js';
import type { RouteNote } from '../src/services/routeguide/types.js';

const note = (latitude: number, longitude: number, message: string): RouteNote => ({
  location: { latitude, longitude },
  message,
});
const messages = (notes: readonly RouteNote[]) => notes.map((n) => n.message);
const quiet = { log: () => {} };

t.test('each append returns the notes stored at its location before it, oldest first', async (t) => {
  const store = new MemoryNoteStore(quiet);
  // (lat, lng, message, messages returned)
  const table: [number, number, string, string[]][] = [
    [0, 1, 'a', []], // first note at a location: nothing earlier
    [0, 1, 'b', ['a']],
    [0, 2, 'c', []], // same latitude, another longitude
    [0, 1, 'd', ['a', 'b']],
    [0, 2, 'e', ['c']],
    [0, 3, 'f', []],
    [5, 7, 'g', []],
    [5, 8, 'h', []],
    [5, 7, 'i', ['g']],
    [-1, -1, 'j', []],
    [0, 1, 'k', ['a', 'b', 'd']],
  ];
  for (const [lat, lng, message, earlier] of table)
    t.same(messages(store.append(note(lat, lng, message))), earlier, `${message} at (${lat}, ${lng})`);
  t.same(store.size, { notes: 11, bytes: 11, locations: 6 });
});

t.test('the canonical six-note chat: 0, 0, 0, 1, 1, 1 earlier notes', async (t) => {
  const store = new MemoryNoteStore(quiet);
  const chat = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) =>
    note(0, (i % 3) + 1, `${word} message`),
  );
  t.same(
    chat.map((n) => messages(store.append(n))),
    [[], [], [], ['First message'], ['Second message'], ['Third message']],
  );
});

t.test('a note comes back as it was stored: with its location, or without one at (0, 0)', async (t) => {
  const store = new MemoryNoteStore(quiet);
  t.same(store.append({ message: 'x' }), []);
  t.same(store.append({ location: { latitude: 0, longitude: 0 }, message: 'y' }), [{ message: 'x' }]);
  t.same(store.append({ message: 'z' }), [{ message: 'x' }, { location: { latitude: 0, longitude: 0 }, message: 'y' }]);
});

t.test('the notes returned are a snapshot: later appends and drops do not change them', async (t) => {
  const store = new MemoryNoteStore({ ...quiet, maxNotesPerLocation: 2 });
  store.append(note(1, 1, 'a'));
  const earlier = store.append(note(1, 1, 'b'));
  store.append(note(1, 1, 'c')); // drops a
  t.same(messages(earlier), ['a']);
  t.same(messages(store.append(note(1, 1, 'd'))), ['c'], 'b dropped in turn');
});

t.test('many locations and many notes: rows and hash table grow, nothing is lost or mixed up', async (t) => {
  const store = new MemoryNoteStore(quiet);
  // 5000 locations (the table starts with 2048 slots, the rows with 1024), spread over both signs
  // and the int32 extremes; every 7th location gets a second note after all the first ones.
  const spot = (i: number): [number, number] => [((i * 2654435761) | 0) % 900_000_000, i % 2 ? -i : 2147483647 - i];
  const n = 5000;
  let wrong = 0;
  for (let i = 0; i < n; i++) if (store.append(note(...spot(i), `first ${i}`)).length !== 0) wrong++;
  for (let i = 0; i < n; i += 7) {
    const earlier = store.append(note(...spot(i), `second ${i}`));
    const [latitude, longitude] = spot(i);
    if (earlier.length !== 1 || earlier[0].message !== `first ${i}`) wrong++;
    if (earlier[0]?.location?.latitude !== latitude || earlier[0]?.location?.longitude !== longitude) wrong++;
  }
  t.equal(wrong, 0, 'every note found at its own location, in order');
  t.same(store.size, { notes: n + Math.ceil(n / 7), bytes: store.size.bytes, locations: n });
});

t.test('past --max-notes the oldest note anywhere is dropped', async (t) => {
  const lines: string[] = [];
  const store = new MemoryNoteStore({ maxNotes: 3, log: (l) => lines.push(l) });
  store.append(note(0, 1, 'a'));
  store.append(note(0, 2, 'b'));
  store.append(note(0, 1, 'c'));
  t.same(messages(store.append(note(0, 3, 'd'))), [], 'd is alone at (0, 3); a is dropped');
  t.same(messages(store.append(note(0, 1, 'e'))), ['c'], 'b dropped now; (0, 1) holds c only');
  t.same(messages(store.append(note(0, 2, 'f'))), [], '(0, 2) lost b; c dropped');
  t.same(store.size, { notes: 3, bytes: 3, locations: 3 });
  t.same(store.drops.total, { notes: 3, bytes: 0, perLocation: 0, tooLarge: 0 });
  t.same(
    lines,
    ['note store: dropped 1 note(s), oldest first: 1 past --max-notes 3'],
    'the first drop is logged at once',
  );
  await store.close();
  t.same(lines.slice(1), ['note store: dropped 2 note(s), oldest first: 2 past --max-notes 3'], 'the rest on close');
});

t.test('past --max-notes-per-location the oldest note at that location is dropped, others stay', async (t) => {
  const store = new MemoryNoteStore({ ...quiet, maxNotesPerLocation: 2 });
  store.append(note(9, 9, 'old elsewhere'));
  t.same(messages(store.append(note(1, 1, 'a'))), []);
  t.same(messages(store.append(note(1, 1, 'b'))), ['a']);
  t.same(messages(store.append(note(1, 1, 'c'))), ['b'], 'a dropped: the location holds b and c');
  t.same(messages(store.append(note(1, 1, 'd'))), ['c']);
  t.same(messages(store.append(note(9, 9, 'new elsewhere'))), ['old elsewhere'], 'the other location kept its note');
  t.same(store.drops.total.perLocation, 2);
  t.same(store.size.notes, 4);
});

t.test('past --max-note-bytes the oldest notes go until the new one fits (UTF-8 bytes)', async (t) => {
  const store = new MemoryNoteStore({ ...quiet, maxNoteBytes: 10 });
  store.append(note(1, 1, 'aaaa')); // 4
  store.append(note(2, 2, 'bbbb')); // 8
  t.same(messages(store.append(note(1, 1, 'cc'))), ['aaaa'], '10 bytes: fits exactly');
  t.same(messages(store.append(note(1, 1, 'é'))), ['cc'], '2 bytes in UTF-8: aaaa dropped');
  t.same(store.size, { notes: 3, bytes: 8, locations: 2 });
  t.same(messages(store.append(note(3, 3, '0123456789'))), [], 'a note of exactly the bound: all others go');
  t.same(store.size, { notes: 1, bytes: 10, locations: 1 });
  t.same(store.drops.total.bytes, 4);
});

t.test('a note larger than --max-note-bytes on its own is not stored; the others stay', async (t) => {
  const store = new MemoryNoteStore({ ...quiet, maxNoteBytes: 4 });
  store.append(note(1, 1, 'ab'));
  t.same(messages(store.append(note(1, 1, 'abcde'))), ['ab'], 'answered with the notes there');
  t.same(messages(store.append(note(1, 1, 'cd'))), ['ab'], 'and not stored');
  t.same(store.drops.total, { notes: 0, bytes: 0, perLocation: 0, tooLarge: 1 });
});

t.test('a flood of 10× the bound: rows and blocks are reused, nothing grows', async (t) => {
  const store = new MemoryNoteStore({ ...quiet, maxNotes: 5000 });
  // 1 to 4 blocks of 64 bytes; note i + 5000 has the size of note i, the one it replaces.
  const text = (i: number) => 'x'.repeat(i % 50) + 'é'.repeat(i % 100);
  for (let i = 0; i < 5000; i++) store.append(note(i, -1, text(i)));
  const capacity = store.capacity;
  t.ok(capacity.rows <= 5000, `${capacity.rows} rows: within the bound`);
  for (let i = 5000; i < 50_000; i++) store.append(note(i, -1, text(i)));
  t.same(store.capacity, capacity, 'no row or block added past the bound');
  t.same(store.size.notes, 5000);
  t.same(store.size.locations, 5000);
  t.same(messages(store.append(note(49_999, -1, 'again'))), [text(49_999)], 'the newest are the ones kept');
  t.same(messages(store.append(note(44_999, -1, 'gone'))), [], 'the oldest are gone');
});

t.test('random appends under all three bounds agree with a plain model of the rules', async (t) => {
  // Few locations (many collisions and multi-note locations), small bounds (drops of every kind).
  let seed = 12345;
  const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  for (const bounds of [
    { maxNotes: 50, maxNoteBytes: 400, maxNotesPerLocation: 4 },
    { maxNotes: 7, maxNoteBytes: 10_000, maxNotesPerLocation: 100 },
    { maxNotes: 1000, maxNoteBytes: 60, maxNotesPerLocation: 1000 },
    { maxNotes: 300, maxNoteBytes: 100_000, maxNotesPerLocation: 1 },
  ]) {
    const store = new MemoryNoteStore({ ...quiet, ...bounds });
    // The model: every kept note in arrival order, each with its location key.
    let model: { key: string; note: RouteNote; size: number }[] = [];
    let mismatches = 0;
    for (let i = 0; i < 20_000; i++) {
      const lat = random(40) - 20;
      const lng = random(3);
      const n = random(10) === 0 ? { message: `m${i}` } : note(lat, lng, `m${i}${'-'.repeat(random(12))}`);
      const key = `${n.location?.latitude ?? 0},${n.location?.longitude ?? 0}`;
      const size = Buffer.byteLength(n.message);
      let expected: RouteNote[];
      if (size > bounds.maxNoteBytes) expected = model.filter((e) => e.key === key).map((e) => e.note);
      else {
        const here = model.filter((e) => e.key === key);
        if (here.length >= bounds.maxNotesPerLocation) model = model.filter((e) => e !== here[0]);
        const bytes = () => model.reduce((s, e) => s + e.size, 0);
        while (model.length >= bounds.maxNotes || bytes() + size > bounds.maxNoteBytes) model.shift();
        expected = model.filter((e) => e.key === key).map((e) => e.note);
        model.push({ key, note: n, size });
      }
      const got = store.append(n);
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches++;
    }
    t.equal(mismatches, 0, `every answer as the model says (${JSON.stringify(bounds)})`);
    t.same(
      store.size,
      {
        notes: model.length,
        bytes: model.reduce((s, e) => s + e.size, 0),
        locations: new Set(model.map((e) => e.key)).size,
      },
      'same notes, bytes and locations kept',
    );
  }
});

t.test('drops are logged at most once per interval, with the count since the last line', async (t) => {
  const lines: string[] = [];
  const store = new MemoryNoteStore({ maxNotes: 1, intervalMs: 300, log: (l) => lines.push(l) });
  store.append(note(1, 1, 'a'));
  store.append(note(2, 2, 'b')); // drops a: logged at once
  t.equal(lines.length, 1);
  for (let i = 0; i < 10; i++) store.append(note(3, 3, `c${i}`)); // 10 more drops within the interval
  t.equal(lines.length, 1, 'nothing more within the interval');
  await new Promise((r) => setTimeout(r, 450));
  t.same(lines, [
    'note store: dropped 1 note(s), oldest first: 1 past --max-notes 1',
    'note store: dropped 10 note(s), oldest first: 10 past --max-notes 1',
  ]);
  await new Promise((r) => setTimeout(r, 400));
  t.equal(lines.length, 2, 'no line when nothing was dropped');
  store.append(note(4, 4, 'd'));
  t.equal(lines.length, 3, 'the next drop after a quiet interval is logged at once');
  t.same(store.drops.total.notes, 12);
  await store.close();
});

t.test('bounds must be positive integers', async (t) => {
  t.throws(() => new MemoryNoteStore({ maxNotes: 0 }), /maxNotes must be a positive integer/);
  t.throws(() => new MemoryNoteStore({ maxNoteBytes: 1.5 }), /maxNoteBytes must be a positive integer/);
});
