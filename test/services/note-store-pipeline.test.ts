// RouteChat's appends in flight (note-store-pipeline.ts), against a store whose answers the test
// releases one by one, in any order: the answers come out in note order, no more than `ahead`
// appends are ever pending, the first failure ends the iteration, notes that fail end it without
// waiting for answers, and a consumer that stops stops the reading.

import t from 'tap';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { Status } from '../../src/protocol/status.js';
import type { NoteStore } from '../../src/services/routeguide/note-store.js';
import { appendInOrder, type Appended } from '../../src/services/routeguide/note-store-pipeline.js';
import type { RouteNote } from '../../src/services/routeguide/types.js';
import { Rng } from '../helpers/rng.js';

const note = (i: number): RouteNote => ({ location: { latitude: i, longitude: 0 }, message: `n${i}` });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A store whose appends settle when the test says so. */
class HeldStore implements NoteStore {
  readonly description = 'held';
  readonly pending = new Map<string, { resolve(e: readonly RouteNote[]): void; reject(e: Error): void }>();
  appended: string[] = [];
  append(n: RouteNote): Promise<readonly RouteNote[]> {
    this.appended.push(n.message);
    return new Promise((resolve, reject) => this.pending.set(n.message, { resolve, reject }));
  }
  answer(message: string, earlier: readonly RouteNote[] = []): void {
    this.pending.get(message)!.resolve(earlier);
    this.pending.delete(message);
  }
  fail(message: string, error: Error): void {
    this.pending.get(message)!.reject(error);
    this.pending.delete(message);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Notes the test pushes, ended or failed when it says. */
function notesSource() {
  const queue: RouteNote[] = [];
  let wake: (() => void) | undefined;
  let end: 'ended' | Error | undefined;
  let returned = false;
  const source: AsyncIterableIterator<RouteNote> = {
    [Symbol.asyncIterator]: () => source,
    async next() {
      while (queue.length === 0 && end === undefined) await new Promise<void>((resolve) => (wake = resolve));
      if (queue.length > 0) return { value: queue.shift()!, done: false };
      if (end instanceof Error) throw end;
      return { value: undefined, done: true };
    },
    return() {
      returned = true;
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  const poke = () => (wake?.(), (wake = undefined));
  return {
    source,
    push: (...notes: RouteNote[]) => (queue.push(...notes), poke()),
    end: (how: 'ended' | Error = 'ended') => ((end = how), poke()),
    get returned() {
      return returned;
    },
  };
}

/** Collects what the iteration yields, and how it ends. */
function consume(it: AsyncIterable<Appended>) {
  const got: { note: string; earlier: string[] }[] = [];
  const ended = (async () => {
    for await (const { note: n, earlier } of it) got.push({ note: n.message, earlier: earlier.map((e) => e.message) });
  })().then(
    () => 'done' as const,
    (error: unknown) => error,
  );
  return { got, ended };
}

t.test('answers released in any order come out in note order', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const { got, ended } = consume(appendInOrder(notes.source, store, 1000));
  const n = 300;
  notes.push(...Array.from({ length: n }, (_, i) => note(i)));
  notes.end();
  await tick();
  t.equal(store.appended.length, n, 'every note appended before any answer');
  const random = new Rng(99);
  const order = Array.from({ length: n }, (_, i) => `n${i}`);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const message of order) {
    store.answer(message, [{ message: `before ${message}` }]);
    if (random.int(4) === 0) await tick();
  }
  t.equal(await ended, 'done');
  t.same(
    got,
    Array.from({ length: n }, (_, i) => ({ note: `n${i}`, earlier: [`before n${i}`] })),
  );
});

t.test('no more than `ahead` appends pending: the reading waits until half are handed on', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const { got, ended } = consume(appendInOrder(notes.source, store, 4));
  notes.push(...Array.from({ length: 10 }, (_, i) => note(i)));
  await tick();
  t.same(store.appended, ['n0', 'n1', 'n2', 'n3'], 'four begun, the rest not read');
  store.answer('n3');
  store.answer('n2');
  await tick();
  t.equal(store.appended.length, 4, 'answers after the oldest make no room');
  store.answer('n0');
  await tick();
  t.same(store.appended, ['n0', 'n1', 'n2', 'n3'], 'the oldest handed on, three still pending: none read');
  t.same(
    got.map((g) => g.note),
    ['n0'],
  );
  store.answer('n1');
  await tick();
  t.same(
    got.map((g) => g.note),
    ['n0', 'n1', 'n2', 'n3'],
  );
  t.same(store.appended.slice(4), ['n4', 'n5', 'n6', 'n7'], 'all handed on: four more read');
  for (let i = 4; i < 10; i++) {
    await tick();
    store.answer(`n${i}`);
  }
  notes.end();
  t.equal(await ended, 'done');
  t.equal(got.length, 10);
});

t.test('no more than 64 Ki characters of messages pending, beyond the oldest append', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const { got, ended } = consume(appendInOrder(notes.source, store, 1000));
  const big = (i: number): RouteNote => ({ message: `b${i} ${'x'.repeat(30 * 1024)}` });
  notes.push(big(0), big(1), big(2), big(3), big(4));
  await tick();
  t.equal(store.appended.length, 3, 'three of 30 KiB begun: past 64 Ki characters, the rest not read');
  store.answer(store.appended[0]);
  await tick();
  t.equal(store.appended.length, 3, 'one handed on, 60 Ki characters still pending: none read');
  store.answer(store.appended[1]);
  await tick();
  t.equal(store.appended.length, 5, 'two handed on, 30 Ki characters pending: read on, past 64 Ki again');
  for (let i = 2; i < 5; i++) {
    store.answer(store.appended[i]);
    await tick();
  }
  notes.end();
  t.equal(await ended, 'done');
  t.equal(got.length, 5);
});

