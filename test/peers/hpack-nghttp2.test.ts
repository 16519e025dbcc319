// The HPACK decoder against a real encoder: node:http2 (nghttp2) Huffman-codes the header names and
// values it sends, indexes some in its dynamic table, and never indexes sensitive ones. The tests
// read its HEADERS frames straight off a raw socket — only the 9-byte frame header is parsed here,
// enough to find the header block — and decode them: every name and value must come out exactly.

import t, { type Test } from 'tap';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import {
  HpackDecoder,
  HpackError,
  STATIC_TABLE,
  describeRepresentation,
  encodeInteger,
  type HeaderBlock,
} from '../../src/wire/hpack/index.js';

// RFC 9113 §3.4 and §4.1.
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_SIZE = 9;
const TYPE_HEADERS = 0x1;
const TYPE_SETTINGS = 0x4;
const TYPE_CONTINUATION = 0x9;
const FLAG_ACK = 0x1;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;

/** Every printable ASCII character (space inside, so the value neither starts nor ends with it). */
const PRINTABLE = `<${String.fromCharCode(...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i))}>`;
/** Octets 0x80–0xff, which node:http2 sends as latin1. */
const HIGH = `<${String.fromCharCode(...Array.from({ length: 0x80 }, (_, i) => 0x80 + i))}>`;

/**
 * nghttp2 Huffman-codes a string only when that makes it shorter, which a string of rare
 * characters is not (their codes are 10 to 28 bits). So every printable and every high octet also
 * goes in a value of its own few characters between runs of 'e' (a 5-bit code): these values are
 * always sent Huffman-coded, and every octet a header value may carry passes through the real
 * encoder and our decoder.
 */
const HUFFMAN_VALUES: Record<string, string> = {};
for (const [i, chunk] of chunks(PRINTABLE + HIGH, 4).entries()) {
  HUFFMAN_VALUES[`x-huffman-${String(i).padStart(2, '0')}`] = `${'e'.repeat(32)}${chunk}${'e'.repeat(32)}`;
}

function chunks(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

function frame(type: number, flags: number, streamId: number, payload: Uint8Array = new Uint8Array(0)): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_SIZE);
  header.writeUIntBE(payload.length, 0, 3); // length, 24 bits, at 0..2
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5); // reserved bit 0, stream id at 5..8
  return Buffer.concat([header, payload]);
}

interface CapturedBlock {
  streamId: number;
  block: Buffer;
}

/**
 * Reads frames off `socket` (after the client preface when `expectPreface`), acknowledges the
 * peer's SETTINGS, and resolves with the first `count` header blocks (HEADERS plus CONTINUATION,
 * padding and priority fields removed), in the order they were sent.
 */
function captureHeaderBlocks(socket: net.Socket, count: number, expectPreface: boolean): Promise<CapturedBlock[]> {
  return new Promise((resolve, reject) => {
    const blocks: CapturedBlock[] = [];
    let buffered = Buffer.alloc(0);
    let prefaceSeen = !expectPreface;
    let pending: { streamId: number; fragments: Buffer[] } | undefined;
    const fail = (why: string) => {
      socket.off('data', onData);
      reject(new Error(why));
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!prefaceSeen) {
        if (buffered.length < PREFACE.length) return;
        if (!buffered.subarray(0, PREFACE.length).equals(PREFACE)) return fail('no client preface');
        buffered = buffered.subarray(PREFACE.length);
        prefaceSeen = true;
      }
      while (buffered.length >= FRAME_HEADER_SIZE) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < FRAME_HEADER_SIZE + length) break;
        const type = buffered[3];
        const flags = buffered[4];
        const streamId = buffered.readUInt32BE(5) & 0x7fffffff;
        let payload = buffered.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + length);
        buffered = buffered.subarray(FRAME_HEADER_SIZE + length);
        if (type === TYPE_SETTINGS && (flags & FLAG_ACK) === 0) socket.write(frame(TYPE_SETTINGS, FLAG_ACK, 0));
        if (type === TYPE_HEADERS) {
          // RFC 9113 §6.2: [Pad Length (8)] [Exclusive, Stream Dependency (32), Weight (8)] fragment [padding]
          let start = 0;
          let end = payload.length;
          if (flags & FLAG_PADDED) {
            end -= payload[0];
            start = 1;
          }
          if (flags & FLAG_PRIORITY) start += 5;
          payload = payload.subarray(start, end);
          pending = { streamId, fragments: [] };
        } else if (type !== TYPE_CONTINUATION) {
          continue;
        }
        if (pending === undefined) return fail('CONTINUATION without HEADERS');
        pending.fragments.push(Buffer.from(payload));
        if (flags & FLAG_END_HEADERS) {
          blocks.push({ streamId: pending.streamId, block: Buffer.concat(pending.fragments) });
          pending = undefined;
          if (blocks.length === count) {
            socket.off('data', onData);
            return resolve(blocks);
          }
        }
      }
    };
    socket.on('data', onData);
    socket.once('close', () => fail(`connection closed after ${blocks.length} of ${count} header blocks`));
  });
}

