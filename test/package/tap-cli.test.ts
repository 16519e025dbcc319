// `routeguide tap` as a user runs it: the built package (helpers/cli-build.ts), spawned as a child
// process — its options, NDJSON and text on stdout, what it says on stderr, and a reader that does not keep up: output dropped and counted, while
// the relay goes on at its own pace.

import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { Server } from '../../src/server/server.js';
import { addReflection } from '../../src/services/reflection/index.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { testServiceDefinition, testServiceHandlers } from '../../src/services/testing/index.js';
import type { TapEvent } from '../../src/wire/events.js';
import { bulkEcho } from '../helpers/bulk-echo.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { builtCli } from '../helpers/cli-build.js';
import { startTestServer } from '../helpers/test-server.js';
import { finished, untracked, waitFor, type Finished } from '../helpers/processes.js';

t.setTimeout(240_000); // the first build of the package takes a while on a busy machine
const CLI = builtCli();

const tapCommand = (...args: string[]) =>
  finished(spawn(...untracked(process.execPath, [CLI, 'tap', ...args]), { stdio: ['ignore', 'pipe', 'pipe'] }));

/**
 * A connection's close event, in NDJSON or text: it comes after all of the connection's other events
 * (a message waiting for reflection holds back everything after it), so the tap is stopped once it
 * has printed it.
 */
const CLOSED = /"type":"close"|connection closed: \d+ bytes/;

/** Starts the tap in front of `upstream`; resolves once it says where it listens. */
async function startTap(t: Test, upstream: number, ...args: string[]) {
  const child = spawn(
    ...untracked(process.execPath, [CLI, 'tap', '--listen', '0', '--upstream', `127.0.0.1:${upstream}`, ...args]),
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      const m = /tap listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`tap exited ${code}: ${stderr}`)));
  });
  // stdout is read from the first call of `stdout()` or `stop()` on: until then it is a pipe that
  // nobody reads (as a reader that does not keep up).
  let stdout: string | undefined;
  const output = (): string => {
    if (stdout === undefined) {
      stdout = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    }
    return stdout;
  };
  /** SIGINT, then everything it wrote. */
  const stop = async (): Promise<Pick<Finished, 'code' | 'stdout' | 'stderr'>> => {
    output();
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    child.kill('SIGINT');
    const code = await closed;
    return { code, stdout: output(), stderr };
  };
  return { port, child, stop, stdout: output };
}

