// A fuzz target as a test of `npm test`: a few seconds at FUZZ_SEED (default 18), FUZZ_ITERATIONS
// inputs (default: the target's). Each failure fails the test with the input written to a file,
// which `npm run fuzz -- --replay FILE` sends again and test/fixtures/fuzz-failures/ keeps as a
// regression test (docs/fuzzing.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { fuzzSettings } from './config.js';
import { failureFile } from './input.js';
import { fuzz, type Target } from './runner.js';

export async function fuzzInTest(t: Test, target: Target, defaultIterations: number): Promise<void> {
  const { seed, iterations } = fuzzSettings(defaultIterations);
  const out = join(tmpdir(), 'routeguide-fuzz-failures');
  const failures = await fuzz(target, {
    seed,
    iterations,
    progress: (done, failed, stats) => t.comment(`${target.name}: ${done}/${iterations}, ${failed} failed — ${stats}`),
    failure(f) {
      mkdirSync(out, { recursive: true });
      const file = join(out, `${f.target}-${f.seed}-${f.iterations[0]}.json`);
      writeFileSync(
        file,
        `${JSON.stringify(failureFile(f.target, f.seed, f.iterations, f.found, f.input), null, 2)}\n`,
      );
      t.fail(`${target.name}, seed ${seed}, iteration ${f.iterations.join(', ')}: ${f.found.split('\n')[0]}`, {
        found: f.found,
        notes: f.input.notes,
        input: file,
      });
    },
  });
  t.equal(failures.length, 0, `${iterations} inputs at seed ${seed}: no failure`);
}
