// The wire transcripts of docs/wire/ stay true to the code: the generator behind `npm run docs:wire`
// records every transcript again, into a temporary directory, and each file must be the one
// committed. A change to the code that changes what goes on the wire (or what the tap says of it)
// fails here, with the difference, until the transcripts are made again and the change reviewed.
// Without Go the grpc-go transcript is skipped, saying why; under CI=true a missing Go fails
// (test/helpers/go.ts).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { generateTranscripts, INDEX_FILE, TRANSCRIPTS } from '../../scripts/wire-transcripts/generate.js';

const COMMITTED = fileURLToPath(new URL('../../docs/wire/', import.meta.url));

t.setTimeout(180_000); // a cold build of the grpc-go client takes ~20 s on a busy machine

t.test('each transcript in docs/wire/ is what a run through the tap gives today', async (t) => {
  for (const outcome of await generateTranscripts()) {
    if ('skipped' in outcome) {
      t.test(`docs/wire/${outcome.file}`, { skip: outcome.skipped }, async () => {});
      continue;
    }
    t.equal(
      outcome.text,
      readFileSync(join(COMMITTED, outcome.file), 'utf8'),
      `docs/wire/${outcome.file} matches the code (if the change is meant, run npm run docs:wire and review git diff docs/wire/)`,
    );
  }
});

t.test('docs/wire/ holds the generated files and nothing else', async (t) => {
  t.same(
    readdirSync(COMMITTED).sort(),
    [...TRANSCRIPTS.map((tr) => tr.file), INDEX_FILE].sort(),
    'no stale transcript stays behind',
  );
});
