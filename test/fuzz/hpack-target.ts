// Fuzz target "hpack": differential decoding of header blocks. One client connection carries a few
// requests whose header blocks are random (every HPACK representation, Huffman or not, the dynamic
// table in use), recorded, or mutated (hostile representations, flipped bits, size updates, blocks
// split over CONTINUATION frames or breaking their rules, padding and priority). The same bytes go
// to the tap's decoder (src/wire/connection.ts over src/wire/h2/ and src/wire/hpack/) and, over a
// raw socket, to a node:http2 server (nghttp2) that reports the header list of each stream it
// accepts. Block by block, the two must agree: the same header list where node accepts the stream,
// and the same block where node ends the connection (GOAWAY) and the tap stops decoding.
//
// Where they may differ by design, each difference is one rule, named where it is checked:
// - after HPACK, nghttp2 applies HTTP's rules to a request (RFC 9113 §8.2, §8.3): it drops fields
//   with characters §8.2.1 does not allow and resets malformed requests. nghttp2-request.ts says
//   what it makes of the list the tap decoded, and node's list must be exactly that.
// - nghttp2 ends the connection over what the tap, a reader that shows everything, reads on
//   (`nodeOnlyLimit`): a frame above SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2, FRAME_SIZE_ERROR), a
//   stream that depends on itself (§5.3.1), a header block in more than 8 CONTINUATION frames (its
//   defence against the CONTINUATION flood), a name or value over 65,536 octets (its limit on
//   what RFC 7541 §5.2 leaves open; COMPRESSION_ERROR).

import { ConnectionDecoder } from '../../src/wire/connection.js';
import type { TapEvent } from '../../src/wire/events.js';
import type { Rng } from '../helpers/rng.js';
import {
  CONTINUATION,
  DEFAULT_MAX_FRAME_SIZE,
  END_HEADERS,
  END_STREAM,
  frame,
  FRAME_HEADER_SIZE,
  HEADERS,
  PING,
  PREFACE,
  PRIORITY_FLAG,
  SETTINGS,
  view,
  type Piece,
} from './frames.js';
import { blockFrames, findBlocks } from './header-blocks.js';
import { EncoderTable, encodeBlock, type Field } from './hpack-blocks.js';
import type { FuzzConnection, FuzzInput } from './input.js';
import { HPACK_MUTATORS } from './mutate-hpack.js';
import type { Direction } from './mutator.js';
import { loadRecordings, samples } from './recordings.js';
import { nghttp2Request, type Pairs } from './nghttp2-request.js';
import { nodeDecoder, ping, type NodeVerdict } from './node-decoder.js';
import type { Target, TargetSession } from './runner.js';

/** nghttp2's limit on a header name or value (NGHTTP2_HD_MAX_NV). */
const NGHTTP2_MAX_STRING = 65_536;
/** nghttp2's limit on CONTINUATION frames in one header block. */
const NGHTTP2_MAX_CONTINUATIONS = 8;

/** The mutators that keep stream identifiers as they are (node refuses reused or decreasing ones at once). */
const MUTATORS = HPACK_MUTATORS.filter((m) => m.name !== 'new header block');

/** Recorded request header blocks, in their connections' order (they refer to each other's table entries). */
const RECORDED: Buffer[][] = samples(loadRecordings()).map((s) =>
  findBlocks(s.c2s)
    .filter((b) => b.opener.type === HEADERS)
    .map((b) => b.fragment),
);

const TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&'*+^`|~";
const KNOWN_NAMES = [
  'content-type',
  'grpc-timeout',
  'grpc-encoding',
  'user-agent',
  'te',
  'accept-encoding',
  'x-md-bin',
  'cookie',
  'content-length',
  'host',
];

