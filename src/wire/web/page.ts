// routeguide tap --web: the tap's events (Server-Sent Events from /events, one JSON object each —
// the event model of src/wire/events.ts, as --json writes it) drawn as a sequence diagram. The
// client's lane on the left, the server's on the right; one row per frame or message with its arrow
// in the direction of the bytes; one section per call (and one per connection for stream 0), one
// colour per stream. A click on a row shows all it holds.
//
// It runs in the browser: compiled by the build like the rest, type-checked against the DOM alone
// (tsconfig.page.json), and it says what the terminal says in the words of ../render/describe.ts,
// which the web view serves beside it.
//
// Everything that came off the wire (header values, messages, notes quoting them) is put into the
// page as text (textContent, text nodes) and never as HTML: the peers choose those bytes.

import type {
  CallEvent,
  ConnectionEvent,
  DataSegment,
  Direction,
  ErrorEvent,
  FrameEvent,
  MessageEvent,
  RawBytes,
  TapEvent,
  WarningEvent,
} from '../events.js';
import {
  byteCount,
  callCounts,
  connectionText,
  faultText,
  frameFields,
  frameTypeName,
  hexOffset,
  hexRows,
  hpackBlockSummary,
  messageLines,
  messageSize,
  prefixBytes,
  prefixFields,
  ruleText,
  schemaText,
  segmentText,
  statusText,
} from '../render/describe.js';
import { startFaultPanel } from './fault-panel.js';

/** What the tap says about itself when the stream opens (web-view.ts). */
interface Hello {
  started: number;
  capacity: number;
}

/** Sent instead of the events this page fell too far behind to get (event-stream.ts). */
interface Dropped {
  kind: 'dropped';
  count: number;
}

/** A section of the diagram: one per call (`conn:stream`), one per stretch of a connection's own traffic. */
interface Group {
  key: string;
  el: HTMLElement;
  body: HTMLElement;
  title: HTMLElement;
  summary: HTMLElement;
  conn: number;
  stream: number;
  /** Its rows in the page. */
  count: number;
  method: string | undefined;
  /** Its entry in the call filter (calls only). */
  option: HTMLOptionElement | undefined;
}

interface Row {
  el: HTMLElement;
  event: TapEvent;
  group: Group;
  /** `conn:stream:dir` of a directed event: the warnings that follow it are about it. */
  key?: string;
  warnings: (WarningEvent | ErrorEvent)[];
}

type Child = Node | string;

/** The connection's housekeeping frames, hidden by the checkbox. */
const CONTROL_FRAMES = new Set(['SETTINGS', 'PING', 'WINDOW_UPDATE']);

const diagram = byId('diagram');
const scroller = byId('diagram-scroll');
const empty = byId('empty');
const detailsPanel = byId('details');
const stateLabel = byId('state');
const countsLabel = byId('counts');
const connFilter = byId<HTMLSelectElement>('filter-conn');
const callFilter = byId<HTMLSelectElement>('filter-call');
const hideControl = byId<HTMLInputElement>('hide-control');

/** What the tap said about itself when the stream opened. */
let tap: Hello | undefined;
/** Rows kept at most: as many events as the tap keeps. */
const maxRows = () => tap?.capacity ?? 10_000;
/** Rows in the page, oldest first. */
let rows: Row[] = [];
/** Each row by its element, for the diagram's click and key listeners. */
const rowsByElement = new WeakMap<Element, Row>();
let groups = new Map<string, Group>();
/** The section opened last: the connection's own traffic joins it while it is that connection's. */
let lastGroup: Group | undefined;
let connectionSections = 0;
/** Message events by `conn:stream:dir:index`, for the DATA frames that carried them. */
let messages = new Map<string, MessageEvent>();
/** The last row of each `conn:stream:dir`: the warnings that follow an event are about it. */
let lastRows = new Map<string, Row>();
/** Connections by number: their entry in the connection filter. */
let connections = new Map<number, { option: HTMLOptionElement }>();
let lastSeq = 0;
let received = 0;
let dropped = 0;
let selected: Row | undefined;
let colours = 0;
/** The one line saying how many events the page missed. */
const notice = element('p', { class: 'notice' });

// The fault panel: "reset the selected call's stream" acts on the call of the row selected here.
startFaultPanel(() =>
  selected && selected.group.stream > 0 ? { conn: selected.group.conn, stream: selected.group.stream } : undefined,
);

// ---- the stream ----

