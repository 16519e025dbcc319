import t from 'tap';
import { NoteStore } from '../src/services/routeguide/note-store.js';
import type { RouteNote } from '../src/services/routeguide/types.js';

const note = (latitude: number, longitude: number, message: string): RouteNote => ({
  location: { latitude, longitude },
  message,
});
const all = (store: NoteStore, lat: number, lng: number, n: number) =>
  Array.from({ length: n }, (_, i) => store.at({ latitude: lat, longitude: lng }, i).message);

t.test('counts and returns the notes of each location, oldest first', async (t) => {
  const store = new NoteStore();
  // (lat, lng, message, expected count at that location after adding)
  const table: [number, number, string, number][] = [
    [0, 1, 'a', 1], // first latitude: the note alone
    [0, 1, 'b', 2], // same location: an array
    [0, 2, 'c', 1], // second longitude at latitude 0: a Map of locations
    [0, 1, 'd', 3],
    [0, 2, 'e', 2],
    [0, 3, 'f', 1],
    [5, 7, 'g', 1],
    [5, 8, 'h', 1], // a single note becomes one entry of a Map
    [5, 7, 'i', 2],
    [-1, -1, 'j', 1],
  ];
  for (const [lat, lng, message, count] of table)
    t.equal(store.add(note(lat, lng, message)), count, `${message} at (${lat}, ${lng})`);
  t.same(all(store, 0, 1, 3), ['a', 'b', 'd']);
  t.same(all(store, 0, 2, 2), ['c', 'e']);
  t.same(all(store, 0, 3, 1), ['f']);
  t.same(all(store, 5, 7, 2), ['g', 'i']);
  t.same(all(store, 5, 8, 1), ['h']);
  t.same(all(store, -1, -1, 1), ['j']);
});

t.test('a note without a location is stored at (0, 0)', async (t) => {
  const store = new NoteStore();
  t.equal(store.add({ message: 'x' }), 1);
  t.equal(store.add({ location: { latitude: 0, longitude: 0 }, message: 'y' }), 2);
  t.same(all(store, 0, 0, 2), ['x', 'y']);
});

t.test('a note comes back as it was stored: with its location, or without one', async (t) => {
  const store = new NoteStore();
  store.add({ message: 'x' });
  store.add({ location: { latitude: 0, longitude: 0 }, message: 'y' });
  t.same(store.at(undefined, 0), { message: 'x' });
  t.same(store.at({ latitude: 0, longitude: 0 }, 1), { location: { latitude: 0, longitude: 0 }, message: 'y' });
});

t.test('many locations and many notes: rows and hash table grow, nothing is lost or mixed up', async (t) => {
  const store = new NoteStore();
  // 5000 locations (the table starts with 2048 slots, the rows with 1024), spread over both signs
  // and the int32 extremes; every 7th location gets a second note after all the first ones.
  const spot = (i: number): [number, number] => [((i * 2654435761) | 0) % 900_000_000, i % 2 ? -i : 2147483647 - i];
  const n = 5000;
  const counts: number[] = [];
  for (let i = 0; i < n; i++) counts.push(store.add(note(...spot(i), `first ${i}`)));
  for (let i = 0; i < n; i += 7) counts.push(store.add(note(...spot(i), `second ${i}`)));
  t.same(new Set(counts.slice(0, n)), new Set([1]), 'each first note is alone at its location');
  t.same(new Set(counts.slice(n)), new Set([2]), 'each second note is the second');
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const [latitude, longitude] = spot(i);
    const first = store.at({ latitude, longitude }, 0);
    if (
      first.message !== `first ${i}` ||
      first.location?.latitude !== latitude ||
      first.location?.longitude !== longitude
    )
      wrong++;
    if (i % 7 === 0 && store.at({ latitude, longitude }, 1).message !== `second ${i}`) wrong++;
  }
  t.equal(wrong, 0, 'every note found at its own location, in order');
});