function decodeAll(t: Test, blocks: CapturedBlock[]): HeaderBlock[] {
  const decoder = new HpackDecoder();
  return blocks.map(({ streamId, block }) => {
    const result = decoder.decode(block);
    if (result instanceof HpackError) {
      t.fail(`stream ${streamId}: ${result.message}`);
      return { fields: [], tableSizeUpdates: [] };
    }
    return result;
  });
}

function pairs(block: HeaderBlock): Array<[string, string]> {
  return block.fields.map((f) => [f.name, f.value]);
}

function sorted(list: Array<[string, string]>): Array<[string, string]> {
  return list.slice().sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
}

/** A request header block of our own: literals without indexing (§6.2.2), static names, plain values. */
function requestBlock(path: string): Buffer {
  const out: number[] = [];
  const literal = (nameIndex: number, value: string) =>
    out.push(...encodeInteger(nameIndex, 4), ...encodeInteger(value.length, 7), ...Buffer.from(value, 'latin1'));
  literal(2, 'GET'); // :method
  literal(6, 'http'); // :scheme
  literal(4, path); // :path
  literal(1, 'localhost'); // :authority
  return Buffer.from(out);
}

t.test("a node:http2 server's response headers decode exactly", async (t) => {
  // One stream per :status of the static table (RFC 7541 Appendix A, entries 8–14).
  const statuses = [200, 204, 206, 304, 400, 404, 500];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const n = Number(String(headers[':path']).slice(1));
    stream.respond(
      {
        ':status': statuses[n],
        'x-printable': PRINTABLE,
        'x-reversed': [...PRINTABLE].reverse().join(''),
        'x-high': HIGH,
        'x-stream': `stream number ${n}`,
        'cache-control': 'private, max-age=0',
        'content-type': 'application/grpc+proto',
        etag: `"${n}"`,
        vary: 'accept-encoding',
        // The Huffman set is larger than nghttp2's 4096-octet table: only the first response carries
        // it, so that the smaller ones after it can be indexed and referred to.
        ...(n === 0 ? HUFFMAN_VALUES : {}),
      },
      { endStream: true },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  t.teardown(() => {
    socket.destroy();
    server.close();
  });
  await once(socket, 'connect');
  const captured = captureHeaderBlocks(socket, statuses.length, false);
  socket.write(
    Buffer.concat([
      PREFACE,
      frame(TYPE_SETTINGS, 0, 0),
      ...statuses.map((_, n) =>
        frame(TYPE_HEADERS, FLAG_END_STREAM | FLAG_END_HEADERS, 2 * n + 1, requestBlock(`/${n}`)),
      ),
    ]),
  );
  const blocks = await captured;
  const decoded = decodeAll(t, blocks);
  for (const [i, block] of decoded.entries()) {
    const n = (blocks[i].streamId - 1) / 2;
    const fields = pairs(block);
    const date = fields.find(([name]) => name === 'date');
    t.match(date?.[1], /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/, `stream ${n}: date`);
    t.same(
      sorted(fields.filter(([name]) => name !== 'date')),
      sorted([
        [':status', String(statuses[n])],
        ['x-printable', PRINTABLE],
        ['x-reversed', [...PRINTABLE].reverse().join('')],
        ['x-high', HIGH],
        ['x-stream', `stream number ${n}`],
        ['cache-control', 'private, max-age=0'],
        ['content-type', 'application/grpc+proto'],
        ['etag', `"${n}"`],
        ['vary', 'accept-encoding'],
        ...(n === 0 ? Object.entries(HUFFMAN_VALUES) : []),
      ]),
      `stream ${n}: every header exactly`,
    );
    t.same(
      block.fields.find((f) => f.name === ':status')?.representation,
      { kind: 'indexed', ref: { table: 'static', index: 8 + statuses.indexOf(statuses[n]) } },
      `stream ${n}: :status ${statuses[n]} is static entry ${8 + n}`,
    );
  }
  const all = decoded.flatMap((b) => b.fields);
  const representations = all.map((f) => describeRepresentation(f.representation));
  const huffmanValues = decoded[0].fields.filter((f) => f.name.startsWith('x-huffman-'));
  t.equal(huffmanValues.length, Object.keys(HUFFMAN_VALUES).length);
  t.ok(
    huffmanValues.every((f) => f.representation.kind === 'literal' && f.representation.valueHuffman),
    'every printable and high octet came Huffman-coded',
  );
  t.ok(
    all.some(
      (f) =>
        f.representation.kind === 'literal' && !('table' in f.representation.name) && f.representation.name.huffman,
    ),
    'a Huffman-coded literal name',
  );
  t.ok(
    representations.some((r) => /^indexed \(dynamic \d+\)$/.test(r)),
    'later responses refer to the dynamic table',
  );
});

t.test("a node:http2 client's request headers decode exactly", async (t) => {
  // Every name of the static table a client may send (RFC 9113 §8.2.2 forbids transfer-encoding),
  // so that each name index nghttp2 uses is checked against ours.
  const staticNames: Record<string, string> = {};
  for (const { name } of STATIC_TABLE.slice(14)) {
    if (name !== 'transfer-encoding') staticNames[name] = `value of ${name}`;
  }
  staticNames['accept-encoding'] = 'gzip, deflate'; // a whole static entry (16)
  staticNames['content-length'] = '0';
  // `host` stands in for :authority: node:http2 then sends no :authority (RFC 9113 §8.3.1 allows either).
  const first: Record<string, string> = {
    ':method': 'POST',
    ':path': '/index.html',
    ...staticNames,
    'x-printable': PRINTABLE,
    'x-high': HIGH,
    'x-secret': 'not for any table',
    ...HUFFMAN_VALUES,
  };
  // The first request fills nghttp2's 4096-octet table over and over; the second and third are
  // small, so the third can refer to what the second added.
  const second: Record<string, string> = {
    ':path': '/second?q=1',
    'x-printable': PRINTABLE,
    'x-secret': 'not for any table',
  };

  const server = net.createServer();
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  t.teardown(() => {
    session.destroy();
    server.close();
  });
  const [socket] = await accepted;
  t.teardown(() => socket.destroy());
  const captured = captureHeaderBlocks(socket, 3, true);
  socket.write(frame(TYPE_SETTINGS, 0, 0));
  for (const headers of [first, second, second]) {
    const req = session.request({ ...headers, [http2.sensitiveHeaders]: ['x-secret'] });
    req.on('error', () => {});
    req.end();
  }
  const blocks = await captured;
  const [one, two, three] = decodeAll(t, blocks);
  const authority = `127.0.0.1:${port}`;
  const expected = (headers: Record<string, string>): Array<[string, string]> => {
    const all: Record<string, string> = { ':method': 'GET', ':scheme': 'http', ...headers };
    if (headers.host === undefined) all[':authority'] = authority;
    return sorted(Object.entries(all));
  };
  t.same(sorted(pairs(one)), expected(first), 'first request: every header exactly');
  t.same(sorted(pairs(two)), expected(second), 'second request: every header exactly');
  t.same(sorted(pairs(three)), expected(second), 'third request: every header exactly');
  for (const [n, block] of [one, two, three].entries()) {
    const firstRegular = block.fields.findIndex((f) => !f.name.startsWith(':'));
    t.ok(
      block.fields.slice(firstRegular).every((f) => !f.name.startsWith(':')),
      `request ${n + 1}: pseudo-headers first (RFC 9113 §8.3)`,
    );
  }

  const describe = (block: HeaderBlock, name: string) =>
    describeRepresentation(block.fields.find((f) => f.name === name)!.representation);
  t.equal(describe(one, ':method'), 'indexed (static 3)', ':method POST');
  t.equal(describe(one, ':path'), 'indexed (static 5)', ':path /index.html');
  t.equal(describe(one, 'accept-encoding'), 'indexed (static 16)', 'accept-encoding: gzip, deflate');
  t.match(describe(one, 'x-secret'), /^literal never indexed, name literal \(Huffman\)/, 'sensitive: never indexed');
  t.match(describe(three, 'x-secret'), /^literal never indexed/, 'still never indexed');
  t.match(describe(three, 'x-printable'), /^indexed \(dynamic \d+\)$/, 'repeated header from the dynamic table');
  const kinds = new Set(
    [one, two, three]
      .flatMap((b) => b.fields)
      .map((f) => (f.representation.kind === 'indexed' ? 'indexed' : f.representation.indexing)),
  );
  t.same([...kinds].sort(), ['incremental', 'indexed', 'never', 'without'], 'all four kinds of field seen');
});
