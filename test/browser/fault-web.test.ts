// The web view's fault panel, as a person uses it: the built CLI's `routeguide tap --web` in front
// of our server, the page in Debian's chromium, our client's calls through the tap. A fault chosen
// for the next call lands on that call only; "reset the selected call's stream" ends a RouteChat in
// flight; "PING now" is answered and timed; "GOAWAY now" sends the next call to a new connection;
// each shows in the diagram as the tap's own. Then the panel's HTTP side: what it refuses (another
// site's request, a body that is not JSON, a bad SPEC, a connection not open), and a tap without
// faults, whose panel says how to turn them on.

import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { GrpcError } from '../../src/protocol/grpc-error.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import { chromiumSkipReason, launchChromium } from '../helpers/chromium.js';
import { builtCli } from '../helpers/cli-build.js';
import { start, untracked, waitForOutput } from '../helpers/processes.js';
import { startTestServer } from '../helpers/test-server.js';

const CLI = builtCli();
const skip = chromiumSkipReason() ?? false; // throws under CI=true when chromium is missing
const POINT = { latitude: 409146138, longitude: -746188906 };

const server = await startTestServer();
t.teardown(server.close);

/** `routeguide tap … --web 0` with `extra` flags; resolves once it has printed both addresses. */
async function startTapWeb(t: Test, extra: string[]): Promise<{ port: number; url: string }> {
  const tap = start(
    ...untracked(process.execPath, [
      CLI,
      'tap',
      '--listen',
      '0',
      '--upstream',
      `127.0.0.1:${server.port}`,
      '--web',
      '0',
      ...extra,
    ]),
  );
  t.teardown(() => tap.stop('SIGINT'));
  const [, port] = await waitForOutput(tap, /tap listening on 127\.0\.0\.1:(\d+)/, 15_000);
  const [, url] = await waitForOutput(tap, /tap web view on (http:\/\/127\.0\.0\.1:\d+\/)/, 15_000);
  return { port: Number(port), url };
}

const post = (url: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }).then(
    async (res) => ({ status: res.status, body: (await res.json()) as { error?: string; added?: string[] } }),
  );

t.test('the fault panel in chromium: the next call, a stream reset, a PING, a GOAWAY', { skip }, async (t) => {
  const tap = await startTapWeb(t, ['--fault-headers', '--fault-seed', '7']);
  const channel = new Channel(`127.0.0.1:${tap.port}`);
  t.teardown(() => channel.close());
  const client = routeGuideClient(channel);
  t.ok((await client.getFeature(POINT)).name, 'a call before any fault');

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(tap.url);
  await page.locator('#fault-panel summary').click();
  await page.locator('#fault-state', { hasText: '--fault-seed 7' }).waitFor({ timeout: 10_000 });
  const result = page.locator('#fault-result');

  // For the next call: that call gets it, the one after does not.
  await page.locator('#fault-spec').fill('abort:status=UNAVAILABLE,message=from%20the%20panel');
  await page.locator('button[value="next"]').click();
  await page.locator('#fault-result', { hasText: 'added' }).waitFor();
  t.match(
    await result.textContent(),
    'added: web view: abort:status=UNAVAILABLE,message=from%20the%20panel (next call)',
  );
  // The list follows from the panel's next GET /faults, after the result line.
  await page.locator('#fault-list li', { hasText: 'web view: abort:status=UNAVAILABLE' }).waitFor();
  t.match(await page.locator('#fault-list').textContent(), 'web view: abort:status=UNAVAILABLE');
  const failed = await client.getFeature(POINT).catch((error: unknown) => error);
  t.ok(failed instanceof GrpcError, 'the next call fails');
  t.match(failed, { codeName: 'UNAVAILABLE', details: 'from the panel' }, 'with the status the panel chose');
  t.ok((await client.getFeature(POINT)).name, 'the call after it succeeds');

  // A bad SPEC is refused with its bad part, and nothing is added.
  await page.locator('#fault-spec').fill('abort:status=LATER');
  await page.locator('button[value="always"]').click();
  await page.locator('#fault-result[data-ok="false"]').waitFor();
  t.match(await result.textContent(), /status: a gRPC status .* got "LATER"/);

  // Reset the selected call's stream: a RouteChat in flight, its row selected in the diagram.
  const chat = client.routeChat({ deadline: Date.now() + 20_000 });
  const replies = (async () => {
    for await (const note of chat) void note;
  })().catch((error: unknown) => error);
  await chat.send({ location: { latitude: 1, longitude: 1 }, message: 'one' });
  const section = page.locator('.group.call', { hasText: 'RouteChat' });
  await page.locator('#fault-panel summary').click(); // closed, so that it covers no row
  await section.locator('.row.type-HEADERS.dir-c2s').click({ timeout: 20_000 });
  await page.locator('#fault-panel summary').click();
  await page.locator('#fault-rst').click();
  await page.locator('#fault-result', { hasText: 'rst-stream sent' }).waitFor();
  t.match(await replies, { codeName: 'CANCELLED' }, 'the RouteChat ends CANCELLED (RST_STREAM CANCEL)');
  await section.locator('.row.kind-fault', { hasText: 'inject RST_STREAM' }).first().waitFor();
  t.equal(
    await section.locator('.row.kind-fault', { hasText: 'inject RST_STREAM' }).count(),
    2,
    'RST_STREAM to the client and to the server, each shown as the tap’s',
  );

  // PING now: answered, its round trip reported; GOAWAY now: the next call goes on a new connection.
  await page.locator('#fault-conn option').first().waitFor({ state: 'attached' });
  await page.locator('#fault-ping').click();
  await page.locator('#fault-result', { hasText: 'ping sent on connection #1' }).waitFor();
  await page.locator('.row.kind-fault', { hasText: 'report' }).first().waitFor({ timeout: 10_000 });
  await page.locator('#fault-goaway').click();
  await page.locator('#fault-result', { hasText: 'goaway sent on connection #1' }).waitFor();
  await page.locator('.row.kind-fault', { hasText: 'inject GOAWAY' }).first().waitFor({ timeout: 10_000 });
  t.ok((await client.getFeature(POINT)).name, 'a call after GOAWAY succeeds');
  await page.locator('#filter-conn option[value="2"]').waitFor({ state: 'attached', timeout: 10_000 });
  t.pass('on a second connection');
  t.same(pageErrors, [], 'no error in the page');
});

