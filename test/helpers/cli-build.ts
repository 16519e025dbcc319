// The package as npm would install it, built once for every test file of a run: tsc's output in
// dist/ (a copy of the checkout's dist/ when that is current), package.json, and the other files
// that package.json's "files" ships (proto/, data/, the web view's page), linked from the sources.
// It lives under node_modules/.cache, so that its imports (protobufjs, ioredis) resolve as in an
// install, and is named after a hash of the sources: test files running at the same time or one
// after another share one build, and an edit makes a new one. The CLI tests spawn its `routeguide`
// (dist/src/cli.js); test/package/exports.test.ts imports it by name.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
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

/** The newest modification time of `path` and, for a directory, of everything under it. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** The oldest modification time of a file under `dir`. */
function oldestFile(dir: string): number {
  return Math.min(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) =>
      entry.isDirectory() ? oldestFile(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs,
    ),
  );
}

/**
 * Whether dist/ holds tsc's output for the sources as they are: every file in it is newer than every
 * source file and directory (a deleted source changes its directory's time), as right after `npm ci`
 * or `npm run build`. Then its copy is the build, and tsc (about 13 CPU-s) does not run again.
 */
function distIsCurrent(): boolean {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'src', 'cli.js'))) return false;
  const sources = ['src', 'framing', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
  return Math.max(...sources.map((path) => newest(join(ROOT, path)))) < oldestFile(dist);
}

function build(dir: string): void {
  const tmp = mkdtempSync(join(CACHE, 'package-building-'));
  try {
    if (distIsCurrent()) cpSync(join(ROOT, 'dist'), join(tmp, 'dist'), { recursive: true });
    else compile(tmp);
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

/** tsc's output for the package, in `tmp`/dist. */
function compile(tmp: string): void {
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
}

/** Builds of older sources (and any left half-made), unused for an hour. */
function removeStaleBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (!name.startsWith('package-') || path === keep) continue;
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}