const source = new EventSource('events');
source.addEventListener('tap', (m) => {
  const hello = JSON.parse(m.data as string) as Hello;
  if (tap && tap.started !== hello.started) clear(); // another tap on this port: start afresh
  tap = hello;
  setState('live', 'live');
});
source.addEventListener('message', (m) => {
  const event = JSON.parse(m.data as string) as TapEvent | Dropped;
  if (event.kind === 'dropped') {
    dropped += event.count;
    pending.push(event);
  } else {
    const seq = Number(m.lastEventId);
    if (seq <= lastSeq) return; // already shown (a reconnection resumes after the last id)
    lastSeq = seq;
    received++;
    pending.push(event);
    // More than the page keeps: the oldest would be removed as soon as drawn.
    if (pending.length > maxRows()) pending.shift();
  }
  drawSoon();
});
source.addEventListener('error', () => {
  setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting…', 'down');
});

// Events are drawn in batches, not one by one: the page reads the layout (to follow the bottom)
// once per batch, not once per event. A timer, not requestAnimationFrame, which a hidden tab
// does not run.
let pending: (TapEvent | Dropped)[] = [];
let drawScheduled = false;

function drawSoon(): void {
  if (drawScheduled) return;
  drawScheduled = true;
  setTimeout(() => {
    drawScheduled = false;
    const events = pending;
    pending = [];
    for (const event of events) {
      if (event.kind !== 'dropped') add(event);
      else {
        notice.textContent = `… ${dropped} event${dropped === 1 ? '' : 's'} not shown: the page could not keep up`;
        diagram.append(notice); // at the end, where the gap is
      }
    }
    updateCounts();
    if (following) scroller.scrollTop = scroller.scrollHeight;
  }, 0);
}

/** The view follows new rows while it is scrolled to the bottom. */
let following = true;
scroller.addEventListener('scroll', () => {
  following = scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 40;
});

function setState(text: string, kind: string): void {
  stateLabel.textContent = text;
  stateLabel.dataset.state = kind;
}

function updateCounts(): void {
  const lost = dropped > 0 ? `, ${dropped} not shown` : '';
  countsLabel.textContent = `${received} event${received === 1 ? '' : 's'}${lost}`;
}

function clear(): void {
  diagram.replaceChildren();
  for (const select of [connFilter, callFilter]) select.replaceChildren(select.options[0]);
  rows = [];
  pending = [];
  groups = new Map();
  lastGroup = undefined;
  connectionSections = 0;
  messages = new Map();
  lastRows = new Map();
  connections = new Map();
  lastSeq = 0;
  received = 0;
  dropped = 0;
  colours = 0;
  showDetails(undefined);
  empty.hidden = false;
}

// ---- one event → one row ----

function add(e: TapEvent): void {
  const group = groupFor(e);
  const row: Row = { event: e, group, warnings: [], el: rowElement(e) };
  rowsByElement.set(row.el, row);
  group.body.append(row.el);
  group.count++;
  rows.push(row);
  empty.hidden = true;

  if (e.kind === 'warning' || e.kind === 'error') {
    const about = lastRows.get(`${e.conn}:${e.stream ?? 0}:${e.dir}`);
    if (about) {
      about.warnings.push(e);
      about.el.classList.add('flagged');
      if (about === selected) showDetails(about);
    }
  } else if (e.dir) {
    row.key = `${e.conn}:${e.stream ?? 0}:${e.dir}`;
    lastRows.set(row.key, row);
  }
  if (e.kind === 'message') messages.set(messageKey(e.conn, e.stream, e.dir, e.index), e);
  if (e.kind === 'connection' && e.type === 'open') addConnection(e, group);
  if (e.kind === 'call') {
    group.summary.textContent = ` → ${statusText(e)}`;
    group.summary.dataset.ok = String(e.status === 0);
  }
  if ((e.kind === 'message' || e.kind === 'call') && e.method && !group.method) nameCall(group, e.method);
  if (e.kind === 'frame' && e.headers) {
    const path = e.headers.find(([name]) => name === ':path');
    if (path && !group.method) nameCall(group, path[1]);
  }

  while (rows.length > maxRows()) forget(rows.shift()!);
}