t.test('--help, and mistakes on the command line: one line and the usage, exit 2', async (t) => {
  const help = await tapCommand('--help');
  t.equal(help.code, 0);
  t.match(help.stdout, /usage: routeguide tap --listen \[HOST:\]PORT --upstream HOST:PORT/);
  t.match(help.stdout, /--proto FILE… +decode messages with these \.proto files/);
  const mistakes: [string[], RegExp][] = [
    [[], /--listen is required/],
    [['--listen', '0'], /--upstream is required/],
    [['--listen', 'here', '--upstream', '127.0.0.1:1'], /--listen must be \[HOST:\]PORT, got "here"/],
    [['--listen', '0', '--upstream', '1234'], /--upstream must be HOST:PORT, got "1234"/],
    [['--listen', '0', '--upstream', 'h:70000'], /--upstream must be a port number/],
    [['--listen', '0', '--upstream', 'h:1', '--color', 'sometimes'], /--color must be auto, always or never/],
    [['--listen', '0', '--upstream', 'h:1', '--max-body', 'lots'], /--max-body must be a number of bytes/],
    [['--listen', '0', '--upstream', 'h:1', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
    [['--listen', '0', '--upstream', 'h:1', '--ca', 'ca.pem'], /--ca and --server-name go with --upstream-tls/],
    [['--listen', '0', '--upstream', 'h:1', '--proto', '/nonexistent.proto'], /--proto: .*nonexistent\.proto/],
    [['--listen', '0', '--upstream', 'h:1', '--bogus'], /unknown option --bogus/],
    [['--listen', '0', '--upstream', 'h:1', '--proto'], /--proto needs a value/],
  ];
  // Side by side: each is a process of its own that exits at once.
  const runs = await Promise.all(mistakes.map(([args]) => tapCommand(...args)));
  for (const [i, [args, message]] of mistakes.entries()) {
    const run = runs[i];
    t.equal(run.code, 2, `${args.join(' ') || '(nothing)'}: exit 2`);
    t.match(run.stderr, message);
    t.match(run.stderr, /usage: routeguide tap/);
  }
});

t.test('--json: NDJSON on stdout, one event per line, the canonical RouteChat decoded by name', async (t) => {
  const server = await startTestServer();
  addReflection(server.server);
  t.teardown(server.close);
  const tap = await startTap(t, server.port, '--json');
  const channel = new Channel(`127.0.0.1:${tap.port}`);
  const chat = routeGuideClient(channel).routeChat();
  const notes: [string, number][] = [
    ['First message', 1],
    ['Second message', 2],
    ['Third message', 3],
    ['Fourth message', 1],
    ['Fifth message', 2],
    ['Sixth message', 3],
  ];
  for (const [message, longitude] of notes) await chat.send({ location: { latitude: 0, longitude }, message });
  chat.closeSend();
  const replies: string[] = [];
  for await (const n of chat) replies.push(`Got message ${n.message} at point(0, ${n.location?.longitude})`);
  channel.close();
  t.same(replies, CANONICAL_CHAT_LINES);
  // The connection's close event comes after all of its others (messages wait for reflection).
  await waitFor('the close event', () => CLOSED.test(tap.stdout()));
  const run = await tap.stop();
  t.equal(run.code, 0);
  const events = run.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TapEvent);
  t.ok(events.length > 20, `${events.length} events, every line JSON`);
  const messages = events.filter((e) => e.kind === 'message');
  const undecoded = messages.filter((m) => m.schema !== 'reflection');
  t.same(undecoded, [], 'every message decoded by reflection', { stderr: run.stderr });
  t.same(
    messages.map((m) => [m.dir, m.messageType, (m.message as { message?: string } | undefined)?.message]),
    [
      ...notes.map(([n]) => ['c2s', 'routeguide.RouteNote', n]),
      ...CANONICAL_CHAT_LINES.map((l) => ['s2c', 'routeguide.RouteNote', /^Got message (.*) at point/.exec(l)![1]]),
    ],
  );
  t.match(
    events.find((e) => e.kind === 'call'),
    { method: '/routeguide.RouteGuide/RouteChat', status: 0, messages: { c2s: 6, s2c: 9 } },
  );
  t.match(
    run.stderr,
    /SIGINT: tap stopped: 1 connection, \d+ events \(15 messages, 1 call, 0 warnings, 0 errors\), 0 not shown\n/,
  );
  t.same(
    events.filter((e) => 'raw' in e),
    [],
    'no bytes without --hex',
  );
});

t.test('--hex: each frame\'s bytes below it in the text, and "raw" on each frame and message in NDJSON', async (t) => {
  const server = await startTestServer();
  addReflection(server.server);
  t.teardown(server.close);
  const getFeature = async (...args: string[]) => {
    const tap = await startTap(t, server.port, '--hex', ...args);
    const channel = new Channel(`127.0.0.1:${tap.port}`);
    await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
    channel.close();
    await waitFor('the close event', () => CLOSED.test(tap.stdout()));
    return tap.stop();
  };
  const text = await getFeature('--color', 'never');
  t.equal(text.code, 0);
  // The request's DATA frame: its header, the prefix, the Point's two fields (by name: reflection).
  t.match(
    text.stdout,
    new RegExp(
      [
        'C→S DATA \\[END_STREAM\\] 22 bytes',
        ' {22}bytes 0–21: message 1, whole: 5-byte prefix and body',
        ' {22}↳ half-close: END_STREAM with the last request bytes',
        ' {22}0000 {27}frame header \\(RFC 9113 §4\\.1\\)',
        ' {22}0000  00 00 16 {17}  Length 22',
        ' {22}0003  00 {23}  Type 0x0 DATA',
        ' {22}0004  01 {23}  Flags 0x01: END_STREAM',
        ' {22}0005  00 00 00 01 {14}  Stream Identifier 1',
        ' {22}0009 {27}Data',
        ' {22}0009 {27}  message 1 \\(whole\\)',
        ' {22}0009 {27}    prefix \\(PROTOCOL-HTTP2 Length-Prefixed-Message\\)',
        ' {22}0009  00 {23}      Compressed-Flag 0: not compressed',
        ' {22}000a  00 00 00 11 {14}      Message-Length 17',
        ' {22}000e {27}    body: routeguide\\.Point, 17 bytes',
        ' {22}000e {27}      1 latitude: 409146138',
        ' {22}000e  08 {23}        tag 8 = field 1 << 3 \\| wire type 0 \\(VARINT\\)',
        ' {22}000f  9a a6 8c c3 01 {11}        varint 409146138',
        ' {22}0014 {27}      2 longitude: -746188906',
        ' {22}0014  10 {23}        tag 16 = field 2 << 3 \\| wire type 0 \\(VARINT\\)',
        ' {22}0015  96 9f 98 9c fd ff ff ff          varint 18446744072963362710 = int32 -746188906',
        ' {22}001d  ff 01\\n',
      ].join('\\n'),
    ),
  );
  t.match(
    text.stdout,
    /^ {22}0009 {2}83 {27}1\|0000011 indexed field \(RFC 7541 §6\.1\): index 3 in the static table$/m,
  );

  const json = await getFeature('--json');
  const events = json.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as TapEvent);
  const withBytes = events.filter((e) => e.kind === 'frame' || e.kind === 'message');
  t.ok(withBytes.length > 10);
  for (const e of withBytes) {
    if (e.kind !== 'frame' && e.kind !== 'message') continue;
    const size = e.kind === 'frame' ? 9 + e.length : 5 + e.wireBytes;
    t.equal(e.raw?.hex.length, 2 * size, `${e.kind} ${e.dir} ${e.kind === 'frame' ? e.type : e.index}: its bytes`);
  }
  const data = withBytes.find((e) => e.kind === 'frame' && e.type === 'DATA' && e.dir === 'c2s');
  t.match(data, {
    raw: { hex: /^0000160001000000010000000011089aa68cc301/, ranges: [{ what: 'frame header (RFC 9113 §4.1)' }] },
  });
});