function randomName(rng: Rng): string {
  if (rng.chance(0.3)) return rng.pick(KNOWN_NAMES);
  let name = Array.from({ length: rng.between(1, 20) }, () => rng.pick([...TOKEN])).join('');
  // Now and then a name RFC 9113 §8.2.1 does not allow.
  if (rng.chance(0.05)) name = rng.pick(['', 'Upper', 'sp ace', 'co:lon', 'nul\0', 'h\u00e9', ':pseudo', 'connection']);
  return name;
}

function randomValue(rng: Rng): string {
  const length = rng.weighted([
    [20, rng.int(30)],
    [3, rng.between(30, 300)],
    [1, rng.between(300, 5000)],
  ]);
  let value = Array.from({ length }, () => String.fromCharCode(rng.between(0x20, 0x7e))).join('');
  // Now and then octets a field value may not hold (§8.2.1), or may (obs-text, 0x80–0xff).
  if (rng.chance(0.05))
    value = rng.pick([' lead', 'trail ', 'n\0l', 'c\rr', 'l\nf', '\t', 'h\u00e9\u00ff', '\u0080']) + value;
  return value;
}

/** A request: the four pseudo-headers, then fields of any kind. */
function requestFields(rng: Rng): Field[] {
  const fields: Field[] = [
    [':method', rng.pick(['POST', 'GET'])],
    [':scheme', 'http'],
    [':path', rng.pick(['/routeguide.RouteGuide/GetFeature', '/', `/${randomValue(rng).replace(/[^a-z]/g, '')}`])],
    [':authority', '127.0.0.1'],
  ];
  for (
    let n = rng.weighted([
      [10, rng.int(6)],
      [2, rng.between(6, 40)],
      [1, rng.between(40, 300)],
    ]);
    n > 0;
    n--
  )
    fields.push([randomName(rng), randomValue(rng)]);
  if (rng.chance(0.03)) fields.push([':path', '/again']);
  if (rng.chance(0.03)) fields.unshift(fields.splice(rng.int(fields.length), 1)[0]);
  return fields;
}

function generate(rng: Rng): FuzzInput {
  const table = new EncoderTable();
  const blocks: Buffer[] = [];
  const notes: string[] = [];
  if (rng.chance(0.2)) {
    const recorded = rng.pick(RECORDED.filter((r) => r.length > 0));
    blocks.push(...recorded);
    notes.push(`${recorded.length} recorded request blocks`);
  } else {
    for (let n = rng.between(1, 8); n > 0; n--) blocks.push(encodeBlock(rng, table, requestFields(rng)));
    notes.push(`${blocks.length} random request blocks`);
  }
  const d: Direction = {
    clientSide: true,
    pieces: [
      { bytes: PREFACE, stream: 0 },
      { bytes: frame(SETTINGS, 0, 0), stream: 0 },
      ...blocks.map((block, i) => {
        const stream = 2 * i + 1;
        return { bytes: frame(HEADERS, END_STREAM | END_HEADERS, stream, block), stream };
      }),
    ],
  };
  for (
    let n = rng.weighted([
      [3, 0],
      [4, 1],
      [2, 2],
    ]);
    n > 0;
    n--
  ) {
    const mutator = rng.pick(MUTATORS);
    const what = mutator.apply(rng, d);
    if (what !== undefined) notes.push(`${mutator.name}: ${what}`);
  }
  // Split big blocks as a sender must (SETTINGS_MAX_FRAME_SIZE), unless a mutator already framed them.
  for (const block of findBlocks(d.pieces).reverse()) {
    if (block.pieces.length === 1 && block.fragment.length > 16_384) {
      d.pieces.splice(
        block.pieces[0],
        1,
        ...blockFrames(block.opener, block.fragment).map((bytes) => ({ bytes, stream: block.opener.streamId })),
      );
    }
  }
  // A PING after every frame that ends a header block, and at the end: node reads each block apart
  // (so that the requests it accepted are known even when a later block ends the connection).
  let pings = 0;
  d.pieces = d.pieces.flatMap((p) => {
    const f = view(p);
    const endsBlock = f && (f.type === HEADERS || f.type === CONTINUATION) && f.flags & END_HEADERS;
    return endsBlock ? [p, { bytes: ping(++pings), stream: 0 }] : [p];
  });
  d.pieces.push({ bytes: ping(++pings), stream: 0 });
  return { connections: [{ c2s: d.pieces, pace: rng.int(2 ** 32), end: 'close' }], notes: [notes.join('; ')] };
}

