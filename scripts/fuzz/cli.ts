// `npm run fuzz`: the fuzz suite of test/fuzz-*.test.ts for longer, with any seed; every failing
// input is written to a file that test/fuzz/regressions.test.ts replays (docs/fuzzing.md).
//
//   npm run fuzz -- --iterations 20000 --seed 7 --target server
//   npm run fuzz -- --replay test/fixtures/fuzz-failures/FILE.json
//   npm run fuzz -- --record              re-record test/fixtures/recordings/ (scripts/fuzz/record.ts)

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { failureFile, inputOf, type FailureFile } from '../../test/fuzz/input.js';
import { fuzz, replay, shrink, TARGET_NAMES, type TargetName } from '../../test/fuzz/runner.js';
import { loadTarget } from '../../test/fuzz/targets.js';

const USAGE = `usage: npm run fuzz -- [--target server|client|tap|hpack]… [--iterations N] [--seed S] [--out DIR] [--shrink]
       npm run fuzz -- --replay FILE…
       npm run fuzz -- --record [--peer NAME]…

  --target NAME    fuzz this target (repeatable; default: all four, one after another)
  --iterations N   inputs per target (default 20000; the server sends 4 at a time, one connection each)
  --seed S         the seed, 0 to 2^32 - 1 (default: a new one, printed); the same seed makes the same inputs
  --out DIR        where failing inputs are written (default test/fixtures/fuzz-failures)
  --shrink         make each failing input as small as it can be while it fails the same way, then write it
  --replay FILE    send a failing input (a file written by a run) again and say what happens (repeatable)
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
        shrink: { type: 'boolean' },
        replay: { type: 'string', multiple: true },
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

if (values.replay) {
  let failing = 0;
  for (const file of values.replay) {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as FailureFile;
    if (!TARGET_NAMES.includes(kept.target as TargetName)) usageError(`${file}: no target "${kept.target}"`);
    const found = await replay(await loadTarget(kept.target as TargetName), inputOf(kept));
    if (found !== undefined) failing++;
    console.log(`${file}: ${found === undefined ? 'passes' : `FAILS: ${found}`}`);
  }
  process.exit(failing === 0 ? 0 : 1);
}

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
    async failure(f) {
      console.log(`${name}: FAILED at iteration ${f.iterations.join(', ')}: ${f.found.split('\n')[0]}`);
      const input = values.shrink ? await shrink(target, f.input, f.found) : f.input;
      mkdirSync(out, { recursive: true });
      const file = join(out, `${f.target}-${f.seed}-${f.iterations[0]}.json`);
      writeFileSync(file, `${JSON.stringify(failureFile(f.target, f.seed, f.iterations, f.found, input), null, 2)}\n`);
      console.log(`  input: ${relative(process.cwd(), file)}${values.shrink ? ' (shrunk)' : ''}`);
    },
  });
  failed += failures.length;
}
console.log(`fuzz: ${failed === 0 ? 'no failures' : `${failed} failure(s)`} (seed ${seed})`);
process.exitCode = failed === 0 ? 0 : 1;
