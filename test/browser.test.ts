// The tap's web page in a real browser (headless chromium): every file of test/browser/, run in this one
// process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('browser/', import.meta.url));
