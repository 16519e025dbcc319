// `routeguide tap --web`: the tap's events drawn live in a browser as a sequence diagram. A node:http
// server gives the page (page.html and page.css beside this file, page.ts compiled, and the module of
// the words it shares with the terminal, render/describe.ts), the event stream (/events,
// event-stream.ts) out of the history of the last events (history.ts), and the fault panel's
// requests (/faults, fault-control.ts).
//
// The tap hands each event to `push`, which keeps it in the history and wakes the pages: nothing
// else happens on the relay's thread until a page asks for events, and what a page asks for is sent
// a batch at a time, after the relay's own I/O.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_ROOT } from '../../paths.js';
import type { TapEvent } from '../events.js';
import type { FaultInjector } from '../fault/injector.js';
import type { Endpoint } from '../relay.js';
import { EventStream } from './event-stream.js';
import { answerFaultRequest, isFaultRoute } from './fault-control.js';
import { EventHistory, type EventHistoryOptions } from './history.js';

export interface WebViewOptions {
  listen: Endpoint;
  history?: EventHistoryOptions;
  /** Pages connected at once at most (default 32). */
  maxPages?: number;
  /** The tap's faults, for the page's fault panel (fault-control.ts); none: the panel says faults are off. */
  faults?: FaultInjector;
}

export interface WebView {
  /** Where it listens (port 0 resolved). */
  readonly address: Endpoint;
  /** The page's address, e.g. http://127.0.0.1:8080/ */
  readonly url: string;
  /**
   * Keeps `event` for the pages, with its NDJSON line when the caller has already made it (--json).
   * Never throws, never waits.
   */
  push(event: TapEvent, ndjson?: string): void;
  /**
   * Pages connected now, event streams opened in all, events not sent to pages that fell behind,
   * bytes waiting for the pages' sockets.
   */
  stats(): { connected: number; opened: number; dropped: number; buffered: number };
  close(): Promise<void>;
}

/**
 * The page's files, read once. The HTML and CSS from the sources (the build compiles TypeScript
 * only); the scripts compiled, from the build's src/wire/ — beside this module once built, and from
 * dist/ (`npm run build`) when it runs from the TypeScript sources. A script's URL is its path under
 * src/wire/, so that the page's imports resolve in the browser as they do in the build.
 */
const SOURCE_DIR = join(PACKAGE_ROOT, 'src', 'wire');
const BUILD_DIR = import.meta.url.endsWith('.js')
  ? fileURLToPath(new URL('..', import.meta.url))
  : join(PACKAGE_ROOT, 'dist', 'src', 'wire');
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: join(SOURCE_DIR, 'web', 'page.html'), type: 'text/html; charset=utf-8' },
  '/web/page.css': { file: join(SOURCE_DIR, 'web', 'page.css'), type: 'text/css; charset=utf-8' },
  '/web/page.js': { file: join(BUILD_DIR, 'web', 'page.js'), type: 'text/javascript; charset=utf-8' },
  '/web/fault-panel.js': { file: join(BUILD_DIR, 'web', 'fault-panel.js'), type: 'text/javascript; charset=utf-8' },
  '/render/describe.js': { file: join(BUILD_DIR, 'render', 'describe.js'), type: 'text/javascript; charset=utf-8' },
};

/** What every answer says: no caching, no sniffing, and the page may load only its own files. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

export async function startWebView(options: WebViewOptions): Promise<WebView> {
  const files = new Map(Object.entries(ASSETS).map(([path, { file, type }]) => [path, { body: asset(file), type }]));
  const history = new EventHistory(options.history);
  const stream = new EventStream(history, {
    hello: JSON.stringify({ started: Date.now(), capacity: history.capacity }),
    maxPages: options.maxPages,
  });
  const loopback = isLoopback(options.listen.host);

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    // A page of any web site can make the browser ask a name of its own that resolves to 127.0.0.1
    // (DNS rebinding): on loopback, only requests addressed to a loopback name are answered.
    if (loopback && !isLoopback(hostName(req.headers.host))) return plain(res, 403, 'not a loopback host name\n');
    if (isFaultRoute(path)) return answerFaultRequest(req, res, path, options.faults, COMMON_HEADERS);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return plain(res, 405, 'GET or HEAD only\n');
    }
    if (path === '/events') return stream.open(req, res);
    if (path === '/favicon.ico') return void res.writeHead(204, COMMON_HEADERS).end();
    const file = files.get(path);
    if (!file) return plain(res, 404, 'not found\n');
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as { address: string; port: number };
  const address = { host: bound.address, port: bound.port };
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return {
    address,
    url: `http://${host}:${address.port}/`,
    push(event, ndjson) {
      history.push(event, ndjson);
      stream.wake();
    },
    stats: () => ({
      connected: stream.connected,
      opened: stream.opened,
      dropped: stream.dropped,
      buffered: stream.buffered,
    }),
    async close() {
      stream.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function asset(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const hint = file.endsWith('.js') ? ' (the page is compiled by `npm run build`)' : '';
    throw new Error(`the web page's file ${file} cannot be read${hint}: ${(error as Error).message}`, { cause: error });
  }
}

function plain(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/** The name in a Host header: `[::1]:8080` → `::1`, `localhost:8080` → `localhost`. */
function hostName(host: string | undefined): string {
  if (host === undefined) return '';
  const m = /^\[([^\]]*)\](?::\d*)?$/.exec(host) ?? /^([^:]*)(?::\d*)?$/.exec(host);
  return m ? m[1].toLowerCase() : '';
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '::ffff:127.0.0.1';
}