function forget(row: Row): void {
  row.el.remove();
  const e = row.event;
  if (e.kind === 'message') messages.delete(messageKey(e.conn, e.stream, e.dir, e.index));
  if (row.key && lastRows.get(row.key) === row) lastRows.delete(row.key);
  let chosen = false;
  if (--row.group.count === 0) {
    row.group.el.remove();
    chosen = row.group.option?.selected === true;
    row.group.option?.remove();
    groups.delete(row.group.key);
    if (lastGroup === row.group) lastGroup = undefined;
  }
  // A connection's last event is its close: then no row of it is left.
  const connection = connections.get(e.conn);
  if (e.kind === 'connection' && e.type === 'close' && connection) {
    chosen ||= connection.option.selected;
    connection.option.remove();
    connections.delete(e.conn);
  }
  if (chosen) refilter(); // what the filter showed is gone: it shows all again
}

const messageKey = (conn: number, stream: number, dir: Direction, index: number) => `${conn}:${stream}:${dir}:${index}`;

// ---- sections: one per call, one per connection (stream 0) ----

function groupFor(e: TapEvent): Group {
  const stream = e.stream ?? 0;
  if (stream !== 0) return groups.get(`${e.conn}:${stream}`) ?? openGroup(e.conn, stream);
  // The connection's own traffic (stream 0, its opening and closing) where it came between the calls.
  if (lastGroup && lastGroup.stream === 0 && lastGroup.conn === e.conn) return lastGroup;
  return openGroup(e.conn, 0);
}

function openGroup(conn: number, stream: number): Group {
  const key = stream === 0 ? `${conn}:0:${++connectionSections}` : `${conn}:${stream}`;
  const colour = stream === 0 ? 'var(--conn-colour)' : `hsl(${(210 + colours++ * 137.508) % 360} 60% 40%)`;
  const title = element(
    'span',
    { class: 'group-title' },
    stream === 0 ? `#${conn} connection` : `#${conn} stream ${stream}`,
  );
  const summary = element('span', { class: 'group-summary' });
  const body = element('div', { class: 'group-body' });
  const el = element('section', { class: stream === 0 ? 'group connection' : 'group call' }, [
    element('h2', {}, [title, summary]),
    body,
  ]);
  el.style.setProperty('--stream-colour', colour);
  const group: Group = { key, el, body, title, summary, conn, stream, count: 0, method: undefined, option: undefined };
  if (stream !== 0) {
    group.option = element('option', { value: key }, `#${conn} stream ${stream}`);
    callFilter.append(group.option);
  }
  groups.set(key, group);
  lastGroup = group;
  diagram.append(el);
  applyFilters(group);
  return group;
}

function nameCall(group: Group, method: string): void {
  group.method = method;
  if (group.stream === 0) return;
  group.title.textContent = `#${group.conn} stream ${group.stream} ${method}`;
  group.option!.textContent = `#${group.conn} stream ${group.stream} ${method}`;
}

function addConnection(e: ConnectionEvent, group: Group): void {
  if (connections.has(e.conn)) return;
  const option = element('option', { value: String(e.conn) }, `#${e.conn} from ${e.client ?? '?'}`);
  connFilter.append(option);
  connections.set(e.conn, { option });
  group.summary.textContent = ` from ${e.client ?? '?'} to ${e.upstream ?? '?'}`;
}

// ---- filters ----

function applyFilters(group: Group): void {
  const conn = connFilter.value;
  const call = callFilter.value;
  group.el.hidden = (conn !== '' && String(group.conn) !== conn) || (call !== '' && group.key !== call);
}

function refilter(): void {
  for (const group of groups.values()) applyFilters(group);
}

connFilter.addEventListener('change', refilter);
callFilter.addEventListener('change', refilter);
hideControl.addEventListener('change', () => document.body.classList.toggle('hide-control', hideControl.checked));

// ---- drawing a row ----

function rowElement(e: TapEvent): HTMLElement {
  const classes = ['row', `kind-${e.kind}`];
  if (e.dir) classes.push(`dir-${e.dir}`);
  if (e.kind === 'frame') {
    classes.push(`type-${e.type}`);
    if (CONTROL_FRAMES.has(e.type)) classes.push('control');
  }
  const directed = e.dir !== undefined && (e.kind === 'frame' || e.kind === 'message' || e.kind === 'connection');
  const label = element('span', { class: 'label' }, headline(e));
  const what = directed ? element('div', { class: 'arrow' }, [label]) : element('div', { class: 'note-box' }, [label]);
  return element('div', { class: classes.join(' '), tabindex: '0', role: 'button' }, [
    element('span', { class: 't' }, e.t.toFixed(3)),
    what,
  ]);
}

