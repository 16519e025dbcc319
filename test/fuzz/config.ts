// FUZZ_SEED and FUZZ_ITERATIONS: the fuzz tests in `npm test` run a fixed seed for a few seconds
// per target; either variable changes that (`FUZZ_SEED=7 FUZZ_ITERATIONS=2000 npx tap test/fuzz/tap.test.ts`).

/** The seed of the default run: the same inputs on every run, so that a failure in CI replays. */
export const DEFAULT_SEED = 18;

/** A non-negative integer from the environment, or `fallback`; anything else is a mistake worth stopping for. */
function fromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** The seed and the number of iterations for a target whose default run takes `defaultIterations`. */
export function fuzzSettings(defaultIterations: number): { seed: number; iterations: number } {
  return { seed: fromEnv('FUZZ_SEED', DEFAULT_SEED), iterations: fromEnv('FUZZ_ITERATIONS', defaultIterations) };
}
