import t from 'tap';
import { NoteStore } from '../src/services/routeguide/note-store.js';
import type { RouteNote } from '../src/services/routeguide/types.js';

const note = (latitude: number, longitude: number, message: string): RouteNote => ({ location: { latitude, longitude }, message });
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
  for (const [lat, lng, message, count] of table) t.equal(store.add(note(lat, lng, message)), count, `${message} at (${lat}, ${lng})`);
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
