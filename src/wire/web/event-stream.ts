// The tap's events for pages, as Server-Sent Events (HTML Living Standard §9.2, `text/event-stream`):
// first a `tap` event saying which tap this is, then every event the history holds, then each new
// one — `id: N` and `data: {JSON as --json writes it}`. EventSource reconnects by itself after a
// drop and sends the last id it got (`Last-Event-ID`): the page resumes after it.
//
// Each page is read out of the history at its own pace and never queued for: one batch at a time is
// handed to its socket, and the next only once the socket has taken it ('drain'). A page that does
// not keep up costs the tap nothing more than that batch; what the history forgets meanwhile is
// dropped for that page — counted, and sent to it as `{"kind":"dropped","count":N}` (the line
// --json writes when its reader falls behind) before the events that follow.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ndjsonDropped } from '../render/ndjson.js';
import type { EventHistory } from './history.js';

export interface EventStreamOptions {
  /** What the `tap` event at the start of each stream says (JSON). */
  hello: string;
  /** Pages connected at once at most (default 32); more get 503. */
  maxPages?: number;
  /** Text handed to a page's socket at once (default 64 KiB). */
  batchBytes?: number;
}

interface Page {
  res: ServerResponse;
  /** Number of the next event to send it. */
  cursor: number;
  /** A batch is in its socket's buffer, waiting for 'drain'. */
  waiting: boolean;
  /** A send is scheduled (setImmediate). */
  scheduled: boolean;
}

export class EventStream {
  /** Events not sent to a page because it fell behind, over all pages. */
  dropped = 0;
  /** Event streams opened (reconnections included). */
  opened = 0;
  private readonly pages = new Set<Page>();
  private readonly history: EventHistory;
  private readonly hello: string;
  private readonly maxPages: number;
  private readonly batchBytes: number;

  constructor(history: EventHistory, options: EventStreamOptions) {
    this.history = history;
    this.hello = options.hello;
    this.maxPages = options.maxPages ?? 32;
    this.batchBytes = options.batchBytes ?? 64 * 1024;
  }

  /** Pages connected now. */
  get connected(): number {
    return this.pages.size;
  }

  /** Bytes handed to the pages' sockets that they have not taken yet (beyond the kernel's buffers). */
  get buffered(): number {
    let bytes = 0;
    for (const page of this.pages) bytes += page.res.writableLength;
    return bytes;
  }

  /** Answers a GET of the event stream. */
  open(req: IncomingMessage, res: ServerResponse): void {
    if (this.pages.size >= this.maxPages) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      res.end(`at most ${this.maxPages} pages at once\n`);
      return;
    }
    this.opened++;
    const page: Page = { res, cursor: this.resumeFrom(req.headers['last-event-id']), waiting: false, scheduled: false };
    this.pages.add(page);
    res.once('close', () => this.pages.delete(page));
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    // retry: EventSource's reconnection delay, in milliseconds.
    res.write(`retry: 1000\nevent: tap\ndata: ${this.hello}\n\n`);
    this.schedule(page);
  }

  /** New events are in the history: each page that is not waiting for its socket gets them soon. */
  wake(): void {
    for (const page of this.pages) if (!page.waiting) this.schedule(page);
  }

  /** Ends every stream (the pages' EventSource will try to reconnect). */
  close(): void {
    for (const page of this.pages) page.res.end();
    this.pages.clear();
  }

  /** Where a stream starts: after the event the page last got, if this history numbered it. */
  private resumeFrom(lastEventId: string | string[] | undefined): number {
    const last = typeof lastEventId === 'string' && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
    if (last === undefined || last + 1 > this.history.next) return this.history.first;
    return last + 1;
  }

  /** Sends on the next turn of the event loop, so that the relay's own I/O goes first. */
  private schedule(page: Page): void {
    if (page.scheduled) return;
    page.scheduled = true;
    setImmediate(() => {
      page.scheduled = false;
      if (this.pages.has(page)) this.send(page);
    });
  }

  /** One batch of what `page` has not had yet. */
  private send(page: Page): void {
    const history = this.history;
    let text = '';
    if (page.cursor < history.first) {
      const missed = history.first - page.cursor;
      this.dropped += missed;
      text += `data: ${ndjsonDropped(missed, history.event(history.first)?.t ?? 0).slice(0, -1)}\n\n`;
      page.cursor = history.first;
    }
    while (page.cursor < history.next && text.length < this.batchBytes) {
      text += `id: ${page.cursor}\ndata: ${history.json(page.cursor)}\n\n`;
      page.cursor++;
    }
    if (text === '') return;
    if (page.res.write(text)) {
      if (page.cursor < history.next) this.schedule(page);
      return;
    }
    page.waiting = true;
    page.res.once('drain', () => {
      page.waiting = false;
      this.schedule(page);
    });
  }
}
