// RouteChat's notes, kept per location and shared by every stream of a server.
//
// Keyed latitude → longitude with numeric maps (no key string built per note); a location holding
// a single note stores it bare, and becomes an array only when a second note arrives.

import type { Point, RouteNote } from './types.js';

type Notes = RouteNote | RouteNote[];

export class NoteStore {
  private readonly byLatitude = new Map<number, Map<number, Notes>>();

  /** Stores `note` at its location; returns how many notes that location now holds. */
  add(note: RouteNote): number {
    const { latitude, longitude } = note.location ?? ORIGIN;
    let row = this.byLatitude.get(latitude);
    if (!row) this.byLatitude.set(latitude, (row = new Map()));
    const held = row.get(longitude);
    if (held === undefined) {
      row.set(longitude, note);
      return 1;
    }
    if (Array.isArray(held)) return held.push(note);
    row.set(longitude, [held, note]);
    return 2;
  }

  /** The i-th note stored at `location` (0 = oldest). */
  at(location: Point | null | undefined, i: number): RouteNote {
    const held = this.byLatitude.get(location?.latitude ?? 0)!.get(location?.longitude ?? 0)!;
    return Array.isArray(held) ? held[i] : held;
  }
}

const ORIGIN: Point = { latitude: 0, longitude: 0 };