/** The row's one line: what the event is, in a few words. */
function headline(e: TapEvent): Child[] {
  switch (e.kind) {
    case 'frame':
      return frameHeadline(e);
    case 'message': {
      const type = e.messageType ? e.messageType.split('.').pop()! : 'no schema';
      return [element('b', {}, `message ${e.index}`), ` ${type} `, element('code', {}, messageLines(e).join(' '))];
    }
    case 'call':
      return [
        element('b', {}, 'call '),
        `${e.method ?? '(no :path)'} → `,
        element('span', { class: e.status === 0 ? 'ok' : 'bad' }, statusText(e)),
        e.statusMessage ? ` "${e.statusMessage}"` : '',
        `, ${callCounts(e)}`,
      ];
    case 'connection':
      return [connectionText(e)];
    case 'warning':
    case 'error':
      return [
        element('b', {}, e.kind === 'error' && e.fatal ? 'error (undecodable from here) ' : `${e.kind} `),
        e.note,
        element('span', { class: 'rule' }, ` ${ruleText(e)}`),
      ];
    case 'fault':
      return [element('b', {}, 'the tap: '), faultText(e), element('span', { class: 'rule' }, ` [${e.fault}]`)];
  }
}

function frameHeadline(e: FrameEvent): Child[] {
  const parts: Child[] = [element('b', {}, frameTypeName(e))];
  if (e.flags.length > 0) parts.push(element('span', { class: 'flags' }, ` [${e.flags.join(' ')}]`));
  parts.push(` ${frameWhat(e)}`);
  return parts;
}

/** A frame's gist, for its row. */
function frameWhat(e: FrameEvent): string {
  if (e.headers && e.headerBlock) return headersWhat(e, e.headers, e.headerBlock);
  switch (e.type) {
    case 'DATA': {
      const segs = e.segments ?? [];
      if (segs.length === 0) return byteCount(e.length);
      const first = segs[0].message;
      const last = segs[segs.length - 1].message;
      return `${byteCount(e.length)}: message${first === last ? ` ${first}` : `s ${first}–${last}`}`;
    }
    case 'SETTINGS':
      return e.flags.includes('ACK') ? '' : (e.settings ?? []).map(([n, v]) => `${n}=${v}`).join(' ');
    case 'WINDOW_UPDATE':
      return `+${e.windowIncrement}`;
    case 'PING':
      return e.opaque ?? '';
    case 'RST_STREAM':
      return e.errorCode ?? '';
    case 'GOAWAY':
      return `${e.errorCode ?? ''}, last stream ${e.lastStreamId}`;
    default:
      return byteCount(e.length);
  }
}

/** What the header block is on its stream, as the tap read it (events.ts HeaderBlockKind), and its main fields. */
function headersWhat(
  e: FrameEvent,
  headers: NonNullable<FrameEvent['headers']>,
  block: NonNullable<FrameEvent['headerBlock']>,
): string {
  const value = (name: string) => headers.find(([n]) => n === name)?.[1];
  const get = (name: string) => value(name) ?? `(no ${name})`;
  const grpcStatus = value('grpc-status');
  const status =
    grpcStatus === undefined
      ? 'no grpc-status'
      : `grpc-status ${grpcStatus}${block.statusName ? ` ${block.statusName}` : ''}`;
  switch (block.kind) {
    case 'request':
      return `request: ${get(':method')} ${get(':path')}`;
    case 'response':
      return `response headers: :status ${get(':status')}`;
    case 'trailers':
      return `trailers: ${status}`;
    case 'trailers-only':
      return `Trailers-Only: :status ${get(':status')}, ${status}`;
    case 'push-promise':
      return `promised request: ${get(':method')} ${get(':path')}`;
    case 'unexpected': // the stream had no place for it, and the warning about it says why
      return `unexpected header block: ${e.headers!.length} field${e.headers!.length === 1 ? '' : 's'}`;
  }
}

// ---- the details panel ----

// One listener of each for all the rows (there may be 10,000): the row is the one the click or the
// key press happened in.
diagram.addEventListener('click', (event) => {
  const row = rowAt(event.target);
  if (row) select(row);
});
diagram.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const row = rowAt(event.target);
  if (!row) return;
  event.preventDefault();
  select(row);
});

function rowAt(target: EventTarget | null): Row | undefined {
  const el = target instanceof Element ? target.closest('.row') : null;
  return el ? rowsByElement.get(el) : undefined;
}

