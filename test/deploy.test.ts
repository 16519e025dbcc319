// Scale-out as deployed: nginx in front of two servers, --workers, and the Redis note store with a real
// redis-server: every file of test/deploy/, run in this one process
// (test/helpers/run-together.ts says why).
import { runTogether } from './helpers/run-together.js';

await runTogether(new URL('deploy/', import.meta.url));