// ---- the two decoders ----

/** What the tap made of each header block: its list by stream, and the first fatal error. */
function tapDecode(bytes: Buffer): {
  lists: Map<number, Pairs>;
  fatal?: { stream?: number; note: string };
  bug?: string;
} {
  const lists = new Map<number, Pairs>();
  let fatal: { stream?: number; note: string } | undefined;
  let bug: string | undefined;
  const decoder = new ConnectionDecoder({
    conn: 1,
    clock: () => 0,
    maxBody: 0,
    emit(event: TapEvent) {
      if (event.kind === 'frame' && event.headers && !lists.has(event.stream))
        lists.set(
          event.stream,
          event.headers.map(([name, value]) => [name, value]),
        );
      if (event.kind === 'error' && event.rule === 'tap') bug = event.note;
      if (event.kind === 'error' && event.fatal) fatal ??= { stream: event.stream, note: event.note };
    },
  });
  decoder.feed('c2s', bytes);
  decoder.close();
  return { lists, fatal, bug };
}

/** Why node may end the connection over a block the tap decoded, when a rule only node enforces explains it. */
function nodeOnlyLimit(
  fields: Pairs | undefined,
  block: { continuations: number; selfDependent: boolean; oversize: boolean },
): string | undefined {
  if (block.continuations > NGHTTP2_MAX_CONTINUATIONS) return `a block in ${block.continuations} CONTINUATION frames`;
  if (block.oversize) return 'a frame above SETTINGS_MAX_FRAME_SIZE (RFC 9113 §4.2)';
  if (block.selfDependent) return 'a stream that depends on itself (RFC 9113 §5.3.1)';
  const long = fields?.find(([n, v]) => n.length > NGHTTP2_MAX_STRING || v.length > NGHTTP2_MAX_STRING);
  return long ? `a field of more than ${NGHTTP2_MAX_STRING} octets` : undefined;
}

/** The header blocks as sent: each stream's block, in order, with what node's rules look at. */
function sentBlocks(pieces: Piece[]) {
  return findBlocks(pieces)
    .filter((b) => b.opener.type === HEADERS)
    .map((b) => {
      const f = b.opener;
      const priority = f.flags & PRIORITY_FLAG ? f.payload.subarray(f.flags & 0x8 ? 1 : 0) : undefined;
      const dependency = priority && priority.length >= 4 ? priority.readUInt32BE(0) & 0x7fffffff : undefined;
      return {
        stream: f.streamId,
        continuations: b.pieces.length - 1,
        selfDependent: dependency === f.streamId,
        oversize: b.pieces.some((p) => pieces[p].bytes.length - FRAME_HEADER_SIZE > DEFAULT_MAX_FRAME_SIZE),
        /** The number of the PING that follows the block: node acknowledges it only if it read the block and went on. */
        pingAfter: pieces.slice(0, b.pieces[b.pieces.length - 1]).filter((p) => view(p)?.type === PING).length + 1,
      };
    });
}

/** How the blocks compared, over a run: so that a run that compared nothing shows it. */
const tally = { sameList: 0, bothReset: 0, bothStopped: 0, nodeOnly: 0 };

