// src/services/ (the note stores, health, reflection): every file of test/services/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('services/', import.meta.url));
