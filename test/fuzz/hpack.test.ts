// Differential decoding of header blocks (test/fuzz/hpack-target.ts, docs/fuzzing.md): random,
// recorded and mutated blocks, decoded by the tap (src/wire/h2/, src/wire/hpack/) and by node:http2;
// the two agree on accept and reject and on every header list, but for the rules only nghttp2 has
// (test/fuzz/nghttp2-request.ts and the top of hpack-target.ts).

import t from 'tap';
import { hpackTarget } from './hpack-target.js';
import { fuzzInTest } from './in-test.js';

t.test('the tap and node:http2 decode the same header blocks alike', async (t) => {
  await fuzzInTest(t, hpackTarget, 120);
});
