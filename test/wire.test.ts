// src/wire/, the tap (frame parser, HPACK, renderers, the hex view, the fault planner): every file of
// test/wire/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('wire/', import.meta.url));
