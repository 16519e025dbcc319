// `npm test`: the type-check, the lint and the tests, all at once. The tests take the longest and
// print as they run; the checks (`npm run typecheck`, and the lint's two halves, `npm run lint:code`
// for ESLint and `npm run lint:format` for prettier) run beside them at a lower CPU priority (they
// use what the tests leave idle while they wait on peers and timers) and print when they are done.
// ESLint, the longest check (about 30 CPU-s on one thread), gets a higher priority than the other
// two, so that it ends before the tests do: at the lowest, it ended 8 s after them with the second
// CPU idle, and prettier, which ran after it, took 7.5 s more. Exits 0 only when all pass.
// `npm run typecheck`, `npm run lint` and `npx tap` each still run alone. Into a log
// (standard output not a terminal), each failed test's name and diagnostics are printed once more at
// the very end, so that the last lines of a long log (all a CI page may keep) say what failed; in a
// terminal, tap's own reporter lists them.
//
//   npm test [-- TEST_FILE…]      (node scripts/test.mjs [--help] [TEST_FILE…])

import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { parseCommandLine } from '../bench/lib/command-line.mjs';
import { formatTapFailures, tapFailures } from './tap-failures.mjs';

const USAGE = `usage: npm test [-- TEST_FILE…]

  Runs \`npm run typecheck\`, \`npm run lint\` and the tests (all of them, or the files named) at
  the same time; exits 0 when all pass. For tap's own options, run \`npx tap\` instead.

  -h, --help   show this help`;

const files = parseCommandLine('npm test', USAGE, {}, { positionals: true }).positionals;

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Runs a command, at the CPU priority `nice` (0 to 19) when above 0; resolves with its exit status
 * and what it printed (its standard output and error when `quiet`; its standard output, passed
 * through as it comes, when `echo`).
 */
function run(command, args, { quiet = false, echo = false, nice = 0 }) {
  const stdio = quiet ? ['ignore', 'pipe', 'pipe'] : echo ? ['inherit', 'pipe', 'inherit'] : 'inherit';
  const child = spawn(command, args, { stdio });
  if (nice > 0) {
    try {
      setPriority(child.pid, nice);
    } catch {
      // Not allowed to lower it (some containers): it runs at normal priority, which is only slower.
    }
  }
  let output = '';
  child.stdout?.on('data', (d) => {
    if (echo) process.stdout.write(d);
    output += d;
  });
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ ok: code === 0, code: code ?? signal, output })),
  );
}

const checks = [
  ['lint:code', run(npm, ['run', '--silent', 'lint:code'], { quiet: true, nice: 4 })],
  ['typecheck', run(npm, ['run', '--silent', 'typecheck'], { quiet: true, nice: 10 })],
  ['lint:format', run(npm, ['run', '--silent', 'lint:format'], { quiet: true, nice: 10 })],
];
const tests = await run(npm, ['exec', '--', 'tap', ...files], { echo: !process.stdout.isTTY });

let failed = !tests.ok;
for (const [name, pending] of checks) {
  const result = await pending;
  if (result.ok) console.log(`npm run ${name}: passed`);
  else {
    failed = true;
    console.log(`npm run ${name}: FAILED (exit ${result.code})\n${result.output.trimEnd()}`);
  }
}
if (!tests.ok) {
  const failures = tests.output === '' ? [] : tapFailures(tests.output);
  console.log(`tap: FAILED (exit ${tests.code})`);
  if (failures.length > 0) console.log(`\n${failures.length} failed:\n\n${formatTapFailures(failures)}`);
}
process.exit(failed ? 1 : 0);
