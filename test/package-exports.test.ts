// The package as a user installs it: built into a directory of its own, imported by name from a
// separate project — `routeguide-h2`, `/server`, `/client`, `/services` — at run time and by the
// type checker. The types show handlers and callers only what they should touch; build paths and
// the call engines are not reachable.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// Under the repository's node_modules, so that protobufjs and @types/node resolve as in an install.
const CACHE = join(ROOT, 'node_modules', '.cache');
mkdirSync(CACHE, { recursive: true });
const PACKAGE = mkdtempSync(join(CACHE, 'package-'));
const CONSUMER = mkdtempSync(join(CACHE, 'consumer-'));
t.teardown(() => {
  rmSync(PACKAGE, { recursive: true, force: true });
  rmSync(CONSUMER, { recursive: true, force: true });
});

t.before(() => {
  const build = spawnSync(
    process.execPath,
    [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(PACKAGE, 'dist')],
    {
      encoding: 'utf8',
      timeout: 180_000,
    },
  );
  if (build.status !== 0) throw new Error(`the build failed: ${build.stdout}${build.stderr}`);
  copyFileSync(join(ROOT, 'package.json'), join(PACKAGE, 'package.json'));
  symlinkSync(join(ROOT, 'proto'), join(PACKAGE, 'proto'));
  symlinkSync(join(ROOT, 'data'), join(PACKAGE, 'data'));
  mkdirSync(join(CONSUMER, 'node_modules'));
  symlinkSync(PACKAGE, join(CONSUMER, 'node_modules', 'routeguide-h2'));
  writeFileSync(join(CONSUMER, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
});

function node(source: string) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', source], {
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

// Every `@ts-expect-error` line must be an error, or the type check fails: the plumbing of the
// call engines (reader owner, call list links, the stream's listeners) is not on the public types.
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
      // @ts-expect-error: reader owner plumbing
      call.parse(Buffer.alloc(0), false);
      // @ts-expect-error: reader owner plumbing
      call.readFailed(new GrpcError(13, 'x'));
      // @ts-expect-error: reader owner plumbing
      call.received({ message: '' });
      // @ts-expect-error: call list links
      void call.listPrev;
      // @ts-expect-error: call list links
      void call.listNext;
      // @ts-expect-error: dispatch plumbing
      call.start();
      // @ts-expect-error: dispatch plumbing
      call.sendLast({ message: '' });
      // @ts-expect-error: stream listeners
      call.onStreamClose();
      // @ts-expect-error: stream listeners
      call.onWantTrailers();
      // @ts-expect-error: the HTTP/2 connection
      void call.session;
    },
  };
}

export async function chat(channel: Channel): Promise<CallStatus> {
  const call: BidiStreamCall<RouteNote, RouteNote> = routeGuideClient(channel).routeChat();
  await call.send({ message: 'hi' });
  call.closeSend();
  for await (const note of call) void note.message;
  void call.duplex();
  // @ts-expect-error: reader owner plumbing
  call.parse(Buffer.alloc(0), false);
  // @ts-expect-error: reader owner plumbing
  call.readFailed(new GrpcError(13, 'x'));
  return call.status;
}

export const server = new Server();
`;

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
      },
      files: ['consumer.ts'],
    }),
  );
  const check = spawnSync(process.execPath, [TSC, '-p', CONSUMER], { encoding: 'utf8', timeout: 120_000 });
  t.equal(check.status, 0, 'tsc accepts the consumer (every @ts-expect-error is an error)', {
    output: check.stdout + check.stderr,
  });
});
