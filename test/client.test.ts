// src/client/ and src/call/ (calls, streams, deadlines, reconnects, statuses as the client sees them):
// every file of test/client/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('client/', import.meta.url));
