// `npm test` prints each failed test once more at its end (scripts/tap-failures.mjs), so that the last
// lines of a long log say what failed: read here from tap's real output for a file that fails on
// purpose (fixtures/failing.tap-fixture.mjs).

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { formatTapFailures, tapFailures } from '../../scripts/tap-failures.mjs';
import { finished, untracked } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/package/fixtures/failing.tap-fixture.mjs';

t.test('the failed assertions of a real tap run, each with its subtests and diagnostics', async (t) => {
  const tap = fileURLToPath(new URL('../../node_modules/.bin/tap', import.meta.url));
  const run = await finished(
    spawn(...untracked(tap, ['--reporter=tap', '--disable-coverage', FIXTURE]), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  t.equal(run.code, 1, 'tap itself failed', { stderr: run.stderr });

  const failures = tapFailures(run.stdout);
  t.same(
    failures.map(({ path, name }) => [...path, name]),
    [
      [FIXTURE, 'outer group', 'inner # with a hash', 'one is two'],
      [FIXTURE, 'top level'],
    ],
    'the two assertions, not the subtests and the file that failed because of them',
  );
  t.match(failures[0]?.block.join('\n'), /^diff: \|[^]*-2\n[^]*\+1$/m, 'the diff under the first');
  t.match(failures[1]?.block.join('\n'), /lineNumber: 14/, 'where the second is');

  const text = formatTapFailures(failures);
  t.match(
    text,
    new RegExp(`^${FIXTURE} › outer group › inner # with a hash › one is two\n {2}compare`),
    'a line names each',
  );
  const headlines = text.split('\n').filter((line) => line !== '' && !line.startsWith(' '));
  t.equal(headlines.length, 2, 'and only those two', { text });
});

t.test('a passing run has none; a long diagnostic is cut', async (t) => {
  t.same(tapFailures('TAP version 14\nok 1 - fine\n1..1\n'), []);
  const long = ['not ok 1 - wordy', '  ---', ...Array.from({ length: 50 }, (_, i) => `  line${i}: x`), '  ...'];
  const [wordy] = tapFailures(long.join('\n'), { maxBlockLines: 5 });
  t.same(wordy?.block, ['line0: x', 'line1: x', 'line2: x', 'line3: x', 'line4: x', '…']);
});
