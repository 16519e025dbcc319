// The seeded random numbers of the property tests: the same seed gives the same cases on every run,
// so a failure names its seed and replays exactly.

/** Numbers in [0, 1) from `seed` (mulberry32: small, fast, and good enough to spread test cases). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whole numbers in [0, n) from `seed`. */
export function seededInt(seed: number): (n: number) => number {
  const random = seededRandom(seed);
  return (n) => Math.floor(random() * n);
}
