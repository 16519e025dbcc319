// `routeguide get|list|record|chat|demo [--addr 127.0.0.1:50051] [--deadline 10s] [--tls [--ca FILE] [--server-name NAME]]`
// The canonical RouteGuide client walk-through (grpc-go examples/route_guide/client), on our client.

import { readFileSync } from 'node:fs';
import { Channel, type ChannelOptions } from '../client/channel.js';
import { routeGuideClient, type RouteGuideClient } from '../services/routeguide/client.js';
import type { Feature, Point, Rectangle, RouteNote } from '../services/routeguide/types.js';
import { durationFlag, stringFlag, UsageError, type ParsedArgs } from './args.js';

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

const STEPS: Record<string, Step[]> = {
  get: [get],
  list: [list],
  record: [record],
  chat: [chat],
  demo: [get, list, record, chat],
};

export const CLIENT_COMMANDS = Object.keys(STEPS);

export async function runClientCommand(command: string, args: ParsedArgs): Promise<void> {
  const channel = new Channel(stringFlag(args, 'addr', '127.0.0.1:50051'), { tls: tlsFlags(args) });
  const ms = durationFlag(args, 'deadline', 10_000);
  try {
    for (const step of STEPS[command]) await step(routeGuideClient(channel), ms);
  } finally {
    channel.close();
  }
}

/** `--tls [--ca FILE] [--server-name NAME]`: TLS with ALPN h2; `--ca`/`--server-name` imply `--tls`. */
function tlsFlags(args: ParsedArgs): ChannelOptions['tls'] {
  const ca = stringFlag(args, 'ca');
  const serverName = stringFlag(args, 'server-name');
  if (!args.flags.has('tls') && ca === undefined && serverName === undefined) return undefined;
  if (args.flags.get('tls') !== undefined && args.flags.get('tls') !== true)
    throw new UsageError('--tls takes no value');
  return { ca: ca === undefined ? undefined : readFileSync(ca), serverName };
}
