// Runs the test files of one directory in this one process, one after another in name order:
// test/protocol.test.ts runs test/protocol/*.test.ts, and so on for each directory of test files
// (not helpers/ and fixtures/). `npm test` runs only the files directly in test/, so each of those
// files runs once.
//
// Why: every test process starts node, tap, tap's process tracker (tap adds @tapjs/processinfo to
// every test process, coverage or not) and the TypeScript loader, about 2 CPU-s on the 2-core
// machine this suite is timed on; most of these files cost less than that themselves. Run
// together, ten of them took 4.7 CPU-s instead of 23.4.
//
// Each file still runs alone: `npx tap test/protocol/status.test.ts`.
//
// Files run together share tap's root test. Their top-level `t.test()` calls run in order, and a
// top-level `t.teardown()` runs after the last file's tests. So a file here uses no other
// root-level call (`t.before`, `t.beforeEach`, `t.afterEach`, `t.plan`), which would reach the other
// files' tests: `runTogether` refuses a file that does. A file's own `t.setTimeout` (a cold build
// of a peer takes long) gives way to the directory's, set once every file is loaded.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import t from 'tap';

const ROOT_LEVEL_HOOK = /^t\.(before|beforeEach|after|afterEach|plan|end)\(/m;

/**
 * Imports every `*.test.ts` file of the directory `dir` (a file: URL), in name order, inside a first
 * root test, "load": the tests the files add wait behind it. So every file's top-level work (a build
 * of the package or of a Go peer, run synchronously) is done before any file's tests start, and none
 * of it holds up the event loop under another file's timed test.
 */
export async function runTogether(dir: URL): Promise<void> {
  const path = fileURLToPath(dir);
  const files = readdirSync(path)
    .filter((name) => name.endsWith('.test.ts'))
    .sort();
  await t.test(`load the ${files.length} files of ${relative(process.cwd(), path)}`, async (t) => {
    for (const name of files) {
      const file = join(path, name);
      const hook = ROOT_LEVEL_HOOK.exec(readFileSync(file, 'utf8'));
      if (hook) throw new Error(`${file}: a file run with others may not call ${hook[0]} at its top level`);
      await import(pathToFileURL(file).href);
      t.pass(name);
    }
  });
  // Time enough for each file to take the most any of them asks for alone.
  t.setTimeout(files.length * 240_000);
}
