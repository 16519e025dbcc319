// `routeguide tap --web` as a person uses it: the built CLI in front of our server, the canonical
// RouteChat through it, and the page opened afterwards in Debian's chromium (playwright-core, no
// browser of its own) — what it shows: the call, six notes going right and nine coming back with
// their text, each header block named for what it is (request, response headers, trailers with
// status OK), a DATA frame's details with the message prefix bytes; the words it shares with the
// terminal (an HPACK block, a message's place in a DATA frame, the message, the call, the connection,
// a frame's fields) as the terminal says them; a call made while the page is open appears without
// reloading; the filters; wire data shown as text, never as HTML; a call the server refuses at once,
// its one header block Trailers-Only.
//
// TAP_WEB_SCREENSHOT=docs/images/tap-web.png makes the screenshot of the README.

import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Locator } from 'playwright-core';
import t, { type Test } from 'tap';
import { Channel } from '../../src/client/channel.js';
import { createClient, type UnaryMethod } from '../../src/client/client.js';
import { Metadata } from '../../src/protocol/metadata.js';
import { encodeMessage } from '../../src/protocol/protobuf-encoding.js';
import { loadProtoFiles, serviceDefinition } from '../../src/protocol/schema.js';
import { addReflection } from '../../src/services/reflection/index.js';
import { routeGuideClient } from '../../src/services/routeguide/index.js';
import type { FrameEvent, TapEvent } from '../../src/wire/events.js';
import { hexOffset, hexRows } from '../../src/wire/render/describe.js';
import { renderTerminal } from '../../src/wire/render/terminal.js';
import { CANONICAL_CHAT_LINES } from '../helpers/canonical.js';
import { CANONICAL_NOTES, chatLines } from '../helpers/chat.js';
import { chromiumSkipReason, launchChromium } from '../helpers/chromium.js';
import { builtCli } from '../helpers/cli-build.js';
import { start, type Started, untracked, waitForOutput } from '../helpers/processes.js';
import { startTestServer, TESTSVC_PROTO } from '../helpers/test-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = builtCli();
const skip = chromiumSkipReason() ?? false; // throws under CI=true when chromium is missing

/** `routeguide tap … --web 0`; resolves once it has printed both addresses. */
async function startTapWeb(t: Test, upstream: number): Promise<{ port: number; url: string; process: Started }> {
  const tap = start(
    ...untracked(process.execPath, [CLI, 'tap', '--listen', '0', '--upstream', `127.0.0.1:${upstream}`, '--web', '0']),
  );
  t.teardown(() => tap.stop('SIGINT'));
  const [, port] = await waitForOutput(tap, /tap listening on 127\.0\.0\.1:(\d+)/, 15_000);
  const [, url] = await waitForOutput(tap, /tap web view on (http:\/\/127\.0\.0\.1:\d+\/)/, 15_000);
  return { port: Number(port), url, process: tap };
}

