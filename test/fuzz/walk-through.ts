// The calls the client target makes on each connection: the RouteGuide walk-through, all four kinds
// of call, started in the order of the recordings (so on streams 1, 3, 5, 7, 9).

import type { RouteGuideClient } from '../../src/services/routeguide/index.js';

const point = (latitude: number, longitude: number) => ({ latitude, longitude });

export const WALK_THROUGH_CALLS = [
  'GetFeature',
  'GetFeature (no feature)',
  'ListFeatures',
  'RecordRoute',
  'RouteChat',
] as const;

/** The five calls, by name, each a promise that settles when the call has ended. */
export function walkThrough(client: RouteGuideClient, deadline: number): [string, Promise<unknown>][] {
  const options = { deadline };
  const calls = [
    client.getFeature(point(409146138, -746188906), options),
    client.getFeature(point(0, 0), options),
    count(client.listFeatures({ lo: point(400000000, -750000000), hi: point(420000000, -730000000) }, options)),
    recordRoute(client, options),
    routeChat(client, options),
  ];
  return calls.map((call, i) => [WALK_THROUGH_CALLS[i], call]);
}

async function count(responses: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of responses) n++;
  return n;
}

/** Three points, then the summary. (A send that fails means the call has ended: closeAndRecv() says how.) */
function recordRoute(client: RouteGuideClient, options: { deadline: number }): Promise<unknown> {
  const call = client.recordRoute(options);
  return (async () => {
    for (const p of [point(1, 1), point(2, 2), point(3, 3)]) await call.send(p).catch(() => {});
    return call.closeAndRecv();
  })();
}

/** Two notes and the half-close, while reading every note that comes back. */
function routeChat(client: RouteGuideClient, options: { deadline: number }): Promise<unknown> {
  const call = client.routeChat(options);
  const sent = (async () => {
    for (const message of ['First message', 'Second message'])
      await call.send({ location: point(0, 1), message }).catch(() => {});
    call.closeSend();
  })();
  return (async () => {
    try {
      return await count(call);
    } finally {
      await sent; // (a closeSend() that throws is a failure of its own)
    }
  })();
}
