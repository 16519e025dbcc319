// framing/ and src/protocol/ (the length-prefixed codec, statuses, headers, the schema, the encoders and
// the decoder): every file of test/protocol/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('protocol/', import.meta.url));
