// What every mutator is: a named change to one direction of a connection, at one of three levels
// (frames, HPACK header blocks, gRPC messages and headers), made with the fuzzer's seeded generator.

import type { Rng } from '../helpers/rng.js';
import { view, type FrameView, type Piece } from './frames.js';

export type Level = 'frame' | 'hpack' | 'grpc';

export interface Direction {
  /** Mutated in place (a changed piece is a new Buffer: the recordings are shared). */
  pieces: Piece[];
  /** The client's direction (it starts with the preface). */
  clientSide: boolean;
}

export interface Mutator {
  level: Level;
  name: string;
  /** Changes `d` and says how, or returns undefined when it has nothing to work on. */
  apply(rng: Rng, d: Direction): string | undefined;
}

/** Indices of the pieces that are frames and pass `test`. */
export function framesWhere(d: Direction, test: (f: FrameView) => boolean = () => true): number[] {
  const out: number[] = [];
  d.pieces.forEach((p, i) => {
    const f = view(p);
    if (f && test(f)) out.push(i);
  });
  return out;
}

/** A random frame index passing `test`, or undefined when there is none. */
export function pickFrame(rng: Rng, d: Direction, test?: (f: FrameView) => boolean): number | undefined {
  const found = framesWhere(d, test);
  return found.length === 0 ? undefined : rng.pick(found);
}

/**
 * A random piece index. The preface is picked only now and then: a peer that gets no preface closes
 * the connection before reading anything else, and most of the fuzzing is meant to reach further.
 */
export function pickPiece(rng: Rng, d: Direction): number {
  const first = d.clientSide && d.pieces.length > 1 && !rng.chance(0.05) ? 1 : 0;
  return rng.between(first, d.pieces.length - 1);
}

/** Replaces piece `i` by a copy changed by `edit` (the stream it is scheduled on stays). */
export function editPiece(d: Direction, i: number, edit: (bytes: Buffer) => Buffer | void): void {
  const copy = Buffer.from(d.pieces[i].bytes);
  d.pieces[i] = { bytes: edit(copy) ?? copy, stream: d.pieces[i].stream };
}
