// The tap between real peers (grpc-go, Ruby's C-core stack) and the HPACK decoder against nghttp2's
// encoder (node:http2): every file of test/peers/, run in this one process
// (test/helpers/run-together.ts says why). The tap's faults between real peers are in test/faults/.
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('peers/', import.meta.url));
