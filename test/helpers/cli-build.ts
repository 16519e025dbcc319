// The package as npm would install it, built once for every test file of a run: tsc's output in
// dist/, package.json, and the other files that package.json's "files" ships (proto/, data/, the web
// view's page), linked from the sources. It lives under node_modules/.cache, so that its imports
// (protobufjs, ioredis) resolve as in an install, and is named after a hash of the sources: test files
// running at the same time or one after another share one build, and an edit makes a new one. The
// CLI tests spawn its `routeguide` (dist/src/cli.js); test/package/exports.test.ts imports it by name.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce, CACHE } from './build-once.js';
import { untracked } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

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

/** The directory of the built package (building it first if this version of the sources has none). */
export function builtPackage(): string {
  const dir = join(CACHE, `package-${sourceHash()}`);
  const done = () => (existsSync(join(dir, 'dist', 'src', 'cli.js')) ? dir : undefined);
  return buildOnce('package-build', done, () => {
    build(dir);
    removeStaleBuilds(dir);
    return dir;
  });
}

/** Path of the built `routeguide` CLI, dist/src/cli.js of the built package. */
export function builtCli(): string {
  return join(builtPackage(), 'dist', 'src', 'cli.js');
}

function build(dir: string): void {
  const tmp = mkdtempSync(join(CACHE, 'package-building-'));
  try {
    const tsc = spawnSync(
      ...untracked(process.execPath, [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(tmp, 'dist'),
      ]),
      { encoding: 'utf8', timeout: 300_000 },
    );
    // A type error still emits JavaScript (npm run typecheck reports it); only a missing build stops here.
    if (!existsSync(join(tmp, 'dist', 'src', 'cli.js')))
      throw new Error(`tsc did not build the package (exit ${tsc.status}): ${tsc.stdout}${tsc.stderr}`);
    copyFileSync(join(ROOT, 'package.json'), join(tmp, 'package.json'));
    const { files } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    for (const file of files.filter((f) => f !== 'dist')) {
      mkdirSync(dirname(join(tmp, file)), { recursive: true });
      symlinkSync(join(ROOT, file), join(tmp, file));
    }
    renameSync(tmp, dir);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** Builds of older sources (and any left half-made), unused for an hour. */
function removeStaleBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (!name.startsWith('package-') || path === keep) continue;
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}