t.test('the panel over HTTP: what it refuses; a tap without faults', async (t) => {
  const tap = await startTapWeb(t, ['--fault-headers']);
  const faults = new URL('faults', tap.url).href;
  const act = new URL('faults/act', tap.url).href;

  const state = (await (await fetch(faults)).json()) as { enabled: boolean; faults: string[] };
  t.match(state, { enabled: true, faults: [] }, 'GET /faults: on, nothing configured');
  t.match(await post(faults, { spec: 'delay:for=1s' }, { 'content-type': 'text/plain' }), {
    status: 415,
    body: { error: /JSON body/ },
  });
  t.match(
    await post(faults, { spec: 'delay:for=1s' }, { 'content-type': 'application/json', origin: 'http://evil.example' }),
    { status: 403 },
    'a page of another site may not',
  );
  t.match(await post(faults, '{"spec":'), { status: 400, body: { error: /^not JSON/ } });
  t.match(await post(faults, { spec: 'rst-stream:when=connect' }), {
    status: 400,
    body: { error: /rst-stream acts on a call: when=connect is not on a call/ },
  });
  t.match(await post(faults, { spec: 'latency:time=0ms', next: false }), {
    status: 200,
    body: { added: ['web view: latency:time=0ms'] },
  });
  t.match(await post(act, { action: 'goaway', conn: 9 }), { status: 404, body: { error: 'connection 9 is not open' } });
  t.match(await post(act, { action: 'rst-stream', conn: 1, stream: 2 }), { status: 400 });
  t.match(await post(act, { action: 'explode', conn: 1 }), { status: 400 });
  const after = (await (await fetch(faults)).json()) as { faults: string[] };
  t.same(after.faults, ['web view: latency:time=0ms'], 'what was added, and only that');

  const plain = await startTapWeb(t, []);
  const off = (await (await fetch(new URL('faults', plain.url))).json()) as { enabled: boolean; reason: string };
  t.match(off, { enabled: false, reason: /start the tap with --fault SPEC, --faults FILE or --fault-headers/ });
  t.match(await post(new URL('faults', plain.url).href, { spec: 'delay:for=1s' }), { status: 409 });
});