function select(row: Row): void {
  selected?.el.classList.remove('selected');
  selected = row;
  row.el.classList.add('selected');
  showDetails(row);
}

function showDetails(row: Row | undefined): void {
  if (!row) {
    selected = undefined;
    detailsPanel.replaceChildren(element('p', { class: 'hint' }, 'Click a row to see its details.'));
    return;
  }
  const e = row.event;
  const where = [`t = ${e.t.toFixed(3)} ms`, `connection #${e.conn}`];
  if (e.stream !== undefined) where.push(`stream ${e.stream}`);
  if (e.dir) where.push(e.dir === 'c2s' ? 'client → server' : 'server → client');
  const parts: Child[] = [element('h2', {}, title(e)), element('p', { class: 'where' }, where.join(' · '))];
  if (e.note && e.kind !== 'warning' && e.kind !== 'error')
    parts.push(element('p', { class: 'rule-note' }, `↳ ${e.note}`));
  parts.push(...body(e));
  for (const w of row.warnings) {
    parts.push(
      element('p', { class: `warning-note ${w.kind}` }, [element('b', {}, `${w.kind}: `), w.note, ` ${ruleText(w)}`]),
    );
  }
  parts.push(
    element('details', { class: 'raw' }, [
      element('summary', {}, 'the event as JSON'),
      element('pre', {}, JSON.stringify(e, null, 2)),
    ]),
  );
  detailsPanel.replaceChildren(...parts);
}

function title(e: TapEvent): string {
  switch (e.kind) {
    case 'frame':
      return `${frameTypeName(e)} frame`;
    case 'message':
      return `message ${e.index}${e.messageType ? ` ${e.messageType}` : ''}`;
    case 'call':
      return `call ${e.method ?? '(no :path)'}`;
    case 'connection':
      return `connection ${e.type}`;
    case 'warning':
    case 'error':
      return `${e.kind}: ${e.rule}`;
    case 'fault':
      return `the tap's fault ${e.fault}: ${faultText(e)}`;
  }
}

function body(e: TapEvent): Child[] {
  switch (e.kind) {
    case 'frame':
      return frameBody(e);
    case 'message':
      return messageBody(e);
    case 'call':
      return [callBody(e)];
    case 'connection':
      return [
        fields([
          ['client', e.client],
          ['upstream', e.upstream],
          [
            'TLS from the client',
            e.tls?.client && `${e.tls.client.protocol}, ${e.tls.client.cipher}, ALPN ${String(e.tls.client.alpn)}`,
          ],
          [
            'TLS to the server',
            e.tls?.upstream &&
              `${e.tls.upstream.protocol}, ${e.tls.upstream.cipher}, ALPN ${String(e.tls.upstream.alpn)}`,
          ],
          ['bytes relayed', e.bytes && `${e.bytes.c2s} client → server, ${e.bytes.s2c} server → client`],
          ['reason', e.reason],
        ]),
      ];
    case 'warning':
    case 'error':
      return [
        element('p', { class: `warning-note ${e.kind}` }, e.note),
        fields([
          ['rule', e.rule],
          ['offset', e.kind === 'error' ? e.offset : undefined],
          [
            'fatal',
            e.kind === 'error' && e.fatal
              ? 'yes: the connection is undecodable from here, its bytes flow on unread'
              : undefined,
          ],
        ]),
      ];
    case 'fault':
      return [
        element('p', { class: 'warning-note fault' }, e.note),
        fields([
          ['was', e.was],
          ['round trip', e.rttMs === undefined ? undefined : `${e.rttMs} ms`],
        ]),
        ...(e.frame && 'kind' in e.frame ? frameBody(e.frame) : []),
      ];
  }
}

function callBody(e: CallEvent): HTMLElement {
  return fields([
    ['status', statusText(e)],
    ['grpc-message', e.statusMessage],
    ['ended by', e.end],
    ['messages', `${e.messages.c2s} client → server, ${e.messages.s2c} server → client`],
    ['DATA bytes', `${e.wireBytes.c2s} →, ${e.wireBytes.s2c} ←`],
    ['message bytes', `${e.messageBytes.c2s} →, ${e.messageBytes.s2c} ←`],
    ['duration', `${e.durationMs.toFixed(3)} ms`],
  ]);
}

