// The fuzzers' seeded runs in the test suite and the saved failures (test/fixtures/fuzz-failures/): every
// file of test/fuzz/ that ends in .test.ts, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('fuzz/', import.meta.url));
