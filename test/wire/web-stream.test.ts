// The web view's server side over real sockets (node:http clients reading the event stream): the
// history ring and its bounds, a page opened late (the history, then live events), resuming with
// Last-Event-ID, a page that stops reading (bounded, the rest dropped and counted), and what the
// server answers to everything else.

import http from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { FrameEvent, MessageEvent, TapEvent } from '../../src/wire/events.js';
import { ndjsonLine } from '../../src/wire/render/ndjson.js';
import { EventHistory, estimatedSize } from '../../src/wire/web/history.js';
import { startWebView, type WebView } from '../../src/wire/web/web-view.js';
import { waitFor } from '../helpers/processes.js';

const ping = (i: number): FrameEvent => ({
  t: i,
  conn: 1,
  dir: 'c2s',
  kind: 'frame',
  type: 'PING',
  stream: 0,
  flags: [],
  length: 8,
  offset: 17 * i,
  opaque: i.toString(16).padStart(16, '0'),
});

const BIG = 'x'.repeat(2000);
const bigMessage = (i: number): MessageEvent => ({
  t: i,
  conn: 1,
  dir: 's2c',
  kind: 'message',
  stream: 1,
  method: '/routeguide.RouteGuide/RouteChat',
  index: i,
  prefix: { flag: '0x00', length: '0x000007d0' },
  frames: 1,
  wireBytes: 2000,
  bytes: 2000,
  schema: 'none',
  truncated: BIG,
});

interface Sse {
  event?: string;
  id?: number;
  data: string;
}

/** An event stream as a page reads it: each event, parsed, as it comes. */
class SseReader {
  readonly events: Sse[] = [];
  res!: http.IncomingMessage;
  private text = '';
  private waiters: (() => void)[] = [];

  static async open(view: WebView, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${view.url}events`, { headers }, (res) => {
        reader.res = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => reader.take(chunk));
        resolve();
      });
      req.once('error', reject);
    });
    return reader;
  }

  /** The data events (not the `tap` one), parsed. */
  data(): { id?: number; event: TapEvent | { kind: 'dropped'; count: number } }[] {
    return this.events.filter((e) => e.event === undefined).map((e) => ({ id: e.id, event: JSON.parse(e.data) }));
  }

  /** Resolves once `done()` holds (checked at each chunk). */
  async until(done: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; ${this.events.length} events so far`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  close(): void {
    this.res.destroy();
  }

  private take(chunk: string): void {
    this.text += chunk;
    let end: number;
    while ((end = this.text.indexOf('\n\n')) >= 0) {
      const block = this.text.slice(0, end);
      this.text = this.text.slice(end + 2);
      const e: Sse = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'event') e.event = value;
        else if (field === 'id') e.id = Number(value);
        else if (field === 'data') e.data = value;
      }
      if (e.data !== '') this.events.push(e);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }
}

async function webView(t: Test, options: Parameters<typeof startWebView>[0]['history'] = {}, maxPages?: number) {
  const view = await startWebView({ listen: { host: '127.0.0.1', port: 0 }, history: options, maxPages });
  t.teardown(() => view.close());
  return view;
}

