// Where the package's files are, from both the TypeScript sources (src/) and the build (dist/src/).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('routeguide-h2: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const PACKAGE_ROOT = findPackageRoot();
export const PROTO_DIR = join(PACKAGE_ROOT, 'proto');
export const DATA_DIR = join(PACKAGE_ROOT, 'data');