function frameBody(e: FrameEvent): Child[] {
  const out: Child[] = [
    fields([
      ['type', frameTypeName(e)],
      ['flags', e.flags.length > 0 ? e.flags.join(' ') : 'none'],
      ['payload length', byteCount(e.length)],
      ['offset', `${e.offset} (of the frame header, in this direction's bytes)`],
      ...frameFields(e),
    ]),
  ];
  if (e.settings) {
    out.push(
      table(
        ['setting', 'value'],
        e.settings.map(([name, value]) => [name, String(value)]),
      ),
    );
  }
  if (e.headers) {
    out.push(element('h3', {}, 'header fields (HPACK)'));
    out.push(table(['name', 'value', 'representation'], e.headers, 'headers'));
    if (e.headerBlock) out.push(element('p', { class: 'aside' }, hpackBlockSummary(e.headerBlock)));
  }
  if (e.segments && e.segments.length > 0) {
    out.push(element('h3', {}, 'gRPC messages in this frame'));
    out.push(
      element(
        'div',
        { class: 'segments' },
        e.segments.map((s) => segmentBlock(e, s)),
      ),
    );
  }
  if (e.raw) out.push(element('h3', {}, "the frame's bytes"), bytesTable(e.raw));
  return out;
}

/** The hex view: offset, bytes, and what they are, each part one step further in. */
function bytesTable(raw: RawBytes): HTMLElement {
  return element(
    'table',
    { class: 'bytes' },
    element(
      'tbody',
      {},
      hexRows(raw).map((r) => {
        const what = element('td', { class: 'what' }, r.what);
        what.style.paddingLeft = `${0.4 + 1.1 * r.depth}em`;
        return element('tr', { class: r.hex ? 'leaf' : 'group' }, [
          element('td', { class: 'at' }, hexOffset(r.at)),
          element('td', { class: 'hex-bytes' }, r.hex),
          what,
        ]);
      }),
    ),
  );
}

function segmentBlock(frame: FrameEvent, s: DataSegment): HTMLElement {
  const m = messages.get(messageKey(frame.conn, frame.stream, frame.dir, s.message));
  const lines: Child[] = [element('p', {}, segmentText(s))];
  if (s.part === 'whole' || s.part === 'start') {
    if (m) {
      const inFrame = s.bytes < 5 ? ` (${s.bytes} of its 5 bytes in this frame)` : '';
      lines.push(prefixLine(m, inFrame));
    } else {
      lines.push(element('p', { class: 'aside' }, 'prefix: the message is not complete yet'));
    }
  }
  if (m) lines.push(element('pre', { class: 'message' }, messageLines(m).join('\n')));
  return element('div', { class: 'segment' }, lines);
}

/** The 5-byte prefix as on the wire: Compressed-Flag, then the 4-byte big-endian Message-Length. */
function prefixLine(m: MessageEvent, extra = ''): HTMLElement {
  return element('p', { class: 'prefix' }, [
    'prefix ',
    element('code', { class: 'hex' }, prefixBytes(m.prefix)),
    ` — ${prefixFields(m.prefix)}${extra}`,
  ]);
}

function messageBody(e: MessageEvent): Child[] {
  const bytes = e.raw ? [element('h3', {}, "the message's bytes"), bytesTable(e.raw)] : [];
  return [
    prefixLine(e),
    fields([
      ['method', e.method ?? '(no :path)'],
      ['message type', e.messageType],
      ['schema', schemaText(e)],
      ['DATA frames', e.frames],
      ['body', messageSize(e)],
    ]),
    element('pre', { class: 'message' }, messageLines(e, 2).join('\n')),
    ...bytes,
  ];
}

// ---- small DOM helpers: text only ----

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page.html has no #${id}`);
  return el as T;
}

/** An element with attributes and children; strings become text nodes (never parsed as HTML). */
function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: Child | Child[] = [],
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.append(...(Array.isArray(children) ? children : [children]));
  return el;
}

/** A definition list of the pairs that have a value. */
function fields(pairs: [name: string, value: string | number | false | null | undefined][]): HTMLElement {
  const dl = element('dl');
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    dl.append(element('dt', {}, name), element('dd', {}, String(value)));
  }
  return dl;
}

function table(head: string[], body: string[][], className = ''): HTMLElement {
  return element('table', { class: className }, [
    element(
      'thead',
      {},
      element(
        'tr',
        {},
        head.map((h) => element('th', {}, h)),
      ),
    ),
    element(
      'tbody',
      {},
      body.map((cells) =>
        element(
          'tr',
          {},
          cells.map((c) => element('td', {}, c)),
        ),
      ),
    ),
  ]);
}
