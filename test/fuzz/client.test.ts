// Our client against a hostile server answering with mutated recordings of real servers' bytes
// (test/fuzz/client-target.ts, docs/fuzzing.md): every call of all four kinds ends with a status
// within its deadline, in a process run with --unhandled-rejections=strict.

import t from 'tap';
import { clientTarget } from './client-target.js';
import { fuzzInTest } from './in-test.js';

t.test('every call ends with a status by its deadline, whatever the server sends', async (t) => {
  await fuzzInTest(t, clientTarget, 16);
});