/** Block by block: where the two decoders disagree, or undefined. */
function compare(pieces: Piece[], tap: ReturnType<typeof tapDecode>, node: NodeVerdict): string | undefined {
  if (tap.bug) return `the tap's decoder failed: ${tap.bug}`;
  if (!node.pinged && !node.goaway) return 'node:http2 neither answered the PING nor ended the connection';
  for (const block of sentBlocks(pieces)) {
    const { stream } = block;
    const tapList = tap.lists.get(stream);
    const nodeList = node.lists.get(stream);
    const reset = node.resets.get(stream);
    const tapStopped = tapList === undefined && tap.fatal !== undefined;
    // What nghttp2's HTTP rules make of the list the tap decoded (nghttp2-request.ts).
    const expected =
      tapList && (block.selfDependent ? { reset: 'a stream that depends on itself' } : nghttp2Request(tapList));
    if (nodeList) {
      if (!tapList || !expected)
        return `stream ${stream}: node accepted the block, the tap did not (${tap.fatal?.note ?? 'no list'})`;
      if (!('list' in expected))
        return `stream ${stream}: node accepted a request nghttp2's rules refuse (${expected.reset}): ${JSON.stringify(tapList).slice(0, 300)}`;
      if (JSON.stringify(nodeList) !== JSON.stringify(expected.list))
        return `stream ${stream}: header lists differ: node ${JSON.stringify(nodeList).slice(0, 300)}, tap ${JSON.stringify(tapList).slice(0, 300)}`;
      tally.sameList++;
      continue;
    }
    // Node ended the connection at this block (or before it): the PING after it never came back.
    const endedHere = node.goaway !== undefined && node.acked < block.pingAfter;
    if (tapStopped) {
      // (A RST_STREAM may come first, for a field node read before the error in the same block.)
      if (!endedHere)
        return `stream ${stream}: the tap stopped at this block (${tap.fatal?.note}), node did not end the connection here`;
      tally.bothStopped++;
      return undefined;
    }
    if (reset !== undefined) {
      // A stream error: the block decoded (the connection goes on); node refused the request itself.
      if (!tapList || !expected)
        return `stream ${stream}: node decoded the block (RST_STREAM ${reset}), the tap did not (${tap.fatal?.note ?? 'no list'})`;
      if ('list' in expected)
        return `stream ${stream}: node reset the stream (code ${reset}) but the request breaks no rule of nghttp2's: ${JSON.stringify(tapList).slice(0, 300)}`;
      tally.bothReset++;
      continue;
    }
    // Node never showed this stream: it ended the connection here or before.
    if (!node.goaway)
      return `stream ${stream}: node neither accepted nor reset the stream, and did not end the connection`;
    const limit = nodeOnlyLimit(tapList, block);
    if (limit !== undefined) {
      tally.nodeOnly++;
      return undefined; // a rule only node enforces; the tap reads on (see the top of this file)
    }
    return `stream ${stream}: node ended the connection (GOAWAY code ${node.goaway.code}) at this block, the tap decoded it: ${JSON.stringify(tapList).slice(0, 300)}`;
  }
  // Every block compared. The tap may have stopped after the last one (a broken frame there); node must have too.
  if (tap.fatal && !node.goaway) return `the tap stopped (${tap.fatal.note}), node did not end the connection`;
  return undefined;
}

async function startSession(): Promise<TargetSession> {
  const node = await nodeDecoder();
  let blocks = 0;
  let goaways = 0;
  const runOne = async (c: FuzzConnection): Promise<string | undefined> => {
    const pieces = c.c2s ?? [];
    const bytes = Buffer.concat(pieces.map((p) => p.bytes));
    const tap = tapDecode(bytes);
    const verdict = await node.decode(pieces);
    blocks += sentBlocks(pieces).length;
    if (verdict.goaway) goaways++;
    return compare(pieces, tap, verdict);
  };
  return {
    async run(input) {
      const found = await Promise.all(input.connections.map(runOne));
      return found.find((f) => f !== undefined);
    },
    check: async () => undefined,
    stats: () =>
      `${blocks} header blocks: ${tally.sameList} lists the same, ${tally.bothReset} requests both refuse, ` +
      `${tally.bothStopped} where both stop, ${tally.nodeOnly} stopped by a rule only node has; ${goaways} connections ended by node`,
    close: () => node.close(),
  };
}

export const hpackTarget: Target = { name: 'hpack', batch: 8, generate, start: startSession };
