// Benchmark client on routeguide-h2's own client (dist/src/client, built by `npm run build`).

import { Channel, createClient } from '../../dist/src/client/index.js';
import { routeGuideDefinition } from '../../dist/src/services/routeguide/index.js';
import {
  checkFeature,
  checkNote,
  concurrently,
  DEADLINE_MS,
  die,
  noteAt,
  parseClientArgs,
  printResult,
  startClock,
  ASKS,
  WARMUP_BASE,
} from './common.mjs';

const opts = parseClientArgs();
const channel = new Channel(opts.addr);
const client = createClient(routeGuideDefinition(), channel);

async function routeChat(n, base) {
  const call = client.routeChat({ timeoutMs: DEADLINE_MS });
  const sending = (async () => {
    for (let i = 0; i < n; i++) await call.send(noteAt(base + i));
    call.closeSend();
  })();
  let got = 0;
  for await (const note of call) {
    if (got >= n) die(`routechat: more than ${n} replies`);
    checkNote(note, noteAt(base + got), got);
    got++;
  }
  await sending;
  if (got !== n) die(`routechat: ${got} replies for ${n} notes`);
}

async function unary(n, c) {
  await concurrently(n, c, async (i) =>
    checkFeature(await client.getFeature(ASKS[i % 2], { timeoutMs: DEADLINE_MS }), i),
  );
}

// One call first, so the connection is up before the clock starts (as the Go loadgen dials first);
// then the warm-up, if asked for (common.mjs).
await client.getFeature(ASKS[0], { timeoutMs: 10_000 });
if (opts.warmup > 0) {
  if (opts.mode === 'routechat') await routeChat(opts.warmup, WARMUP_BASE);
  else await unary(opts.warmup, opts.c);
}
const clock = startClock();
try {
  if (opts.mode === 'routechat') await routeChat(opts.n, opts.base);
  else await unary(opts.n, opts.c);
} catch (err) {
  die(`${opts.mode}: ${err?.stack ?? err}`);
}
printResult(opts.n, clock);
channel.close();
