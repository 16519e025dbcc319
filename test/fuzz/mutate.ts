// A mutated connection: a recorded one with a few changes picked at random from the three levels of
// mutators, and a list of what was changed (kept in failure files).

import { Rng } from '../helpers/rng.js';
import type { Piece } from './frames.js';
import { FRAME_MUTATORS } from './mutate-frame.js';
import { GRPC_MUTATORS } from './mutate-grpc.js';
import { HPACK_MUTATORS } from './mutate-hpack.js';
import type { Direction, Level, Mutator } from './mutator.js';

export const MUTATORS: Record<Level, Mutator[]> = { frame: FRAME_MUTATORS, hpack: HPACK_MUTATORS, grpc: GRPC_MUTATORS };

/** Applies 1 to `maxChanges` mutators (fewer more often) to a copy of `pieces`; says what each did. */
export function mutate(
  rng: Rng,
  pieces: readonly Piece[],
  clientSide: boolean,
  maxChanges = 3,
): { pieces: Piece[]; changes: string[] } {
  const d: Direction = { pieces: [...pieces], clientSide };
  const changes: string[] = [];
  const n = Math.min(
    rng.weighted([
      [5, 1],
      [3, 2],
      [2, 3],
    ]),
    maxChanges,
  );
  for (let tries = 0; changes.length < n && tries < 20; tries++) {
    const level = rng.pick(['frame', 'hpack', 'grpc'] as const);
    const mutator = rng.pick(MUTATORS[level]);
    const what = mutator.apply(rng, d);
    if (what !== undefined) changes.push(`${level}/${mutator.name}: ${what}`);
  }
  return { pieces: d.pieces, changes };
}
