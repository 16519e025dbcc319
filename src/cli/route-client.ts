// `routeguide get|list|record|chat|demo`: the canonical RouteGuide client walk-through (grpc-go
// examples/route_guide/client), on our client, one command per step and `demo` for all four.

import { readFileSync } from 'node:fs';
import type { ChannelOptions } from '../client/channel.js';
import type { RouteGuideClient } from '../services/routeguide/client.js';
import type { Feature, Point, Rectangle, RouteNote } from '../services/routeguide/types.js';
import { defineCommand, type Command } from './command.js';
import { durationValue } from './flags.js';

type Step = (client: RouteGuideClient, deadlineMs: number) => Promise<void>;

const show = (p: Point | null | undefined) => `(${p?.latitude ?? 0}, ${p?.longitude ?? 0})`;
const showFeature = (f: Feature) => `Feature: name: ${JSON.stringify(f.name)}, point:${show(f.location)}`;
const deadline = (ms: number) => ({ deadline: Date.now() + ms });

async function get(client: RouteGuideClient, ms: number): Promise<void> {
  for (const point of [
    { latitude: 409146138, longitude: -746188906 },
    { latitude: 0, longitude: 0 },
  ]) {
    console.log(`Getting feature for point ${show(point)}`);
    console.log(showFeature(await client.getFeature(point, deadline(ms))));
  }
}

async function list(client: RouteGuideClient, ms: number): Promise<void> {
  const rect: Rectangle = {
    lo: { latitude: 400000000, longitude: -750000000 },
    hi: { latitude: 420000000, longitude: -730000000 },
  };
  console.log(`Looking for features within lo:${show(rect.lo)} hi:${show(rect.hi)}`);
  for await (const feature of client.listFeatures(rect, deadline(ms))) console.log(showFeature(feature));
}

/** Sends a random route of 2–101 points, as the canonical client does. */
async function record(client: RouteGuideClient, ms: number): Promise<void> {
  const count = 2 + Math.floor(Math.random() * 100);
  const randomPoint = (): Point => ({
    latitude: (Math.floor(Math.random() * 180) - 90) * 1e7,
    longitude: (Math.floor(Math.random() * 360) - 180) * 1e7,
  });
  console.log(`Traversing ${count} points.`);
  const call = client.recordRoute(deadline(ms));
  for (let i = 0; i < count; i++) await call.send(randomPoint());
  const s = await call.closeAndRecv();
  console.log(
    `Route summary: point_count:${s.point_count} feature_count:${s.feature_count} distance:${s.distance} elapsed_time:${s.elapsed_time}`,
  );
}

/** The canonical six notes; prints every note the server sends back. */
async function chat(client: RouteGuideClient, ms: number): Promise<void> {
  const notes: RouteNote[] = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth'].map((word, i) => ({
    location: { latitude: 0, longitude: (i % 3) + 1 },
    message: `${word} message`,
  }));
  const call = client.routeChat(deadline(ms));
  const received = (async () => {
    for await (const note of call) console.log(`Got message ${note.message} at point${show(note.location)}`);
  })();
  for (const note of notes) await call.send(note);
  call.closeSend();
  await received;
}

const STEPS: Record<string, { steps: Step[]; summary: string }> = {
  get: { steps: [get], summary: 'GetFeature twice: a named feature and an empty point (unary).' },
  list: { steps: [list], summary: 'ListFeatures over the whole map (server-streaming).' },
  record: { steps: [record], summary: 'RecordRoute with a random route of 2 to 101 points (client-streaming).' },
  chat: { steps: [chat], summary: 'RouteChat with the six canonical notes (bidirectional streaming).' },
  demo: { steps: [get, list, record, chat], summary: 'All four RPCs in the canonical order.' },
};

const CLIENT_OPTIONS = {
  addr: { type: 'string', arg: 'HOST:PORT', help: 'server address (default 127.0.0.1:50051)' },
  deadline: { type: 'string', arg: 'DURATION', help: 'deadline of each call (default 10s)' },
  tls: { type: 'boolean', help: 'connect with TLS (ALPN h2), trusting the system CAs unless --ca' },
  ca: { type: 'string', arg: 'FILE', help: 'CA certificate to trust (PEM); implies --tls' },
  'server-name': { type: 'string', arg: 'NAME', help: 'name checked against the server certificate; implies --tls' },
} as const;

/** One command per walk-through step: get, list, record, chat, and demo for all of them. */
export const clientCommands: Command[] = Object.entries(STEPS).map(([name, { steps, summary }]) =>
  defineCommand({
    name,
    usage: `routeguide ${name} [--addr 127.0.0.1:50051] [--deadline 10s] [--tls [--ca FILE] [--server-name NAME]]`,
    summary,
    options: CLIENT_OPTIONS,
    async run(flags) {
      const ms = durationValue('deadline', flags.deadline ?? '10s');
      // --ca and --server-name imply --tls.
      const tls: ChannelOptions['tls'] =
        flags.tls || flags.ca !== undefined || flags['server-name'] !== undefined
          ? { ca: flags.ca === undefined ? undefined : readFileSync(flags.ca), serverName: flags['server-name'] }
          : undefined;
      // The client is loaded once the command line is known to be good (cli.ts).
      const [{ Channel }, { routeGuideClient }] = await Promise.all([
        import('../client/channel.js'),
        import('../services/routeguide/client.js'),
      ]);
      const channel = new Channel(flags.addr ?? '127.0.0.1:50051', { tls });
      try {
        for (const step of steps) await step(routeGuideClient(channel), ms);
      } finally {
        channel.close();
      }
    },
  }),
);
