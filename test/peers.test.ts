// The tap between real peers (grpc-go, Ruby's and Python's C-core stacks, h2load, nghttp), with and
// without faults: every file of test/peers/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('peers/', import.meta.url));
