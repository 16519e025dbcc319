// The package as a user installs it: built into a directory of its own (helpers/cli-build.ts),
// imported by name from a separate project — `routeguide-h2`, `/server`, `/client`, `/services` — at run time and by the
// type checker. The types show handlers and callers only what they should touch; build paths and
// the call engines are not reachable, and nothing of the engines is declared or reachable on the
// objects handed to handlers and callers.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { CACHE } from '../helpers/build-once.js';
import { builtPackage } from '../helpers/cli-build.js';
import { untracked } from '../helpers/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
t.setTimeout(240_000); // the first build of the package takes a while on a busy machine
const PACKAGE = builtPackage();
// Under the repository's node_modules, so that protobufjs and @types/node resolve as in an install.
const CONSUMER = mkdtempSync(join(CACHE, 'consumer-'));
t.teardown(() => rmSync(CONSUMER, { recursive: true, force: true }));
mkdirSync(join(CONSUMER, 'node_modules'));
symlinkSync(PACKAGE, join(CONSUMER, 'node_modules', 'routeguide-h2'));
writeFileSync(join(CONSUMER, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));

function node(source: string) {
  return spawnSync(...untracked(process.execPath, ['--input-type=module', '-e', source]), {
    cwd: CONSUMER,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}

t.test('each entry point imports by name and works: a server and a client made from them talk', async (t) => {
  const run = node(`
    import * as root from 'routeguide-h2';
    import { Server, GrpcError, Status } from 'routeguide-h2/server';
    import { Channel, createClient } from 'routeguide-h2/client';
    import { FeatureDb, routeGuideDefinition, routeGuideHandlers, routeGuideClient, addHealth, addReflection } from 'routeguide-h2/services';
    const server = new Server();
    server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
    addReflection(server);
    addHealth(server);
    const { port } = await server.listen(0);
    const channel = new Channel('127.0.0.1:' + port);
    const client = routeGuideClient(channel);
    const feature = await client.getFeature({ latitude: 409146138, longitude: -746188906 });
    const generic = createClient(routeGuideDefinition(), channel);
    const unknown = await generic.getFeature({ latitude: 1, longitude: 2 }).then((f) => f.name);
    channel.close();
    await server.close();
    console.log(JSON.stringify({
      root: Object.keys(root).sort(),
      same: root.Server === Server && root.GrpcError === GrpcError && root.Channel === Channel,
      status: Status.NOT_FOUND,
      feature: feature.name,
      unknown,
    }));
  `);
  t.equal(run.status, 0, 'the program ran', { stderr: run.stderr });
  const out = JSON.parse(run.stdout) as Record<string, unknown>;
  t.same(out.root, [
    'Channel',
    'GrpcError',
    'Metadata',
    'Server',
    'Status',
    'createClient',
    'loadProtoFiles',
    'serviceDefinition',
    'statusName',
  ]);
  t.equal(out.same, true, 'the root entry re-exports the same classes');
  t.equal(out.status, 5);
  t.equal(out.feature, 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
  t.equal(out.unknown, '');
});

t.test('build paths and the call engines are not importable', async (t) => {
  for (const path of ['routeguide-h2/dist/src/server/server.js', 'routeguide-h2/dist/src/server/call-engine.js']) {
    const run = node(`import('${path}').then(() => console.log('imported'), (e) => console.log(e.code));`);
    t.equal(run.stdout.trim(), 'ERR_PACKAGE_PATH_NOT_EXPORTED', path);
  }
});

// Every `@ts-expect-error` line must be an error, or the type check fails.
const CONSUMER_TS = `
import { Server, type ServerCall, type ServiceHandlers } from 'routeguide-h2/server';
import { Channel, type BidiStreamCall, type CallStatus } from 'routeguide-h2/client';
import { routeGuideClient, type RouteNote } from 'routeguide-h2/services';
import { GrpcError, Metadata } from 'routeguide-h2';
// @ts-expect-error: the engine is not exported
import { ServerCallEngine } from 'routeguide-h2/server';
// @ts-expect-error: nor is the client's
import { ClientCallEngine } from 'routeguide-h2/client';

export function handlers(): ServiceHandlers {
  return {
    async routeChat(call: ServerCall<RouteNote, RouteNote>): Promise<void> {
      const deadline: number | undefined = call.deadline;
      const md: Metadata = call.metadata;
      call.responseHeaders.set('x-a', 'b');
      call.trailers.set('x-b', 'c');
      const flags: boolean[] = [call.ended, call.cancelled, call.requestCompressed, call.signal.aborted];
      void [deadline, md, flags, call.peer, call.method.path, call.duplex()];
      for await (const note of call) await call.send(note, { compress: false });
      // @ts-expect-error: no engine behind the call
      void call.engine;
      if (call.cancelled) call.end(new GrpcError(1, 'x'));
    },
  };
}

export async function chat(channel: Channel): Promise<CallStatus> {
  const call: BidiStreamCall<RouteNote, RouteNote> = routeGuideClient(channel).routeChat();
  await call.send({ message: 'hi' });
  call.closeSend();
  for await (const note of call) void note.message;
  void call.duplex();
  return call.status;
}

export const server = new Server();
`;

/** Names of the call engines' plumbing: none may be declared by a .d.ts of the server or the client. */
const PLUMBING = [
  'start',
  'sendLast',
  'sendOnly',
  'flush',
  'parse',
  'readFailed',
  'received',
  'onBroken',
  'session',
  'listPrev',
  'listNext',
  'onStreamClose',
  'onWantTrailers',
  'engine',
  'reader',
  'writer',
  'stream',
];

t.test('the .d.ts files of the server and the client declare none of the plumbing', async (t) => {
  for (const dir of ['server', 'client']) {
    const base = join(PACKAGE, 'dist', 'src', dir);
    for (const file of readdirSync(base).filter((f) => f.endsWith('.d.ts'))) {
      const text = readFileSync(join(base, file), 'utf8');
      const declared = PLUMBING.filter((name) =>
        new RegExp(`^\\s*(?:private |readonly |static |get )*${name}\\??[(:;<]`, 'm').test(text),
      );
      t.same(declared, [], `dist/src/${dir}/${file}`);
    }
  }
});

t.test('at run time a handler’s call holds only what a handler may use', async (t) => {
  const run = node(`
    import { Server } from 'routeguide-h2/server';
    import { Channel } from 'routeguide-h2/client';
    import { FeatureDb, routeGuideDefinition, routeGuideHandlers, routeGuideClient } from 'routeguide-h2/services';
    let seen;
    const handlers = routeGuideHandlers(FeatureDb.load());
    const server = new Server();
    server.addService(routeGuideDefinition(), {
      ...handlers,
      getFeature(point, call) {
        const names = new Set();
        for (let o = call; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
          for (const key of Reflect.ownKeys(o)) names.add(String(key));
        }
        seen = {
          names: [...names].sort(),
          reachable: ${JSON.stringify(PLUMBING)}.filter((name) => name in call),
        };
        return handlers.getFeature(point, call);
      },
    });
    const { port } = await server.listen(0);
    const channel = new Channel('127.0.0.1:' + port);
    await routeGuideClient(channel).getFeature({ latitude: 1, longitude: 2 });
    channel.close();
    await server.close();
    console.log(JSON.stringify(seen));
  `);
  t.equal(run.status, 0, 'the program ran', { stderr: run.stderr });
  const seen = JSON.parse(run.stdout) as { names: string[]; reachable: string[] };
  t.same(seen.reachable, [], 'no plumbing is reachable on the call');
  t.same(seen.names, [
    'Symbol(Symbol.asyncIterator)',
    'cancelled',
    'compressResponses',
    'constructor',
    'deadline',
    'duplex',
    'end',
    'ended',
    'metadata',
    'method',
    'peer',
    'requestCompressed',
    'responseHeaders',
    'send',
    'sendHeaders',
    'signal',
    'trailers',
  ]);
});

t.test('the types: entry points resolve, handlers and callers see no plumbing', async (t) => {
  writeFileSync(join(CONSUMER, 'consumer.ts'), CONSUMER_TS);
  writeFileSync(
    join(CONSUMER, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
        // The consumer's code is checked against the package's declarations; the declarations
        // themselves (and @types/node's) were checked when tsc built them.
        skipLibCheck: true,
      },
      files: ['consumer.ts'],
    }),
  );
  const check = spawnSync(...untracked(process.execPath, [TSC, '-p', CONSUMER]), {
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(check.status, 0, 'tsc accepts the consumer (every @ts-expect-error is an error)', {
    output: check.stdout + check.stderr,
  });
});
