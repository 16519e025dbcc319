// `npm run docs:wire`: writes docs/wire/, the wire tap's transcripts of real calls
// (scripts/wire-transcripts/; docs/wire/README.md says what each shows and what is normalised).
//
//   npm run docs:wire [-- [--out DIR] [--only FILE]…]

import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeTranscripts } from './wire-transcripts/generate.js';

const DEFAULT_OUT = fileURLToPath(new URL('../docs/wire/', import.meta.url));

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    only: { type: 'string', multiple: true },
  },
  strict: true,
});

const out = values.out ?? DEFAULT_OUT;
const shown = relative(process.cwd(), out) || '.';
try {
  for (const outcome of await writeTranscripts(out, values.only)) {
    if ('skipped' in outcome) console.log(`skipped ${outcome.file}: ${outcome.skipped}`);
    else console.log(`wrote ${shown}/${outcome.file}`);
  }
} catch (error) {
  console.error(`docs:wire failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}
