// Interop with real peers as real processes (grpc-go, Ruby's C-core stack, the interop test service, TLS,
// reflection, protobuf-go's bytes): every file of test/interop/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('interop/', import.meta.url));
