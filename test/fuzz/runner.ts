// The fuzz loop every target shares: iteration n's input comes from its own generator, seeded by
// (FUZZ_SEED, n), so any iteration can be made again alone; inputs go to the target a batch at a
// time, and after each batch the target is checked as a whole (still up, still answering, memory).
// A failure keeps the input that caused it; a target that fell over is started again.

import { deriveSeed, Rng } from '../helpers/rng.js';
import type { Piece } from './frames.js';
import type { FuzzInput } from './input.js';

export type TargetName = 'server' | 'client' | 'tap' | 'hpack';
export const TARGET_NAMES: readonly TargetName[] = ['server', 'client', 'tap', 'hpack'];

export interface TargetSession {
  /** Sends one input (its connections at the same time); resolves with what went wrong, or undefined. */
  run(input: FuzzInput): Promise<string | undefined>;
  /** After a batch: what is wrong with the target as a whole, or undefined. */
  check(): Promise<string | undefined>;
  /** Figures for progress lines (RSS, counts). */
  stats(): string;
  close(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** Inputs sent at the same time. */
  batch: number;
  /** The input of one iteration. */
  generate(rng: Rng): FuzzInput;
  start(): Promise<TargetSession>;
}

export interface Failure {
  target: TargetName;
  seed: number;
  /** The iteration that failed, or the whole batch when the target failed as a whole. */
  iterations: number[];
  found: string;
  input: FuzzInput;
}

export interface FuzzOptions {
  seed: number;
  iterations: number;
  /** Called every `progressEvery` iterations and at the end. */
  progress?: (done: number, failures: number, stats: string) => void;
  progressEvery?: number;
  failure?: (failure: Failure) => void | Promise<void>;
}

/** Merges the inputs of a batch into one (their connections sent together). */
function merged(inputs: FuzzInput[]): FuzzInput {
  return { connections: inputs.flatMap((i) => i.connections), notes: inputs.flatMap((i) => i.notes) };
}

export async function fuzz(target: Target, options: FuzzOptions): Promise<Failure[]> {
  const failures: Failure[] = [];
  const fail = async (f: Omit<Failure, 'target' | 'seed'>) => {
    const failure = { target: target.name, seed: options.seed, ...f };
    failures.push(failure);
    await options.failure?.(failure);
  };
  let session = await target.start();
  const every = options.progressEvery ?? Math.max(target.batch, Math.round(options.iterations / 10));
  try {
    for (let first = 0; first < options.iterations; first += target.batch) {
      const numbers = Array.from({ length: Math.min(target.batch, options.iterations - first) }, (_, k) => first + k);
      const inputs = numbers.map((n) => target.generate(new Rng(deriveSeed(options.seed, n))));
      const found = await Promise.all(inputs.map((input) => session.run(input)));
      for (const [k, what] of found.entries())
        if (what !== undefined) await fail({ iterations: [numbers[k]], found: what, input: inputs[k] });
      const whole = await session.check();
      if (whole !== undefined) {
        await session.close();
        await fail(await narrowed(target, numbers, inputs, whole));
        session = await target.start();
      }
      const done = first + numbers.length;
      if (options.progress && (Math.floor(done / every) > Math.floor(first / every) || done === options.iterations))
        options.progress(done, failures.length, session.stats());
    }
  } finally {
    await session.close();
  }
  return failures;
}

/**
 * The batch that made the target fail as a whole, narrowed to the one input that does it alone when
 * there is one (each sent again to a fresh target); else the batch.
 */
async function narrowed(
  target: Target,
  numbers: number[],
  inputs: FuzzInput[],
  found: string,
): Promise<Omit<Failure, 'target' | 'seed'>> {
  if (inputs.length > 1) {
    for (const [k, input] of inputs.entries()) {
      const alone = await replay(target, input);
      if (alone !== undefined) return { iterations: [numbers[k]], found: alone, input };
    }
  }
  return { iterations: numbers, found, input: merged(inputs) };
}

/** Sends a kept input again (its connections together); resolves with what went wrong, or undefined. */
export async function replay(target: Target, input: FuzzInput): Promise<string | undefined> {
  const session = await target.start();
  try {
    return (await session.run(input)) ?? (await session.check());
  } finally {
    await session.close();
  }
}

/** What kind of failure `found` is, ignoring numbers and which calls hung: a shrunk input must fail the same way. */
function kindOf(found: string): string {
  return found
    .split('\n')[0]
    .replace(/^.* had not ended/, 'had not ended')
    .replace(/\d+/g, '#');
}

/**
 * A smaller input that fails the same way: runs of pieces, then single pieces, left out one at a time
 * (the last first) for as long as the failure stays, within `budgetMs`.
 */
export async function shrink(target: Target, input: FuzzInput, found: string, budgetMs = 300_000): Promise<FuzzInput> {
  const until = Date.now() + budgetMs;
  const kind = kindOf(found);
  let session = await target.start();
  const fails = async (candidate: FuzzInput): Promise<boolean> => {
    const what = (await session.run(candidate)) ?? (await session.check());
    if (what !== undefined) {
      await session.close(); // it may be down: start again for the next try
      session = await target.start();
    }
    return what !== undefined && kindOf(what) === kind;
  };
  let current = input;
  try {
    for (const [c, connection] of current.connections.entries()) {
      for (const side of ['c2s', 's2c'] as const) {
        let pieces: Piece[] = connection[side] ?? [];
        for (let size = Math.max(1, pieces.length >> 1); size >= 1 && Date.now() < until; size >>= 1) {
          for (let end = pieces.length; end - size >= 0 && Date.now() < until; end -= size) {
            const fewer: Piece[] = [...pieces.slice(0, end - size), ...pieces.slice(end)];
            const candidate = {
              ...current,
              connections: current.connections.map((k, i) => (i === c ? { ...k, [side]: fewer } : k)),
            };
            if (await fails(candidate)) {
              pieces = fewer;
              current = candidate;
            }
          }
        }
      }
    }
  } finally {
    await session.close();
  }
  const count = (i: FuzzInput) => i.connections.reduce((n, c) => n + (c.c2s?.length ?? 0) + (c.s2c?.length ?? 0), 0);
  return { ...current, notes: [...current.notes, `shrunk from ${count(input)} pieces to ${count(current)}`] };
}
