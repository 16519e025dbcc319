// The docs held to the code (links, claims, the spec map, the wire transcripts, the faults table): every
// file of test/docs/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('docs/', import.meta.url));
