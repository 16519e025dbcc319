// src/server/ (errors, compression, backpressure, dead connections, keepalive, shutdown): every file of
// test/server/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('server/', import.meta.url));
