// What every note store must do, as one table of cases run against each store (the plain memory
// store, the typed-array store, the Redis store): RouteChat's semantics below the bounds,
// oldest-first dropping past them, the drop counts and log lines, and appends made without waiting
// for the ones before them taking effect in order.

import type { Test } from 'tap';
import type { DropLog, DropLogOptions } from '../../src/services/routeguide/drop-log.js';
import type { NoteBounds, NoteStore } from '../../src/services/routeguide/note-store.js';
import type { RouteNote } from '../../src/services/routeguide/types.js';
import { Rng } from './rng.js';

/** A store opened for one case, and what it keeps as its own bookkeeping says. */
export interface StoreUnderTest {
  store: NoteStore & { readonly drops: DropLog };
  size: () => Promise<{ notes: number; bytes: number; locations: number }>;
}

/** Opens a fresh, empty store with these bounds and log, closed at the test's end. */
export type OpenStore = (t: Test, options: Partial<NoteBounds> & DropLogOptions) => Promise<StoreUnderTest>;

export const note = (latitude: number, longitude: number, message: string): RouteNote => ({
  location: { latitude, longitude },
  message,
});
export const messages = (notes: readonly RouteNote[]) => notes.map((n) => n.message);
const quiet = { log: () => {} };

/** Runs every case against the stores `open` makes. */
export function noteStoreCases(t: Test, open: OpenStore): void {
  t.test('each append returns the notes stored at its location before it, oldest first', async (t) => {
    const { store, size } = await open(t, quiet);
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
      t.same(messages(await store.append(note(lat, lng, message))), earlier, `${message} at (${lat}, ${lng})`);
    t.same(await size(), { notes: 11, bytes: 11, locations: 6 });
  });

  t.test('the canonical six-note chat: 0, 0, 0, 1, 1, 1 earlier notes', async (t) => {
    const { store } = await open(t, quiet);
    const chat = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) =>
      note(0, (i % 3) + 1, `${word} message`),
    );
    const answers: string[][] = [];
    for (const n of chat) answers.push(messages(await store.append(n)));
    t.same(answers, [[], [], [], ['First message'], ['Second message'], ['Third message']]);
  });

  t.test('a note comes back as it was stored: with its location, or without one at (0, 0)', async (t) => {
    const { store } = await open(t, quiet);
    t.same(await store.append({ message: 'x' }), []);
    t.same(await store.append({ location: { latitude: 0, longitude: 0 }, message: 'y z' }), [{ message: 'x' }]);
    t.same(await store.append({ message: '' }), [
      { message: 'x' },
      { location: { latitude: 0, longitude: 0 }, message: 'y z' },
    ]);
    t.same(messages(await store.append(note(-5, 7, '系统 ünïcode 😀'))), []);
    t.same(messages(await store.append(note(-5, 7, 'again'))), ['系统 ünïcode 😀'], 'UTF-8 comes back unchanged');
    t.same(
      await store.append(note(-2147483648, 2147483647, 'extremes')),
      [],
      'the int32 extremes are a location like any other',
    );
    t.same(messages(await store.append(note(-2147483648, 2147483647, 'again'))), ['extremes']);
  });

  t.test('the notes returned are a snapshot: later appends and drops do not change them', async (t) => {
    const { store } = await open(t, { ...quiet, maxNotesPerLocation: 2 });
    await store.append(note(1, 1, 'a'));
    const earlier = await store.append(note(1, 1, 'b'));
    await store.append(note(1, 1, 'c')); // drops a
    t.same(messages(earlier), ['a']);
    t.same(messages(await store.append(note(1, 1, 'd'))), ['c'], 'b dropped in turn');
  });

  t.test('appends made without waiting take effect in the order they were made', async (t) => {
    const { store, size } = await open(t, quiet);
    // 5000 locations, spread over both signs and the int32 extremes, then a second note at every
    // 7th: all 5715 appends made at once, their answers awaited together.
    const spot = (i: number): [number, number] => [((i * 2654435761) | 0) % 900_000_000, i % 2 ? -i : 2147483647 - i];
    const n = 5000;
    const firsts = Array.from({ length: n }, (_, i) => store.append(note(...spot(i), `first ${i}`)));
    const seconds = Array.from({ length: Math.ceil(n / 7) }, (_, k) =>
      store.append(note(...spot(7 * k), `second ${7 * k}`)),
    );
    const firstAnswers = await Promise.all(firsts);
    const secondAnswers = await Promise.all(seconds);
    t.equal(firstAnswers.filter((a) => a.length !== 0).length, 0, 'every first note found its location empty');
    let wrong = 0;
    secondAnswers.forEach((earlier, k) => {
      const [latitude, longitude] = spot(7 * k);
      if (earlier.length !== 1 || earlier[0].message !== `first ${7 * k}`) wrong++;
      if (earlier[0]?.location?.latitude !== latitude || earlier[0]?.location?.longitude !== longitude) wrong++;
    });
    t.equal(wrong, 0, 'every second note found the first, at its own location');
    const kept = await size();
    t.same(kept, { notes: n + Math.ceil(n / 7), bytes: kept.bytes, locations: n });
    t.equal(
      kept.bytes,
      Array.from({ length: n }, (_, i) => `first ${i}`.length).reduce((a, b) => a + b, 0) +
        Array.from({ length: Math.ceil(n / 7) }, (_, k) => `second ${7 * k}`.length).reduce((a, b) => a + b, 0),
      'bytes: every message counted once',
    );
  });

  t.test('past --max-notes the oldest note anywhere is dropped', async (t) => {
    const lines: string[] = [];
    const { store, size } = await open(t, { maxNotes: 3, log: (l) => lines.push(l) });
    await store.append(note(0, 1, 'a'));
    await store.append(note(0, 2, 'b'));
    await store.append(note(0, 1, 'c'));
    t.same(messages(await store.append(note(0, 3, 'd'))), [], 'd is alone at (0, 3); a is dropped');
    t.same(messages(await store.append(note(0, 1, 'e'))), ['c'], 'b dropped now; (0, 1) holds c only');
    t.same(messages(await store.append(note(0, 2, 'f'))), [], '(0, 2) lost b; c dropped');
    t.same(await size(), { notes: 3, bytes: 3, locations: 3 });
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
    const { store, size } = await open(t, { ...quiet, maxNotesPerLocation: 2 });
    await store.append(note(9, 9, 'old elsewhere'));
    t.same(messages(await store.append(note(1, 1, 'a'))), []);
    t.same(messages(await store.append(note(1, 1, 'b'))), ['a']);
    t.same(messages(await store.append(note(1, 1, 'c'))), ['b'], 'a dropped: the location holds b and c');
    t.same(messages(await store.append(note(1, 1, 'd'))), ['c']);
    t.same(
      messages(await store.append(note(9, 9, 'new elsewhere'))),
      ['old elsewhere'],
      'the other location kept its note',
    );
    t.same(store.drops.total.perLocation, 2);
    t.same((await size()).notes, 4);
  });

  t.test('past --max-note-bytes the oldest notes go until the new one fits (UTF-8 bytes)', async (t) => {
    const { store, size } = await open(t, { ...quiet, maxNoteBytes: 10 });
    await store.append(note(1, 1, 'aaaa')); // 4
    await store.append(note(2, 2, 'bbbb')); // 8
    t.same(messages(await store.append(note(1, 1, 'cc'))), ['aaaa'], '10 bytes: fits exactly');
    t.same(messages(await store.append(note(1, 1, 'é'))), ['cc'], '2 bytes in UTF-8: aaaa dropped');
    t.same(await size(), { notes: 3, bytes: 8, locations: 2 });
    t.same(messages(await store.append(note(3, 3, '0123456789'))), [], 'a note of exactly the bound: all others go');
    t.same(await size(), { notes: 1, bytes: 10, locations: 1 });
    t.same(store.drops.total.bytes, 4);
  });

  t.test('a note larger than --max-note-bytes on its own is not stored; the others stay', async (t) => {
    const { store } = await open(t, { ...quiet, maxNoteBytes: 4 });
    await store.append(note(1, 1, 'ab'));
    t.same(messages(await store.append(note(1, 1, 'abcde'))), ['ab'], 'answered with the notes there');
    t.same(messages(await store.append(note(1, 1, 'cd'))), ['ab'], 'and not stored');
    t.same(messages(await store.append(note(1, 1, '€€'))), ['ab', 'cd'], '6 bytes in UTF-8: too large as well');
    t.same(store.drops.total, { notes: 0, bytes: 0, perLocation: 0, tooLarge: 2 });
  });

  t.test('random appends under all three bounds agree with a plain model of the rules', async (t) => {
    // Few locations (many multi-note locations), small bounds (drops of every kind), notes without
    // a location and notes too large to keep. The appends of each round of 500 are made at once.
    const random = new Rng(12345);
    for (const bounds of [
      { maxNotes: 50, maxNoteBytes: 400, maxNotesPerLocation: 4 },
      { maxNotes: 7, maxNoteBytes: 10_000, maxNotesPerLocation: 100 },
      { maxNotes: 1000, maxNoteBytes: 60, maxNotesPerLocation: 1000 },
      { maxNotes: 300, maxNoteBytes: 100_000, maxNotesPerLocation: 1 },
    ]) {
      const { store, size } = await open(t, { ...quiet, ...bounds });
      // The model: every kept note in arrival order, each with its location key.
      let model: { key: string; note: RouteNote; size: number }[] = [];
      const drops = { notes: 0, bytes: 0, perLocation: 0, tooLarge: 0 };
      let mismatches = 0;
      let first = '';
      for (let round = 0; round < 10; round++) {
        const expected: string[] = [];
        const answers: Promise<readonly RouteNote[]>[] = [];
        for (let i = 500 * round; i < 500 * (round + 1); i++) {
          const message =
            random.int(50) === 0 ? 'x'.repeat(bounds.maxNoteBytes + 1) : `m${i}${'é-'.repeat(random.int(6))}`;
          const n = random.int(10) === 0 ? { message } : note(random.int(40) - 20, random.int(3), message);
          const key = `${n.location?.latitude ?? 0},${n.location?.longitude ?? 0}`;
          const size = Buffer.byteLength(n.message);
          if (size > bounds.maxNoteBytes) {
            drops.tooLarge++;
            expected.push(JSON.stringify(model.filter((e) => e.key === key).map((e) => e.note)));
          } else {
            const here = model.filter((e) => e.key === key);
            if (here.length >= bounds.maxNotesPerLocation) {
              model = model.filter((e) => e !== here[0]);
              drops.perLocation++;
            }
            const bytes = () => model.reduce((s, e) => s + e.size, 0);
            while (model.length >= bounds.maxNotes || bytes() + size > bounds.maxNoteBytes) {
              drops[model.length >= bounds.maxNotes ? 'notes' : 'bytes']++;
              model.shift();
            }
            expected.push(JSON.stringify(model.filter((e) => e.key === key).map((e) => e.note)));
            model.push({ key, note: n, size });
          }
          answers.push(store.append(n));
        }
        (await Promise.all(answers)).forEach((got, k) => {
          if (JSON.stringify(got) === expected[k]) return;
          mismatches++;
          first ||= `note ${500 * round + k}: expected ${expected[k]}, got ${JSON.stringify(got)}`;
        });
      }
      t.equal(mismatches, 0, `every answer as the model says (${JSON.stringify(bounds)})`, { first });
      t.same(store.drops.total, drops, 'the same drops, by reason');
      t.same(
        await size(),
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
    const INTERVAL_MS = 300;
    const lines: string[] = [];
    const loggedAt: number[] = [];
    const log = (line: string) => {
      lines.push(line);
      loggedAt.push(performance.now());
    };
    const { store } = await open(t, { maxNotes: 1, intervalMs: INTERVAL_MS, log });
    await store.append(note(1, 1, 'a'));
    await store.append(note(2, 2, 'b')); // drops a: logged at once
    t.same(lines, ['note store: dropped 1 note(s), oldest first: 1 past --max-notes 1']);
    const started = performance.now();
    for (let i = 0; i < 10; i++) await store.append(note(3, 3, `c${i}`)); // 10 more drops
    const took = performance.now() - started;
    // Held to the interval only when the appends took less than it (on a loaded machine ten round
    // trips to Redis can take longer, and a line may then rightly go out between them).
    if (took < INTERVAL_MS) t.equal(lines.length, 1, `nothing more within the interval (${Math.round(took)} ms)`);
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 1.5));
    const counts = lines.map((l) => Number(/dropped (\d+) note/.exec(l)?.[1]));
    t.same(
      counts.reduce((a, b) => a + b, 0),
      11,
      'every drop is in a line, once',
    );
    if (took < INTERVAL_MS) t.same(counts, [1, 10], 'the ten in one line, once the interval is over');
    const gaps = loggedAt.slice(1).map((at, i) => at - loggedAt[i]);
    t.ok(
      gaps.every((gap) => gap >= INTERVAL_MS - 1),
      `lines at least an interval apart (${gaps.map(Math.round).join(', ')} ms)`,
    );
    const before = lines.length;
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 100));
    t.equal(lines.length, before, 'no line when nothing was dropped');
    await store.append(note(4, 4, 'd'));
    t.equal(lines.length, before + 1, 'the next drop after a quiet interval is logged at once');
    t.same(store.drops.total.notes, 12);
  });

  t.test('bounds must be positive integers', async (t) => {
    await t.rejects(open(t, { maxNotes: 0 }), /maxNotes must be a positive integer/);
    await t.rejects(open(t, { maxNoteBytes: 1.5 }), /maxNoteBytes must be a positive integer/);
    await t.rejects(open(t, { maxNotesPerLocation: -1 }), /maxNotesPerLocation must be a positive integer/);
  });
}