t.test('text: one line per event, content indented, colour when asked', async (t) => {
  const server = await startTestServer();
  t.teardown(server.close);
  for (const color of ['never', 'always']) {
    const tap = await startTap(t, server.port, '--color', color, '--no-reflection');
    const channel = new Channel(`127.0.0.1:${tap.port}`);
    await routeGuideClient(channel).getFeature({ latitude: 409146138, longitude: -746188906 });
    channel.close();
    await waitFor('the close event', () => CLOSED.test(tap.stdout()));
    const run = await tap.stop();
    const plain = run.stdout.replace(/\x1b\[\d+m/g, ''); // eslint-disable-line no-control-regex
    t.equal(run.stdout !== plain, color === 'always', `--color ${color}`);
    t.match(plain, /^ +[\d.]+ ms {2}#1 {2}s1 {4}C→S HEADERS \[END_HEADERS\] \d+ bytes$/m);
    t.match(plain, /^ {22}:path: \/routeguide\.RouteGuide\/GetFeature +literal/m);
    t.match(plain, /S→C message 1 message without schema/);
    t.match(plain, /^ {22}↳ no schema: no --proto files, and --no-reflection$/m);
    t.match(plain, /CALL \/routeguide\.RouteGuide\/GetFeature → OK \(0\)/);
  }
});

t.test('a reader that does not keep up: output dropped and counted, the relay not held back', async (t) => {
  const server = new Server({ onHandlerError: () => {} });
  server.addService(testServiceDefinition(), testServiceHandlers());
  addReflection(server);
  const { port } = await server.listen(0, '127.0.0.1');
  t.teardown(() => server.close(0));
  // stdout is a pipe nobody reads until the call is over: 64 KiB in the pipe, then the writer blocks.
  const tap = await startTap(t, port, '--json', '--max-body', '0');
  const channel = new Channel(`127.0.0.1:${tap.port}`);
  t.teardown(() => channel.close());
  const N = 150;
  const SIZE = 64 * 1024;
  const received = await bulkEcho(channel, N, SIZE);
  t.equal(received, N * SIZE, 'the call went through in full while nobody read the output');
  const run = await tap.stop();
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  const dropped = lines
    .map((l) => JSON.parse(l) as { kind: string; count?: number })
    .filter((e) => e.kind === 'dropped');
  t.ok(dropped.length >= 1, 'a "dropped" line says so in the output');
  const total = dropped.reduce((n, e) => n + (e.count ?? 0), 0);
  t.ok(total > 0, `${total} events dropped`);
  t.match(run.stderr, new RegExp(`, ${total} not shown \\(the output could not keep up\\)`), 'and stderr counts them');
});
