// The web view's fault panel, its server side: what the page may ask of the tap's fault injector
// (src/wire/fault/injector.ts) while traffic flows — docs/faults-guide.md, "From the web view".
//
//   GET  /faults        {"enabled":true,"seed":N,"faults":[SPEC…],"connections":[N…]}, or {"enabled":false}
//   POST /faults        {"spec":"SPEC","next":true}   the fault for the next call that matches it
//                       (max=1), or with "next":false from now on; 400 names the bad part of SPEC
//   POST /faults/act    {"action":"goaway"|"ping","conn":N} or {"action":"rst-stream","conn":N,"stream":M}
//
// A POST changes live traffic, so it is taken only as a browser sends it from the page itself: a
// JSON body (which a page of another site cannot send here without a CORS preflight this server never
// allows) and, when the browser names an Origin, the page's own.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ActNow, FaultInjector } from '../fault/injector.js';
import { parseFault } from '../fault/spec.js';

/** A request body larger than this is refused: a SPEC is a line. */
const MAX_BODY = 16 * 1024;

/** What the page is told when the tap runs without a fault injector. */
const FAULTS_OFF =
  'faults are off: start the tap with --fault SPEC, --faults FILE or --fault-headers to inject faults from here';

export type FaultRoute = '/faults' | '/faults/act';

export function isFaultRoute(path: string): path is FaultRoute {
  return path === '/faults' || path === '/faults/act';
}

/** Answers a request for one of the fault routes; `faults` is undefined when the tap has none. */
export function answerFaultRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: FaultRoute,
  faults: FaultInjector | undefined,
  headers: Record<string, string>,
): void {
  const reply = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  if (path === '/faults' && (req.method === 'GET' || req.method === 'HEAD'))
    return reply(200, faults ? stateOf(faults) : { enabled: false, reason: FAULTS_OFF });
  if (req.method !== 'POST') {
    res.setHeader('allow', path === '/faults' ? 'GET, HEAD, POST' : 'POST');
    return reply(405, { error: `${req.method ?? ''} is not taken here` });
  }
  const refused = postRefusal(req);
  if (refused) return reply(refused.status, { error: refused.error });
  readJson(req, (body) => {
    if ('error' in body) return reply(body.status, { error: body.error });
    if (!faults) return reply(409, { error: FAULTS_OFF });
    const answer = path === '/faults' ? addFault(faults, body.value) : actNow(faults, body.value);
    reply(answer.status, answer.body);
  });
}

function stateOf(faults: FaultInjector) {
  return {
    enabled: true,
    seed: faults.seed,
    headerFaults: faults.headerFaults,
    faults: faults.specs.map((spec) => spec.label),
    connections: faults.connections,
  };
}

type Answer = { status: number; body: unknown };

function addFault(faults: FaultInjector, body: unknown): Answer {
  const { spec, next } = (body ?? {}) as { spec?: unknown; next?: unknown };
  if (typeof spec !== 'string' || spec.trim() === '')
    return { status: 400, body: { error: 'a "spec" (a --fault SPEC) is wanted' } };
  if (next !== undefined && typeof next !== 'boolean')
    return { status: 400, body: { error: '"next" is true (the next call only) or false (from now on)' } };
  const parsed = parseFault(spec.trim());
  if ('error' in parsed) return { status: 400, body: { error: `"${spec}": ${parsed.error}` } };
  const once = next !== false;
  const added = parsed.specs.map((s) => ({
    ...s,
    label: `web view: ${s.label}${once ? ' (next call)' : ''}`,
    ...(once ? { max: 1 } : {}),
  }));
  for (const s of added) faults.add(s);
  return { status: 200, body: { added: added.map((s) => s.label) } };
}

function actNow(faults: FaultInjector, body: unknown): Answer {
  const { action, conn, stream } = (body ?? {}) as { action?: unknown; conn?: unknown; stream?: unknown };
  const id = (value: unknown) => (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : 0);
  if (!id(conn)) return { status: 400, body: { error: '"conn" (a connection number) is wanted' } };
  let request: ActNow;
  switch (action) {
    case 'goaway':
    case 'ping':
      request = { kind: action, conn: id(conn) };
      break;
    case 'rst-stream':
      if (!id(stream) || id(stream) % 2 === 0)
        return { status: 400, body: { error: '"stream" (the odd id of a call\'s stream) is wanted' } };
      request = { kind: action, conn: id(conn), stream: id(stream) };
      break;
    default:
      return { status: 400, body: { error: '"action" is goaway, ping or rst-stream' } };
  }
  if (!faults.act(request))
    return {
      status: 404,
      body: {
        error: `connection ${id(conn)}${request.kind === 'rst-stream' ? ` has no stream ${request.stream} open` : ' is not open'}`,
      },
    };
  return { status: 200, body: { done: request } };
}

/** Why a POST is not taken from whoever sent it, if it is not. */
function postRefusal(req: IncomingMessage): { status: number; error: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'a JSON body (content-type: application/json)' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`)
    return { status: 403, error: 'only the web view itself may change faults' };
  return undefined;
}

function readJson(
  req: IncomingMessage,
  done: (body: { value: unknown } | { status: number; error: string }) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) over = true;
    else chunks.push(chunk);
  });
  req.on('error', () => {}); // the answer's socket goes with it
  req.on('end', () => {
    if (over) return done({ status: 413, error: `a body of at most ${MAX_BODY} bytes` });
    try {
      done({ value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
    } catch (error) {
      done({ status: 400, error: `not JSON: ${(error as Error).message}` });
    }
  });
}
