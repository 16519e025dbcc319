// RouteChat's notes, kept per location and shared by every stream of a server.
//
// Keyed by numbers, latitude then longitude: no key string built per note. Most locations hold one
// note and most latitudes one location, so nothing is allocated beyond the note itself until a
// second one arrives: a latitude maps to the note, then to an array of the notes at that location,
// and only when a second longitude appears to a Map from longitude to those.

import type { Point, RouteNote } from './types.js';

type Spot = RouteNote | RouteNote[]; // the notes at one location, oldest first
type Row = Spot | Map<number, Spot>; // the locations at one latitude

function longitudeOf(spot: Spot): number {
  return (Array.isArray(spot) ? spot[0] : spot).location?.longitude ?? 0;
}

export class NoteStore {
  private readonly byLatitude = new Map<number, Row>();

  /** Stores `note` at its location; returns how many notes that location now holds. */
  add(note: RouteNote): number {
    const latitude = note.location?.latitude ?? 0;
    const longitude = note.location?.longitude ?? 0;
    const row = this.byLatitude.get(latitude);
    if (row === undefined) {
      this.byLatitude.set(latitude, note);
      return 1;
    }
    if (row instanceof Map) {
      const spot = row.get(longitude);
      if (spot === undefined) row.set(longitude, note);
      else if (Array.isArray(spot)) return spot.push(note);
      else row.set(longitude, [spot, note]);
      return spot === undefined ? 1 : 2;
    }
    if (longitudeOf(row) !== longitude) {
      this.byLatitude.set(latitude, new Map<number, Spot>([[longitudeOf(row), row], [longitude, note]]));
      return 1;
    }
    if (Array.isArray(row)) return row.push(note);
    this.byLatitude.set(latitude, [row, note]);
    return 2;
  }

  /** The i-th note stored at `location` (0 = oldest); the location must hold more than i notes. */
  at(location: Point | null | undefined, i: number): RouteNote {
    const row = this.byLatitude.get(location?.latitude ?? 0)!;
    const spot = row instanceof Map ? row.get(location?.longitude ?? 0)! : row;
    return Array.isArray(spot) ? spot[i] : spot;
  }
}
