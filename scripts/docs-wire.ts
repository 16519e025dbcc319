// `npm run docs:wire`: writes docs/wire/, the wire tap's transcripts of real calls
// (scripts/wire-transcripts/; docs/wire/README.md says what each shows and what is normalised).

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = [
  'usage: npm run docs:wire [-- [--out DIR] [--only FILE]…]',
  '',
  '  --out DIR    write the transcripts into DIR (default docs/wire/)',
  '  --only FILE  make only FILE (repeatable), one of the files of docs/wire/',
  '  -h, --help   show this help',
].join('\n');
const DEFAULT_OUT = fileURLToPath(new URL('../docs/wire/', import.meta.url));

function usageError(message: string): never {
  console.error(`docs:wire: ${message}\n${USAGE}`);
  process.exit(2);
}

function options(): { out: string; only: string[] | undefined } {
  try {
    const { values } = parseArgs({
      options: {
        out: { type: 'string' },
        only: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return { out: values.out ?? DEFAULT_OUT, only: values.only };
  } catch (error) {
    usageError((error as Error).message);
  }
}

const { out, only } = options();
// Loaded once the flags are known good, so that --help and a mistake answer at once.
const { INDEX_FILE, TRANSCRIPTS, writeTranscripts } = await import('./wire-transcripts/generate.js');
const FILES = [...TRANSCRIPTS.map((t) => t.file), INDEX_FILE];
const unknown = only?.find((file) => !FILES.includes(file));
if (unknown !== undefined) usageError(`--only: no transcript ${unknown} (there are ${FILES.join(', ')})`);
const where = relative(process.cwd(), out);
const shown = where === '' ? '.' : where.startsWith('..') ? out.replace(/\/$/, '') : where;
try {
  for (const outcome of await writeTranscripts(out, only)) {
    if ('skipped' in outcome)
      console.log(`skipped ${outcome.file} (the file there stays as it is): ${outcome.skipped}`);
    else console.log(`wrote ${shown}/${outcome.file}`);
  }
} catch (error) {
  console.error(`docs:wire failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