t.test('the first failed append ends the iteration with its error; the later ones are not handed on', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const { got, ended } = consume(appendInOrder(notes.source, store, 100));
  notes.push(note(0), note(1), note(2), note(3));
  await tick();
  const unavailable = new GrpcError(Status.UNAVAILABLE, 'note store held unavailable: gone');
  store.answer('n3');
  store.answer('n0');
  store.fail('n1', unavailable);
  store.answer('n2');
  t.equal(await ended, unavailable);
  t.same(
    got.map((g) => g.note),
    ['n0'],
    'only what came before the failure',
  );
  notes.push(note(4));
  await tick();
  t.ok(notes.returned, 'the reading stopped');
  t.equal(store.appended.length, 4, 'no note appended after the failure');
});

t.test('notes that fail end the iteration at once, with their error, appends still pending', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const { ended } = consume(appendInOrder(notes.source, store, 100));
  notes.push(note(0));
  await tick();
  const cancelled = new GrpcError(Status.CANCELLED, 'the client cancelled');
  notes.end(cancelled);
  t.equal(await ended, cancelled);
  store.fail('n0', new GrpcError(Status.UNAVAILABLE, 'later'));
  await tick(); // the late failure goes nowhere (and is not an unhandled rejection)
});

t.test('a consumer that stops early stops the reading', async (t) => {
  const store = new HeldStore();
  const notes = notesSource();
  const it = appendInOrder(notes.source, store, 100);
  notes.push(note(0), note(1));
  await tick();
  store.answer('n0');
  t.same((await it.next()).value?.note.message, 'n0');
  await it.return!();
  t.same(await it.next(), { value: undefined, done: true });
  notes.push(note(2));
  await tick();
  t.ok(notes.returned);
  t.same(store.appended, ['n0', 'n1']);
  store.answer('n1');
});

t.test('no notes: the iteration ends at once', async (t) => {
  const notes = notesSource();
  const { got, ended } = consume(appendInOrder(notes.source, new HeldStore()));
  notes.end();
  t.equal(await ended, 'done');
  t.same(got, []);
});
