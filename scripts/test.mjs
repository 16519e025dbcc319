// `npm test`: the type-check, the lint and the tests, all at once. The tests take the longest and
// print as they run; the two checks run beside them at a lower CPU priority (they use what the tests
// leave idle while they wait on peers and timers) and print when they are done. Exits 0 only when
// all three pass. `npm run typecheck`, `npm run lint` and `npx tap` each still run alone.
//
//   npm test [-- TEST_FILE…]      (node scripts/test.mjs [--help] [TEST_FILE…])

import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { parseCommandLine } from '../bench/lib/command-line.mjs';

const USAGE = `usage: npm test [-- TEST_FILE…]

  Runs \`npm run typecheck\`, \`npm run lint\` and the tests (all of them, or the files named) at
  the same time; exits 0 when all three pass. For tap's own options, run \`npx tap\` instead.

  -h, --help   show this help`;

const files = parseCommandLine('npm test', USAGE, {}, { positionals: true }).positionals;

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Runs a command; resolves with its exit status and (when `quiet`) what it printed. */
function run(command, args, { quiet, nice }) {
  const child = spawn(command, args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  if (nice) {
    try {
      setPriority(child.pid, 10);
    } catch {
      // Not allowed to lower it (some containers): it runs at normal priority, which is only slower.
    }
  }
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ ok: code === 0, code: code ?? signal, output })),
  );
}

const checks = [
  ['typecheck', run(npm, ['run', '--silent', 'typecheck'], { quiet: true, nice: true })],
  ['lint', run(npm, ['run', '--silent', 'lint'], { quiet: true, nice: true })],
];
const tests = await run(npm, ['exec', '--', 'tap', ...files], { quiet: false, nice: false });

let failed = !tests.ok;
for (const [name, pending] of checks) {
  const result = await pending;
  if (result.ok) console.log(`npm run ${name}: passed`);
  else {
    failed = true;
    console.log(`npm run ${name}: FAILED (exit ${result.code})\n${result.output.trimEnd()}`);
  }
}
if (!tests.ok) console.log(`tap: FAILED (exit ${tests.code})`);
process.exit(failed ? 1 : 0);
