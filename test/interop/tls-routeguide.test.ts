// TLS with ALPN h2: a self-signed certificate made by openssl at test time, used by @grpc/grpc-js,
// by our client, by the grpc-go route_guide example client and by the CLI; clients that do not
// negotiate h2 are refused clearly.

import { spawn } from 'node:child_process';
import tls from 'node:tls';
import t from 'tap';
import { runCommandLine } from '../../src/cli/command.js';
import { clientCommands } from '../../src/cli/route-client.js';
import { Channel } from '../../src/client/channel.js';
import { Status } from '../../src/protocol/status.js';
import { Server } from '../../src/server/server.js';
import {
  FeatureDb,
  routeGuideClient,
  routeGuideDefinition,
  routeGuideHandlers,
} from '../../src/services/routeguide/index.js';
import { builtCli } from '../helpers/cli-build.js';
import { goRouteGuideBinaries, runGoClient } from '../helpers/go.js';
import { grpc, routeGuidePackage, unary } from '../helpers/grpc-js.js';
import { makeCertificate } from '../helpers/tls-cert.js';
import { untracked } from '../helpers/processes.js';

t.setTimeout(180_000);

const { certFile, keyFile, cert, key } = makeCertificate('localhost', ['IP:127.0.0.1']);

const server = new Server({ tls: { cert, key }, onHandlerError: () => {} });
server.addService(routeGuideDefinition(), routeGuideHandlers(FeatureDb.load()));
const { port } = await server.listen(0, '127.0.0.1');
t.teardown(() => server.close(0));

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const BERKSHIRE_NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';

t.test('grpc-js with credentials.createSsl(ca) and a target name override', async (t) => {
  const pkg = routeGuidePackage();
  const client = new pkg.RouteGuide(`127.0.0.1:${port}`, grpc.credentials.createSsl(cert), {
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });
  t.teardown(() => client.close());
  const feature: any = await unary(client, 'GetFeature', BERKSHIRE);
  t.equal(feature.name, BERKSHIRE_NAME);
});

t.test('our client: tls {ca, serverName}; wrong trust and plain h2c fail UNAVAILABLE', async (t) => {
  const channel = new Channel(`127.0.0.1:${port}`, { tls: { ca: cert, serverName: 'localhost' } });
  t.teardown(() => channel.close());
  const guide = routeGuideClient(channel);
  t.equal((await guide.getFeature(BERKSHIRE)).name, BERKSHIRE_NAME);
  const chat = guide.routeChat();
  await chat.send({ location: { latitude: 3, longitude: 3 }, message: 'over tls' });
  chat.closeSend();
  const notes: string[] = [];
  for await (const n of chat) notes.push(n.message);
  t.same(notes, ['over tls']);

  const untrusted = new Channel(`127.0.0.1:${port}`, { tls: { serverName: 'localhost' } }); // system CAs only
  t.teardown(() => untrusted.close());
  await t.rejects(routeGuideClient(untrusted).getFeature(BERKSHIRE), {
    code: Status.UNAVAILABLE,
    message: /certificate/i,
  });

  const plain = new Channel(`127.0.0.1:${port}`);
  t.teardown(() => plain.close());
  await t.rejects(routeGuideClient(plain).getFeature(BERKSHIRE, { timeoutMs: 5000 }), { code: Status.UNAVAILABLE });
});

/** Connects with raw TLS and the given ALPN list, sends an HTTP/1.1 request, returns what came back. */
function http1Over(alpn: string[] | undefined): Promise<{ data: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost', ALPNProtocols: alpn });
    let data = '';
    let error: string | undefined;
    socket.on('secureConnect', () => socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n'));
    socket.on('data', (d) => (data += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ data, error }));
  });
}

t.test('HTTP/1.1 is refused clearly', async (t) => {
  const withoutAlpn = await http1Over(undefined);
  t.match(withoutAlpn.data, /^HTTP\/1\.1 505 HTTP Version Not Supported\r\n/);
  t.match(withoutAlpn.data, /HTTP\/2 only \(TLS ALPN "h2"\)/);
  const http11Only = await http1Over(['http/1.1']);
  t.equal(http11Only.data, '');
  t.equal(http11Only.error, 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
});

const bins = goRouteGuideBinaries();
t.test(
  'grpc-go route_guide client: -tls -ca_file -server_host_override',
  { skip: 'skip' in bins ? bins.skip : false },
  async (t) => {
    if ('skip' in bins) return;
    const run = await runGoClient(
      bins.client,
      ['-tls', '-ca_file', certFile, '-server_host_override', 'localhost', '-server_addr', `127.0.0.1:${port}`],
      30_000,
    );
    t.equal(run.code, 0, 'the Go client exits 0', { output: run.stderr.slice(-2000) });
    t.match(run.stderr, BERKSHIRE_NAME);
    t.match(run.stderr, /Route summary:/);
    t.match(run.stderr, /Got message Sixth message/);
  },
);

t.test('CLI: serve --tls-cert/--tls-key, and get --tls --ca --server-name', async (t) => {
  const child = spawn(
    ...untracked(process.execPath, [builtCli(), 'serve', '--port', '0', '--tls-cert', certFile, '--tls-key', keyFile]),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => {
    child.kill('SIGKILL');
  });
  const listening = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+) \(TLS\)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const printed: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => printed.push(args.join(' '));
  try {
    await runCommandLine(
      clientCommands.find((c) => c.name === 'get')!,
      ['--addr', listening, '--tls', '--ca', certFile, '--server-name', 'localhost'],
    );
  } finally {
    console.log = log;
  }
  t.match(printed.join('\n'), BERKSHIRE_NAME);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'SIGTERM shuts the server down cleanly');
});
