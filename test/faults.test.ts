// The tap's faults between real peers (grpc-go, Ruby's and Python's C-core stacks, h2load, nghttp):
// every file of test/faults/, run in this one process (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('faults/', import.meta.url));
