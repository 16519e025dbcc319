// The `routeguide` CLI as a user runs it: compiled by tsc into node_modules/.cache (under the
// package root, so the build finds package.json, proto/ and data/ above itself). The build is named
// after a hash of the sources, so test files running at the same time or one after another share
// one build, and an edit to the sources makes a new one.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache');

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(join(ROOT, path)));
    }
  };
  walk('src');
  walk('framing');
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package.json'])
    hash.update(readFileSync(join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}

/** Path of the built `src/cli.js` (building it first if this version of the sources has none). */
export function builtCli(): string {
  mkdirSync(CACHE, { recursive: true });
  const dir = join(CACHE, `cli-build-${sourceHash()}`);
  const cli = join(dir, 'src', 'cli.js');
  if (existsSync(cli)) return cli;
  const tmp = mkdtempSync(join(CACHE, 'cli-building-'));
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', tmp],
    { encoding: 'utf8', timeout: 180_000 },
  );
  if (!existsSync(join(tmp, 'src', 'cli.js'))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`tsc did not build the CLI (exit ${tsc.status}): ${tsc.stdout}${tsc.stderr}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // built at the same time by another test file
  }
  removeStaleBuilds(dir);
  return cli;
}

/** Builds of older sources, unused for an hour. */
function removeStaleBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (!name.startsWith('cli-build-') || path === keep) continue;
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}
