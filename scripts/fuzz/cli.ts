// `npm run fuzz`: the fuzz suite of test/fuzz-*.test.ts for longer, with any seed; every failing
// input is written to a file that test/fuzz-regressions.test.ts replays (docs/fuzzing.md).
//
//   npm run fuzz -- --iterations 20000 --seed 7 --target server
//   npm run fuzz -- --record              re-record test/fixtures/recordings/ (scripts/fuzz/record.ts)

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { failureFile } from '../../test/fuzz/input.js';
import { fuzz, TARGET_NAMES, type TargetName } from '../../test/fuzz/runner.js';
import { loadTarget } from '../../test/fuzz/targets.js';

const USAGE = `usage: npm run fuzz -- [--target server|client|tap|hpack]… [--iterations N] [--seed S] [--out DIR]
       npm run fuzz -- --record [--peer NAME]…

  --target NAME    fuzz this target (repeatable; default: all four, one after another)
  --iterations N   inputs per target (default 20000; the server sends 4 at a time, one connection each)
  --seed S         the seed, 0 to 2^32 - 1 (default: a new one, printed); the same seed makes the same inputs
  --out DIR        where failing inputs are written (default test/fixtures/fuzz-failures)
  --record         record the traffic the fuzzer mutates again, from every peer installed here
  --peer NAME      with --record: only this recording (repeatable)
  -h, --help       show this help`;

const DEFAULT_OUT = fileURLToPath(new URL('../../test/fixtures/fuzz-failures/', import.meta.url));

function usageError(message: string): never {
  console.error(`fuzz: ${message} (npm run fuzz -- --help)`);
  process.exit(2);
}

function integer(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max)
    usageError(`--${name} must be an integer from 0 to ${max}, got "${text}"`);
  return Number(text);
}

function options() {
  try {
    return parseArgs({
      options: {
        target: { type: 'string', multiple: true },
        iterations: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        record: { type: 'boolean' },
        peer: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    usageError((error as Error).message.split('\n')[0]);
  }
}

const values = options();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

if (values.record) {
  const { PEER_NAMES, record } = await import('./record.js');
  const unknown = values.peer?.find((p) => !PEER_NAMES.includes(p));
  if (unknown !== undefined) usageError(`--peer: no recording ${unknown} (there are ${PEER_NAMES.join(', ')})`);
  await record(values.peer ?? PEER_NAMES);
  process.exit(0);
}
if (values.peer) usageError('--peer goes with --record');

const targets = (values.target ?? TARGET_NAMES) as TargetName[];
const unknownTarget = targets.find((t) => !TARGET_NAMES.includes(t));
if (unknownTarget !== undefined)
  usageError(`--target must be one of ${TARGET_NAMES.join(', ')}, got "${unknownTarget}"`);
const iterations = integer('iterations', values.iterations, 20_000, 100_000_000);
const seed = integer('seed', values.seed, Math.floor(Math.random() * 2 ** 32), 2 ** 32 - 1);
const out = values.out ?? DEFAULT_OUT;

console.log(`fuzz: seed ${seed}, ${iterations} iterations per target (${targets.join(', ')})`);
let failed = 0;
for (const name of targets) {
  const target = await loadTarget(name);
  const started = Date.now();
  const failures = await fuzz(target, {
    seed,
    iterations,
    progress: (done, count, stats) =>
      console.log(
        `${name}: ${done}/${iterations}, ${count} failure(s), ${((Date.now() - started) / 1000).toFixed(1)} s — ${stats}`,
      ),
    failure(f) {
      mkdirSync(out, { recursive: true });
      const file = join(out, `${f.target}-${f.seed}-${f.iterations[0]}.json`);
      writeFileSync(
        file,
        `${JSON.stringify(failureFile(f.target, f.seed, f.iterations, f.found, f.input), null, 2)}\n`,
      );
      console.log(`${name}: FAILED at iteration ${f.iterations.join(', ')}: ${f.found.split('\n')[0]}`);
      console.log(`  input: ${relative(process.cwd(), file)}`);
    },
  });
  failed += failures.length;
}
console.log(`fuzz: ${failed === 0 ? 'no failures' : `${failed} failure(s)`} (seed ${seed})`);
process.exitCode = failed === 0 ? 0 : 1;