t.test('--web on the command line: in --help, a bad value, a port already taken', async (t) => {
  const help = start(...untracked(process.execPath, [CLI, 'tap', '--help']));
  t.equal((await help.exited).code, 0);
  t.match(help.output(), /--web \[HOST:\]PORT +also draw the traffic live in a browser/);

  const bad = start(
    ...untracked(process.execPath, [CLI, 'tap', '--listen', '0', '--upstream', '127.0.0.1:1', '--web', 'here']),
  );
  t.equal((await bad.exited).code, 2);
  t.match(bad.output(), /--web must be \[HOST:\]PORT, got "here"/);
  t.match(bad.output(), /usage: routeguide tap/);

  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.teardown(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const busy = start(
    ...untracked(process.execPath, [CLI, 'tap', '--listen', '0', '--upstream', '127.0.0.1:1', '--web', String(port)]),
  );
  const exit = await busy.exited;
  t.equal(exit.code, 1, 'exits, not left hanging');
  t.match(busy.output(), new RegExp(`--web: listen EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
});

t.test('the page in chromium: the canonical RouteChat as a sequence diagram', { skip }, async (t) => {
  const server = await startTestServer();
  addReflection(server.server);
  t.teardown(server.close);
  const tap = await startTapWeb(t, server.port);

  // The calls happen before the page is opened: it shows them from the tap's history.
  const channel = new Channel(`127.0.0.1:${tap.port}`);
  t.teardown(() => channel.close());
  const client = routeGuideClient(channel);
  t.same(await chatLines(client), CANONICAL_CHAT_LINES, 'the canonical RouteChat through the tap');

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(tap.url);
  await page.locator('.kind-call').first().waitFor({ timeout: 20_000 });

  const call = page.locator('.group.call', { hasText: '/routeguide.RouteGuide/RouteChat' });
  t.equal(await call.count(), 1, 'one section for the call');
  t.match(await call.locator('h2').textContent(), /#1 stream \d+ \/routeguide\.RouteGuide\/RouteChat → OK/);

  // What each note says, in the order sent and in the order the server answered.
  const noteText = (line: string) => /Got message (.*) at/.exec(line)![1];
  const right = await call.locator('.row.kind-message.dir-c2s').allTextContents();
  const left = await call.locator('.row.kind-message.dir-s2c').allTextContents();
  t.equal(right.length, 6, 'six notes going right, client → server');
  t.equal(left.length, 9, 'nine coming back, server → client');
  CANONICAL_NOTES.forEach((note, i) => t.match(right[i], `"message":"${note.message}"`, `→ ${note.message}`));
  CANONICAL_CHAT_LINES.forEach((line, i) => t.match(left[i], `"message":"${noteText(line)}"`, `← ${noteText(line)}`));
  // The arrowheads: at the server's lane going right, at the client's coming back.
  const heads = await call.locator('.row.kind-message .arrow').evaluateAll((arrows) =>
    arrows.map((a) => {
      const head = getComputedStyle(a, '::after');
      const box = a.getBoundingClientRect();
      return [a.closest('.row')!.classList.contains('dir-c2s') ? 'c2s' : 's2c', head.right, head.left, box.width];
    }),
  );
  for (const [dir, right, left, width] of heads) {
    if (dir === 'c2s') t.equal(right, '-1px', 'the head at the right end');
    else t.equal(left, '-1px', 'the head at the left end');
    t.ok((width as number) > 400, 'an arrow from one lane to the other');
  }

  // Each header block named for what it is on its stream.
  t.match(
    await call.locator('.row.type-HEADERS.dir-c2s').textContent(),
    /request: POST \/routeguide\.RouteGuide\/RouteChat/,
  );
  const headers = call.locator('.row.type-HEADERS.dir-s2c', { hasText: 'response headers' });
  t.equal(await headers.count(), 1, 'one response headers row');
  t.match(await headers.textContent(), /response headers: :status 200/);
  const trailers = call.locator('.row.type-HEADERS.dir-s2c', { hasText: 'trailers' });
  t.equal(await trailers.count(), 1, 'one trailers row');
  t.match(await trailers.textContent(), /END_STREAM.*trailers: grpc-status 0 OK/);
  t.match(
    await call.locator('.row.kind-call').textContent(),
    /→ OK \(0\), ended by trailers; messages 6 C→S 9 S→C; wire \d+\/\d+ bytes/,
  );

  // The details of the DATA frame carrying the first note: where its 5-byte prefix is, its bytes.
  const routeNote = protobuf.loadSync(join(ROOT, 'proto', 'route_guide.proto')).lookupType('routeguide.RouteNote');
  const length = encodeMessage(routeNote, CANONICAL_NOTES[0]).finish().length; // as our client encodes it
  const prefix = `00 00 00 00 ${length.toString(16).padStart(2, '0')}`;
  const data = call.locator('.row.type-DATA.dir-c2s', { hasText: 'message' }).first();
  await data.click();
  const details = page.locator('#details');
  t.match(await details.locator('h2').textContent(), 'DATA frame');
  t.match(await details.textContent(), /bytes 0–\d+: message 1, whole: 5-byte prefix and body/);
  t.equal(await details.locator('.prefix .hex').first().textContent(), prefix, `prefix bytes ${prefix}`);
  t.match(await details.locator('.prefix').first().textContent(), `Compressed-Flag 0, Message-Length ${length}`);
  t.match(await details.locator('pre.message').first().textContent(), '"message":"First message"');
  if (process.env.TAP_WEB_SCREENSHOT) {
    await page.locator('#diagram-scroll').evaluate((el) => (el.scrollTop = 0));
    await page.screenshot({ path: join(ROOT, process.env.TAP_WEB_SCREENSHOT) });
  }

  // A HEADERS row: each field with its HPACK representation; the note naming the rule.
  await call.locator('.row.type-HEADERS.dir-c2s').click();
  t.match(await details.locator('table.headers').textContent(), /:path\/routeguide\.RouteGuide\/RouteChatliteral/);
  t.match(await details.locator('.rule-note').textContent(), /Request-Headers/);
  // From the keyboard: Enter or Space on a row selects it as a click does.
  await call.locator('.row.kind-call').press('Enter');
  t.equal(await details.locator('h2').textContent(), 'call /routeguide.RouteGuide/RouteChat');
  await trailers.press('Space');
  t.equal(await details.locator('h2').textContent(), 'HEADERS frame');
  t.match(await details.locator('.rule-note').textContent(), /Trailers: /);

  // The words the page shares with the terminal (src/wire/render/describe.ts): for the event a row
  // shows (its JSON, from the details panel), the terminal's text for it says the same.
  const shown = async (row: Locator): Promise<{ event: TapEvent; terminal: string[] }> => {
    await row.click();
    const event = JSON.parse((await details.locator('details.raw pre').textContent())!) as TapEvent;
    return {
      event,
      terminal: renderTerminal(event, { color: false })
        .split('\n')
        .map((l) => l.trim()),
    };
  };
  const request = await shown(call.locator('.row.type-HEADERS.dir-c2s'));
  const hpack = await details.locator('p.aside').textContent();
  t.match(hpack, /^HPACK block: \d+ bytes in 1 frame; dynamic table now \d+ entr(y|ies), \d+ bytes$/);
  t.ok(request.terminal.includes(`(${hpack})`), 'the HPACK block summed up as the terminal does');
  const dataFrame = await shown(data);
  const segment = await details.locator('.segment p').first().textContent();
  t.ok(dataFrame.terminal.includes(segment!), `"${segment}" as in the terminal`);
  const firstNote = await shown(call.locator('.row.kind-message.dir-c2s').first());
  await data.click();
  t.equal(
    await details.locator('.segment pre.message').first().textContent(),
    firstNote.terminal[1],
    "the message in the DATA frame's details as the terminal shows it",
  );
  const summary = await shown(call.locator('.row.kind-call'));
  const counts = /, (ended by .*)$/.exec(summary.terminal[0])![1];
  t.match(await call.locator('.row.kind-call').textContent(), counts, 'the call summed up as the terminal does');
  t.equal(await details.locator('dd').first().textContent(), 'OK (0)', 'its status named as the terminal names it');
  const open = await shown(page.locator('.row.kind-connection').first());
  t.equal(
    await page.locator('.row.kind-connection .label').first().textContent(),
    /(connection from .*)$/.exec(open.terminal[0])![1],
    'the connection as the terminal says it',
  );
  // The frame's bytes (the hex view, which the web view asks the tap for): the lines the terminal
  // prints with --hex, from the same event.
  await data.click();
  const bytes = await details
    .locator('table.bytes tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  t.same(
    bytes,
    hexRows(dataFrame.event.kind === 'frame' ? dataFrame.event.raw! : { hex: '', ranges: [] }).map((r) => [
      hexOffset(r.at),
      r.hex,
      r.what,
    ]),
    "the DATA frame's bytes, line by line as the terminal has them",
  );
  const { length: frameLength, flags } = dataFrame.event as FrameEvent;
  const endStream = flags.includes('END_STREAM'); // the six notes may go in one frame with END_STREAM
  t.same(bytes.slice(0, 4), [
    ['0000', '', 'frame header (RFC 9113 §4.1)'],
    [
      '0000',
      frameLength
        .toString(16)
        .padStart(6, '0')
        .replace(/(..)(?!$)/g, '$1 '),
      `Length ${frameLength}`,
    ],
    ['0003', '00', 'Type 0x0 DATA'],
    ['0004', endStream ? '01' : '00', endStream ? 'Flags 0x01: END_STREAM' : 'Flags 0x00'],
  ]);
  t.equal(bytes[4][2], `Stream Identifier ${dataFrame.event.stream}`);
  t.same(bytes.slice(8, 11), [
    ['0009', '00', 'Compressed-Flag 0: not compressed'],
    ['000a', prefix.slice(3), `Message-Length ${length}`],
    ['000e', '', `body: routeguide.RouteNote, ${length} bytes`],
  ]);
  t.ok(
    bytes.some(([, hex, what]) => hex === '46 69 72 73 74 20 6d 65' && what === 'UTF-8 "First message"'),
    "the note's text next to its bytes",
  );
  await call.locator('.row.kind-message.dir-c2s').first().click();
  t.equal(
    await details.locator('table.bytes tr').first().textContent(),
    '0000prefix (PROTOCOL-HTTP2 Length-Prefixed-Message)',
    "a message's own bytes",
  );
  // A header block's bytes: each HPACK representation, its pattern bits, a Huffman string by its text.
  await call.locator('.row.type-HEADERS.dir-c2s').click();
  const headerBytes = await details
    .locator('table.bytes tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
  t.same(
    headerBytes,
    hexRows(request.event.kind === 'frame' ? request.event.raw! : { hex: '', ranges: [] }).map((r) => [
      hexOffset(r.at),
      r.hex,
      r.what,
    ]),
    "the HEADERS frame's bytes, line by line as the terminal has them",
  );
  t.same(headerBytes.slice(5, 8), [
    ['0009', '', 'Field Block Fragment (HPACK, RFC 7541)'],
    ['0009', '', ':method: POST'],
    ['0009', '83', '1|0000011 indexed field (RFC 7541 §6.1): index 3 in the static table'],
  ]);
  t.ok(
    headerBytes.some(([, , what]) => what === 'value "/routeguide.RouteGuide/RouteChat" (Huffman-coded)'),
    'the Huffman-coded :path next to its text',
  );
  const settingsFrame = await shown(page.locator('.row.type-WINDOW_UPDATE').first());
  const increment = settingsFrame.terminal.find((l) => l.startsWith('window increment: '))!;
  t.match(
    await details.locator('dl').first().textContent(),
    increment.replace(': ', ''),
    "a frame's fields under the terminal's labels",
  );

  // A call made while the page is open appears without reloading; header values are shown as text.
  const injected = '<img id="injected" src="x"><b>not bold</b>';
  await client.getFeature(
    { latitude: 409146138, longitude: -746188906 },
    { metadata: new Metadata({ 'x-note': injected }), deadline: Date.now() + 5000 },
  );
  const get = page.locator('.group.call', { hasText: '/routeguide.RouteGuide/GetFeature' });
  await get.locator('.kind-call').waitFor({ timeout: 10_000 });
  t.match(await get.locator('h2').textContent(), /GetFeature → OK/, 'the new call, live');
  await get.locator('.row.type-HEADERS.dir-c2s').click();
  t.match(await details.locator('table.headers').textContent(), `x-note${injected}`, 'the value as its text');
  t.equal(await page.locator('#injected, #details b:text("not bold")').count(), 0, 'no element made from it');

  // Filters: one call; then the connection's housekeeping frames hidden.
  await page.selectOption('#filter-call', { label: (await get.locator('h2 .group-title').textContent())! });
  t.equal(await call.isVisible(), false, 'the other call is hidden');
  t.equal(await get.isVisible(), true);
  t.equal(await page.locator('.group.connection:visible').count(), 0, "the connection's own frames too");
  await page.selectOption('#filter-call', '');
  t.equal(await call.isVisible(), true, 'all calls again');
  const settings = page.locator('.row.type-SETTINGS');
  t.ok((await settings.count()) >= 4, 'SETTINGS both ways and their ACKs');
  t.equal(await settings.first().isVisible(), true);
  await page.check('#hide-control');
  t.equal(await page.locator('.row.type-SETTINGS:visible, .row.type-WINDOW_UPDATE:visible').count(), 0);
  t.equal(await data.isVisible(), true, 'DATA stays');
  await page.selectOption('#filter-conn', '1');
  t.equal(await call.isVisible(), true, 'connection #1 holds both calls');

  // A method the server does not have: it answers at once, with the status in its only header block.
  const unregistered = createClient<{ nothing: UnaryMethod<{ text: string }, unknown> }>(
    serviceDefinition(loadProtoFiles(TESTSVC_PROTO), 'testsvc.Unregistered'),
    channel,
  );
  await t.rejects(unregistered.nothing({ text: 'x' }), { code: 12 }, 'UNIMPLEMENTED');
  const refused = page.locator('.group.call', { hasText: '/testsvc.Unregistered/Nothing' });
  await refused.locator('.kind-call').waitFor({ timeout: 10_000 });
  const only = refused.locator('.row.type-HEADERS.dir-s2c');
  t.equal(await only.count(), 1, 'one header block from the server');
  t.match(await only.textContent(), /END_STREAM.*Trailers-Only: :status 200, grpc-status 12 UNIMPLEMENTED/);
  t.match(await refused.locator('h2').textContent(), /Nothing → UNIMPLEMENTED/);

  t.same(pageErrors, [], 'no script errors');
  const stopped = await tap.process.stop('SIGINT');
  t.equal(stopped.code, 0);
  t.match(tap.process.output(), /web view: 1 event stream, 0 events not sent to pages that fell behind/);
});
