// Our client against a hostile server answering with mutated recordings of real servers' bytes
// (test/fuzz/client-target.ts, docs/fuzzing.md): every call of all four kinds ends with a status
// within its deadline, in a process run with --unhandled-rejections=strict.

import t from 'tap';
import { clientTarget } from './fuzz/client-target.js';
import { fuzzInTest } from './fuzz/in-test.js';

// Kept out of the default run until this fix lands (its kept input:
// test/fixtures/fuzz-failures/client-18-5.json); `npm run fuzz -- --target client` runs it meanwhile.
const skip =
  'waits for: the client ends a call at its deadline even when node:http2 has stopped the connection without a word ' +
  '(after a connection error in what the server sent, stream.close(CANCEL) never brings the stream\'s "close")';

t.test('every call ends with a status by its deadline, whatever the server sends', { skip }, async (t) => {
  await fuzzInTest(t, clientTarget, 48);
});