function request(
  view: WebView,
  path: string,
  options: http.RequestOptions = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${view.url.slice(0, -1)}${path}`, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

t.test('the history: numbered from 1, the last `capacity` events, bounded by their estimated size too', (t) => {
  const history = new EventHistory({ capacity: 100 });
  for (let i = 1; i <= 250; i++) history.push(ping(i));
  t.equal(history.first, 151);
  t.equal(history.next, 251);
  t.equal(history.event(150), undefined, 'forgotten');
  t.same(history.event(151), ping(151));
  t.same(JSON.parse(history.json(250)!), ping(250), 'its JSON is the event');
  t.equal(history.json(251), undefined, 'not yet');
  // The line --json already made is kept as it is, not made again (a marker shows which one is sent).
  history.push(ping(251), `${ndjsonLine(ping(251)).slice(0, -1)} \n`);
  t.equal(history.json(251), `${ndjsonLine(ping(251)).slice(0, -1)} `, 'the line given is the one kept');

  const bySize = new EventHistory({ capacity: 100, maxBytes: 10 * estimatedSize(bigMessage(1)) });
  for (let i = 1; i <= 50; i++) bySize.push(bigMessage(i));
  t.equal(bySize.next - bySize.first, 10, 'ten big messages fit in the byte budget');
  t.equal(bySize.bytes, 10 * estimatedSize(bigMessage(1)));
  t.ok(estimatedSize(bigMessage(1)) >= 2000, 'a message counts its body');

  const tiny = new EventHistory({ maxBytes: 1 });
  tiny.push(bigMessage(1));
  tiny.push(bigMessage(2));
  t.equal(tiny.first, 2, 'the newest event is held, even over the budget');
  t.equal(tiny.next, 3);
  t.end();
});

t.test('a page opened late gets the history, then the events as they come', async (t) => {
  const view = await webView(t, { capacity: 100 });
  for (let i = 1; i <= 250; i++) view.push(ping(i));
  const page = await SseReader.open(view);
  t.equal(page.res.headers['content-type'], 'text/event-stream; charset=utf-8');
  await page.until(() => page.data().length >= 100);
  const hello = page.events[0];
  t.equal(hello.event, 'tap', 'the stream starts by saying which tap this is');
  const tap = JSON.parse(hello.data);
  t.equal(tap.capacity, 100);
  t.same(
    page.data().map((d) => d.id),
    Array.from({ length: 100 }, (_, i) => 151 + i),
    'the last 100 events, numbered',
  );
  t.same(
    page.data().map((d) => d.event),
    Array.from({ length: 100 }, (_, i) => ping(151 + i)),
    'each one the event as --json writes it',
  );

  for (let i = 251; i <= 255; i++) view.push(ping(i));
  await page.until(() => page.data().length >= 105);
  t.same(
    page
      .data()
      .slice(100)
      .map((d) => [d.id, d.event]),
    [251, 252, 253, 254, 255].map((i) => [i, ping(i)]),
    'then live, without reloading',
  );
  t.equal(view.stats().connected, 1);
  page.close();
  await waitFor('the closed page to be forgotten', () => view.stats().connected === 0, 5000);
  t.equal(view.stats().connected, 0, 'a page that goes is forgotten');
  t.equal(view.stats().dropped, 0);
});

t.test('Last-Event-ID (EventSource reconnecting): resumes after it; what the ring forgot is counted', async (t) => {
  const view = await webView(t, { capacity: 100 });
  for (let i = 1; i <= 250; i++) view.push(ping(i));

  const resumed = await SseReader.open(view, { 'last-event-id': '240' });
  await resumed.until(() => resumed.data().length >= 10);
  t.same(
    resumed.data().map((d) => d.id),
    [241, 242, 243, 244, 245, 246, 247, 248, 249, 250],
  );
  resumed.close();

  const late = await SseReader.open(view, { 'last-event-id': '100' });
  await late.until(() => late.data().length >= 101);
  const [gap, ...rest] = late.data();
  t.match(gap.event, { kind: 'dropped', count: 50 }, 'events 101–150 are gone: counted, said first');
  t.equal(gap.id, undefined, 'the count has no id of its own');
  t.equal(rest[0].id, 151);
  t.equal(view.stats().dropped, 50);
  late.close();

  const otherTap = await SseReader.open(view, { 'last-event-id': '99999' });
  await otherTap.until(() => otherTap.data().length >= 100);
  t.equal(otherTap.data()[0].id, 151, 'an id this tap never gave: everything it holds');
  otherTap.close();
});

t.test('a page that stops reading: the tap buffers at most a batch for it, drops the rest, counts it', async (t) => {
  const view = await webView(t, { capacity: 1000 });
  const page = await SseReader.open(view);
  page.res.pause(); // node stops reading the socket: the kernel's buffers fill, then the tap's socket
  const total = 40_000; // about 80 MB of messages: far more than the sockets hold
  let maxBuffered = 0;
  for (let i = 1; i <= total; i++) {
    view.push(bigMessage(i));
    if (i % 200 === 0) {
      await nextTurn();
      await nextTurn();
      maxBuffered = Math.max(maxBuffered, view.stats().buffered);
    }
  }
  t.ok(maxBuffered > 0, `the page fell behind (${maxBuffered} bytes waiting at most)`);
  t.ok(maxBuffered <= 256 * 1024, `the tap held at most ${maxBuffered} bytes for it (80 MB went by)`);

  page.res.resume();
  await page.until(() => page.data().some((d) => d.id === total), 60_000);
  const data = page.data();
  const dropped = data.filter((d) => d.event.kind === 'dropped');
  const received = data.filter((d) => d.id !== undefined);
  t.ok(dropped.length >= 1, 'the page is told it missed events');
  const missed = dropped.reduce((n, d) => n + (d.event as { count: number }).count, 0);
  t.equal(
    received.length + missed,
    total,
    `${received.length} received + ${missed} dropped: every event accounted for`,
  );
  t.same(
    received.map((d) => d.id),
    [...received.map((d) => d.id!)].sort((a, b) => a - b),
    'in order',
  );
  t.equal(new Set(received.map((d) => d.id)).size, received.length, 'none twice');
  t.equal(view.stats().dropped, missed, 'and the tap counts them');
  t.same((received.at(-1)!.event as MessageEvent).index, total, 'the newest arrived');
  page.close();
});

t.test('the page and its files; everything else refused', async (t) => {
  const view = await webView(t, {}, 1);
  const page = await request(view, '/');
  t.equal(page.status, 200);
  t.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  t.match(page.body, /<script type="module" src="web\/page\.js"><\/script>/);
  t.match(page.headers['content-security-policy'], /default-src 'self'/, 'scripts from the tap only');
  t.equal(page.headers['x-content-type-options'], 'nosniff');
  // The page, compiled, and the module of the words it shares with the terminal, where its import finds it.
  const script = await request(view, '/web/page.js');
  t.match(script.headers['content-type'], /^text\/javascript/);
  t.match(script.body, /from '\.\.\/render\/describe\.js'/);
  const shared = await request(view, new URL('../render/describe.js', `${view.url}web/page.js`).pathname);
  t.equal(shared.status, 200);
  t.match(shared.headers['content-type'], /^text\/javascript/);
  t.match(shared.body, /export function hpackBlockSummary/);
  t.match((await request(view, '/web/page.css')).headers['content-type'], /^text\/css/);
  t.equal((await request(view, '/?reload=1')).status, 200, 'a query string is ignored');
  const head = await request(view, '/', { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal(head.body, '');

  t.equal((await request(view, '/nothing')).status, 404);
  t.equal((await request(view, '/favicon.ico')).status, 204);
  const post = await request(view, '/events', { method: 'POST' });
  t.equal(post.status, 405);
  t.equal(post.headers.allow, 'GET, HEAD');
  // A page of another site reaching the tap through a name that resolves to 127.0.0.1.
  t.equal((await request(view, '/', { headers: { host: 'evil.example:80' } })).status, 403);
  t.equal((await request(view, '/events', { headers: { host: 'evil.example' } })).status, 403);
  t.equal((await request(view, '/', { headers: { host: `localhost:${view.address.port}` } })).status, 200);
  t.equal((await request(view, '/', { headers: { host: `[::1]:${view.address.port}` } })).status, 200);

  const first = await SseReader.open(view);
  const second = await request(view, '/events');
  t.equal(second.status, 503, 'pages at once are bounded too');
  first.close();
});
