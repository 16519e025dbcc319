// Benchmark client on @grpc/grpc-js (proto-loader, keepCase) — the reference for bench/clients/ours.mjs.

import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
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

const PROTO = new URL('../../proto/route_guide.proto', import.meta.url).pathname;
const opts = parseClientArgs();
const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: true })).routeguide;
const client = new pkg.RouteGuide(opts.addr, grpc.credentials.createInsecure());

const deadline = () => Date.now() + DEADLINE_MS;

function getFeature(point, deadlineMs) {
  return new Promise((resolve, reject) =>
    client.GetFeature(point, { deadline: deadlineMs }, (err, feature) => (err ? reject(err) : resolve(feature))),
  );
}

async function routeChat(n, base) {
  const call = client.RouteChat({ deadline: deadline() });
  let got = 0;
  const receiving = new Promise((resolve, reject) => {
    call.on('data', (note) => {
      if (got >= n) die(`routechat: more than ${n} replies`);
      checkNote(note, noteAt(base + got), got);
      got++;
    });
    call.on('error', reject);
    call.on('status', (status) => (status.code === grpc.status.OK ? resolve() : reject(new Error(status.details))));
  });
  for (let i = 0; i < n; i++) if (!call.write(noteAt(base + i))) await once(call, 'drain');
  call.end();
  await receiving;
  if (got !== n) die(`routechat: ${got} replies for ${n} notes`);
}

async function unary(n, c) {
  await concurrently(n, c, async (i) => checkFeature(await getFeature(ASKS[i % 2], deadline()), i));
}

await getFeature(ASKS[0], Date.now() + 10_000); // connect before the clock starts
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
client.close();
