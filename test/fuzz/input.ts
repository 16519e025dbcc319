// What one fuzz iteration sends: mutated connections, each with how its bytes are cut into writes and
// how it ends; and how these inputs are kept in failure files (test/fixtures/fuzz-failures/) so that
// test/fuzz/regressions.test.ts can send them again.

import { Rng } from '../helpers/rng.js';
import { lineBytes, pieceLine, type Piece } from './frames.js';

/** How a side ends its connection after its last byte: FIN, a TCP reset, or not at all (the peer must time out). */
export type Ending = 'close' | 'reset' | 'hold';

export interface FuzzConnection {
  /** What the fuzzer sends as the client (server and tap targets). */
  c2s?: Piece[];
  /** What the fuzzer sends as the server (client and tap targets). */
  s2c?: Piece[];
  /** Seed of how the bytes are cut into writes (`writes`). */
  pace: number;
  end: Ending;
}

export interface FuzzInput {
  connections: FuzzConnection[];
  /** Where each connection came from and what was changed, for people reading a failure. */
  notes: string[];
}

/**
 * The writes for `pieces`: all at once, a frame at a time, or cut at random points (a frame header
 * split between writes, many frames in one) — each way finds other bugs in a reader.
 */
export function writes(pieces: readonly Piece[], pace: number): Buffer[] {
  const rng = new Rng(pace);
  const all = Buffer.concat(pieces.map((p) => p.bytes));
  switch (rng.int(3)) {
    case 0:
      return all.length > 0 ? [all] : [];
    case 1:
      return pieces.map((p) => p.bytes).filter((b) => b.length > 0);
    default: {
      const out: Buffer[] = [];
      for (let at = 0; at < all.length;) {
        const size = rng.between(1, rng.chance(0.5) ? 16 : 4096);
        out.push(all.subarray(at, at + size));
        at += size;
      }
      return out;
    }
  }
}

// ---- failure files ----

type PieceLines = [stream: number, line: string][];

export interface FailureFile {
  target: string;
  /** FUZZ_SEED and the iterations (one, or a batch sent together) that failed. */
  seed: number;
  iterations: number[];
  /** What went wrong (its first line says it; a crash adds the process's last output, with the stack). */
  found: string;
  /** Set when the input is kept out of the default run until a fix lands: what it waits for. */
  pending?: string;
  notes: string[];
  connections: { c2s?: PieceLines; s2c?: PieceLines; pace: number; end: Ending }[];
}

const toLines = (pieces: Piece[] | undefined): PieceLines | undefined => pieces?.map((p) => [p.stream, pieceLine(p)]);
const fromLines = (lines: PieceLines | undefined): Piece[] | undefined =>
  lines?.map(([stream, line]) => ({ stream, bytes: lineBytes(line) }));

export function failureFile(
  target: string,
  seed: number,
  iterations: number[],
  found: string,
  input: FuzzInput,
): FailureFile {
  return {
    target,
    seed,
    iterations,
    found,
    notes: input.notes,
    connections: input.connections.map((c) => ({ c2s: toLines(c.c2s), s2c: toLines(c.s2c), pace: c.pace, end: c.end })),
  };
}

export function inputOf(file: FailureFile): FuzzInput {
  return {
    notes: file.notes,
    connections: file.connections.map((c) => ({
      c2s: fromLines(c.c2s),
      s2c: fromLines(c.s2c),
      pace: c.pace,
      end: c.end,
    })),
  };
}
