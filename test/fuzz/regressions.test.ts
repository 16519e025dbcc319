// Every failing input the fuzz suite found and that was kept (test/fixtures/fuzz-failures/*.json,
// docs/fuzzing.md), sent again to its target: each must pass now. An input whose fix has not landed
// says what it waits for (`pending`) and is skipped with that reason until then. The inputs of one
// target go to one running target, one after another; a target that failed is started afresh.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { inputOf, type FailureFile } from './input.js';
import type { TargetName, TargetSession } from './runner.js';
import { loadTarget } from './targets.js';

const DIR = fileURLToPath(new URL('../fixtures/fuzz-failures/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

t.test('the kept inputs are read', async (t) => {
  for (const file of FILES) {
    const kept = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as FailureFile;
    t.ok(['server', 'client', 'tap', 'hpack'].includes(kept.target), `${file}: target ${kept.target}`);
    t.ok(inputOf(kept).connections.length > 0, `${file}: has its input`);
  }
});

const running = new Map<TargetName, TargetSession>();
t.teardown(async () => {
  for (const session of running.values()) await session.close();
});

for (const file of FILES) {
  const kept = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as FailureFile;
  const skip = kept.pending === undefined ? false : `waits for: ${kept.pending}`;
  t.test(`${file}: ${kept.found.split('\n')[0]}`, { skip }, async (t) => {
    const name = kept.target as TargetName;
    const session = running.get(name) ?? (await (await loadTarget(name)).start());
    running.set(name, session);
    const found = (await session.run(inputOf(kept))) ?? (await session.check());
    if (found !== undefined) {
      running.delete(name);
      await session.close();
    }
    t.equal(found, undefined, `${kept.target} passes it now`);
  });
}
