// A call that is over, its connection closed, before the first lookup of its schema answers — as
// when grpcurl makes one call through `routeguide tap` and hangs up. Its messages wait for the answer
// and are decoded by it, the connection's close event last (ordered-events.ts); when the tap stops
// first, they go out without a schema rather than not at all.

import t from 'tap';
import { Channel } from '../../src/client/channel.js';
import { routeGuideClient, routeGuideDefinition } from '../../src/services/routeguide/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import type { SchemaLookup } from '../../src/wire/protobuf/schemas.js';
import { startTap } from '../../src/wire/tap.js';
import { sleep, waitFor } from '../helpers/processes.js';
import { startTestServer } from '../helpers/test-server.js';

const root = routeGuideDefinition().service.root;
const GET_FEATURE = {
  requestType: root.lookupType('routeguide.Point'),
  responseType: root.lookupType('routeguide.Feature'),
  source: 'reflection',
} as const;

const summary = (events: TapEvent[]) =>
  events.map((e) =>
    e.kind === 'frame' ? `${e.dir} ${e.type}` : e.kind === 'connection' ? `connection ${e.type}` : e.kind,
  );

t.test('closed before the lookup answered: the answer decodes the messages, the close comes last', async (t) => {
  const server = await startTestServer();
  t.teardown(server.close);
  let answer: (lookup: SchemaLookup) => void = () => {};
  const lookedUp = new Promise<SchemaLookup>((r) => (answer = r));
  const events: TapEvent[] = [];
  const tap = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: server.port },
    schemas: { lookup: () => lookedUp },
    emit: (e) => events.push(e),
  });
  t.teardown(() => tap.close());

  const channel = new Channel(`127.0.0.1:${tap.address.port}`);
  const feature = await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
  t.match(feature.name, /^Berkshire Valley/, 'the call is done');
  channel.close();
  await sleep(300); // the tap has seen the connection close by now
  t.notOk(
    events.some((e) => e.kind === 'message' || (e.kind === 'connection' && e.type === 'close')),
    'its messages and the close wait for the lookup',
    { events: summary(events) },
  );

  answer(GET_FEATURE);
  await waitFor('the close event', () => events.some((e) => e.kind === 'connection' && e.type === 'close'));
  const messages = events.filter((e) => e.kind === 'message');
  t.match(
    messages,
    [
      { dir: 'c2s', schema: 'reflection', messageType: 'routeguide.Point', message: { latitude: 409146138 } },
      { dir: 's2c', schema: 'reflection', messageType: 'routeguide.Feature', message: { name: /^Berkshire/ } },
    ],
    'both messages decoded by the late answer',
  );
  t.match(events.at(-1), { kind: 'connection', type: 'close' }, 'the close last');
  t.match(
    events.find((e) => e.kind === 'call'),
    { status: 0, messages: { c2s: 1, s2c: 1 } },
  );
});

t.test('the tap stops while a closed connection still waits: its events go out without a schema', async (t) => {
  const server = await startTestServer();
  t.teardown(server.close);
  const events: TapEvent[] = [];
  const tap = await startTap({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: { host: '127.0.0.1', port: server.port },
    schemas: { lookup: () => new Promise<SchemaLookup>(() => {}) }, // never answers
    emit: (e) => events.push(e),
  });
  const channel = new Channel(`127.0.0.1:${tap.address.port}`);
  await routeGuideClient(channel).getFeature({ latitude: 1, longitude: 2 });
  channel.close();
  await sleep(300);
  t.notOk(
    events.some((e) => e.kind === 'message'),
    'waiting',
  );
  await tap.close();
  t.match(
    events.filter((e) => e.kind === 'message'),
    [
      { dir: 'c2s', schema: 'none', note: /the schema lookup had not answered yet/ },
      { dir: 's2c', schema: 'none' },
    ],
    'out as their wire format once the tap stops',
  );
  t.match(events.at(-1), { kind: 'connection', type: 'close' }, 'the close last');
});
