// `routeguide serve` under mutated real traffic (test/fuzz/server-target.ts, docs/fuzzing.md): the
// recorded connections of four clients, changed at the frame, HPACK and gRPC levels, four at a time.
// After every batch the server is up, answers a GetFeature right, and holds bounded memory.

import t from 'tap';
import { fuzzInTest } from './in-test.js';
import { serverTarget } from './server-target.js';

t.test('the server stays up, answers and stays in bounded memory under mutated connections', async (t) => {
  await fuzzInTest(t, serverTarget, 60);
});
