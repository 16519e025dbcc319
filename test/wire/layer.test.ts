// The tap is a layer of its own (docs: DESIGN's layer map): every module under src/wire imports only
// the tap's own modules, the protocol and framing code below it (src/protocol/, framing/, and
// src/paths.ts for where the package's files are), Node's built-ins and protobufjs — never the
// server, the client, the services or the CLI. What it needs from them (the message types of a call)
// it is given. Read from the sources with TypeScript's own import scanner (static and dynamic
// imports, re-exports).

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WIRE = join(ROOT, 'src', 'wire');

/** Where a module under src/wire may import from, relative to the package root. */
const ALLOWED_DIRS = ['src/wire/', 'src/protocol/', 'framing/'];
const ALLOWED_FILES = ['src/paths.ts'];
const ALLOWED_PACKAGES = ['protobufjs'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The imports of the module at `file` (its text `text`) that leave the tap's layer. */
function outsideImports(file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((specifier) => {
      if (specifier.startsWith('node:')) return false;
      if (!specifier.startsWith('.')) return !ALLOWED_PACKAGES.includes(specifier.split('/')[0]);
      const target = relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      return !ALLOWED_DIRS.some((dir) => target.startsWith(dir)) && !ALLOWED_FILES.includes(target);
    });
}

t.test('no module under src/wire imports the server, the client, the services or the CLI', async (t) => {
  const files = sourceFiles(WIRE);
  t.ok(files.length > 30, `${files.length} modules read`);
  const found = files.flatMap((file) =>
    outsideImports(file, readFileSync(file, 'utf8')).map((specifier) => `${relative(ROOT, file)} → ${specifier}`),
  );
  t.same(found, [], 'imports that leave the layer');
});

t.test('the scan sees every form of import that would break the layer', async (t) => {
  const file = join(WIRE, 'render', 'example.ts');
  const cases: [source: string, outside: string[]][] = [
    [`import { Channel } from '../../client/channel.js';`, ['../../client/channel.js']],
    [`import type { Server } from '../../server/server.js';`, ['../../server/server.js']],
    [`export { x } from '../../services/reflection/client.js';`, ['../../services/reflection/client.js']],
    [`const cli = await import('../../cli/tap.js');`, ['../../cli/tap.js']],
    [`import '../../services/index.js';`, ['../../services/index.js']],
    [`import grpc from '@grpc/grpc-js';`, ['@grpc/grpc-js']],
    [`import { x } from '../events.js';`, []],
    [`import { statusName } from '../../protocol/status.js';`, []],
    [`import { decompress } from '../../../framing/index.js';`, []],
    [`import { PACKAGE_ROOT } from '../../paths.js';`, []],
    [`import net from 'node:net'; import protobuf from 'protobufjs';`, []],
  ];
  for (const [source, outside] of cases) t.same(outsideImports(file, source), outside, source);
});
