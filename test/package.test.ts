// The built package as its users run it (the routeguide and routeguide tap commands, the flags of the
// bench and scripts, the package's exports): every file of test/package/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('package/', import.meta.url));
