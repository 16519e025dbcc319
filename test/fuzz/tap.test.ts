// `routeguide tap --json` between a mutated client and a mutated server (test/fuzz/tap-target.ts,
// docs/fuzzing.md): every byte relayed unchanged and in order, no connection stalled, NDJSON one
// event per line, the tap up.

import t from 'tap';
import { fuzzInTest } from './in-test.js';
import { tapTarget } from './tap-target.js';

t.test('the tap relays mutated traffic both ways unchanged and keeps its NDJSON whole', async (t) => {
  await fuzzInTest(t, tapTarget, 24);
});
