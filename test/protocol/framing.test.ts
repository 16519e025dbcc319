// framing/: the Length-Prefixed-Message codec and message compression, one section per part — the
// prefix and envelope and the incremental decoder (envelope.ts), and compression (compression.ts).

import zlib from 'node:zlib';
import t from 'tap';
import {
  compress,
  decompress,
  DEFAULT_MAX_MESSAGE_SIZE,
  encodeEnvelope,
  EnvelopeDecoder,
  FLAG_COMPRESSED,
  FLAG_UNCOMPRESSED,
  FramingError,
  isSupportedEncoding,
  PREFIX_SIZE,
  SUPPORTED_ENCODINGS,
  writePrefix,
} from '../../framing/index.js';
import { prng } from '../helpers/rng.js';

// ------------------------------------------------------------------------------------------------
// PROTOCOL-HTTP2 "Length-Prefixed-Message": Compressed-Flag (1 byte), Message-Length (4 bytes,
// big-endian), Message.

t.test('prefix constants', async (t) => {
  t.equal(PREFIX_SIZE, 5);
  t.equal(FLAG_UNCOMPRESSED, 0);
  t.equal(FLAG_COMPRESSED, 1);
});

t.test('encodeEnvelope layout: flag, big-endian length, body', async (t) => {
  const cases: Array<[name: string, body: Buffer, compressed: boolean, prefix: number[]]> = [
    ['empty message', Buffer.alloc(0), false, [0, 0, 0, 0, 0]],
    ['three bytes', Buffer.from('abc'), false, [0, 0, 0, 0, 3]],
    ['compressed flag', Buffer.from('abc'), true, [1, 0, 0, 0, 3]],
    ['256 bytes (second length byte)', Buffer.alloc(256, 7), false, [0, 0, 0, 1, 0]],
    ['0x010203 bytes (three length bytes)', Buffer.alloc(0x010203, 9), false, [0, 0, 1, 2, 3]],
  ];
  for (const [name, body, compressed, prefix] of cases) {
    const out = encodeEnvelope(body, compressed);
    t.equal(out.length, PREFIX_SIZE + body.length, `${name}: total length`);
    t.same([...out.subarray(0, PREFIX_SIZE)], prefix, `${name}: prefix bytes`);
    t.ok(out.subarray(PREFIX_SIZE).equals(body), `${name}: body follows the prefix`);
  }
});

t.test('encodeEnvelope defaults to uncompressed and accepts a Uint8Array view', async (t) => {
  const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
  const view = backing.subarray(2, 5);
  const out = encodeEnvelope(view);
  t.same([...out], [0, 0, 0, 0, 3, 1, 2, 3]);
});

t.test('writePrefix writes 5 bytes at an offset and nothing else', async (t) => {
  const cases: Array<[length: number, compressed: boolean, expected: number[]]> = [
    [0, false, [0, 0, 0, 0, 0]],
    [1, true, [1, 0, 0, 0, 1]],
    [0xdeadbeef, false, [0, 0xde, 0xad, 0xbe, 0xef]],
    [0xffffffff, true, [1, 0xff, 0xff, 0xff, 0xff]],
    [4 * 1024 * 1024, false, [0, 0, 0x40, 0, 0]],
  ];
  for (const [length, compressed, expected] of cases) {
    const target = Buffer.alloc(9, 0xaa);
    writePrefix(target, 2, length, compressed);
    t.same([...target], [0xaa, 0xaa, ...expected, 0xaa, 0xaa], `length ${length}, compressed ${compressed}`);
  }
});

t.test('writePrefix agrees with encodeEnvelope', async (t) => {
  const body = Buffer.from('hello, world');
  const target = Buffer.alloc(PREFIX_SIZE);
  writePrefix(target, 0, body.length, true);
  t.ok(target.equals(encodeEnvelope(body, true).subarray(0, PREFIX_SIZE)));
});

// ------------------------------------------------------------------------------------------------
// The incremental Length-Prefixed-Message decoder. PROTOCOL-HTTP2 "Data Frames": DATA frame
// boundaries have no relation to message boundaries, so every way of cutting the bytes must give
// the same messages, in order.

interface Received {
  body: Buffer;
  compressed: boolean;
}

function collector(maxSize?: number): { decoder: EnvelopeDecoder; out: Received[] } {
  const out: Received[] = [];
  const decoder = new EnvelopeDecoder({ message: (body, compressed) => out.push({ body, compressed }) }, maxSize);
  return { decoder, out };
}

function wire(messages: Buffer[]): Buffer {
  return Buffer.concat(messages.map((m) => encodeEnvelope(m)));
}

/** Bodies as hex, so a failed comparison reads well. */
function hex(list: Array<Buffer | Received>): string[] {
  return list.map((m) => (Buffer.isBuffer(m) ? m : m.body).toString('hex'));
}

function bytes(length: number, fill: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (fill + i * 31) & 0xff;
  return b;
}

// Several messages including a zero-length one; the 300-byte body makes the length's second byte non-zero.
const MESSAGES = [bytes(3, 1), Buffer.alloc(0), bytes(300, 2), bytes(1, 3), Buffer.alloc(0), bytes(17, 4)];
const WIRE = wire(MESSAGES);

t.test('one chunk holding several messages', async (t) => {
  const { decoder, out } = collector();
  t.equal(decoder.push(WIRE), undefined);
  t.same(hex(out), hex(MESSAGES));
  t.same(
    out.map((m) => m.compressed),
    MESSAGES.map(() => false),
  );
  t.equal(decoder.end(), undefined, 'ends cleanly on a message boundary');
});

t.test('every split point of a multi-message input', async (t) => {
  for (let cut = 0; cut <= WIRE.length; cut++) {
    const { decoder, out } = collector();
    t.equal(decoder.push(WIRE.subarray(0, cut)), undefined);
    t.equal(decoder.push(WIRE.subarray(cut)), undefined);
    t.equal(decoder.end(), undefined);
    if (hex(out).join() !== hex(MESSAGES).join()) t.fail(`split at ${cut}`, { found: hex(out), wanted: hex(MESSAGES) });
  }
  t.pass(`all ${WIRE.length + 1} split points give the same messages`);
});

t.test('every pair of split points (three chunks)', async (t) => {
  const messages = [bytes(2, 5), Buffer.alloc(0), bytes(6, 6)];
  const small = wire(messages);
  const failures: string[] = [];
  for (let a = 0; a <= small.length; a++) {
    for (let b = a; b <= small.length; b++) {
      const { decoder, out } = collector();
      decoder.push(small.subarray(0, a));
      decoder.push(small.subarray(a, b));
      decoder.push(small.subarray(b));
      if (decoder.end() !== undefined || hex(out).join() !== hex(messages).join()) failures.push(`${a}/${b}`);
    }
  }
  t.same(failures, [], 'no pair of cuts changes the messages');
});

t.test('a prefix straddling two chunks', async (t) => {
  const body = bytes(10, 7);
  const framed = encodeEnvelope(body);
  for (let cut = 1; cut < 5; cut++) {
    const { decoder, out } = collector();
    decoder.push(framed.subarray(0, cut));
    t.equal(out.length, 0, `nothing yet after ${cut} prefix bytes`);
    t.equal(decoder.idle, false, 'a partial prefix is pending');
    decoder.push(framed.subarray(cut));
    t.same(hex(out), hex([body]), `prefix cut after byte ${cut}`);
    t.equal(decoder.idle, true);
  }
});

t.test('one byte at a time', async (t) => {
  const { decoder, out } = collector();
  for (let i = 0; i < WIRE.length; i++) t.equal(decoder.push(WIRE.subarray(i, i + 1)), undefined);
  t.same(hex(out), hex(MESSAGES));
  t.equal(decoder.end(), undefined);
});

t.test('empty chunks change nothing', async (t) => {
  const { decoder, out } = collector();
  decoder.push(Buffer.alloc(0));
  decoder.push(WIRE.subarray(0, 7));
  decoder.push(Buffer.alloc(0));
  decoder.push(WIRE.subarray(7));
  decoder.push(Buffer.alloc(0));
  t.same(hex(out), hex(MESSAGES));
});

t.test('property: random messages in random chunks come out whole and in order', async (t) => {
  const random = prng(0x9e3779b9);
  const int = (n: number) => Math.floor(random() * n);
  for (let iteration = 0; iteration < 300; iteration++) {
    const count = int(8); // 0..7 messages
    const messages: Buffer[] = [];
    const flags: boolean[] = [];
    for (let i = 0; i < count; i++) {
      // A third empty, others up to 2 KiB.
      const size = random() < 0.3 ? 0 : int(2048);
      const m = Buffer.alloc(size);
      for (let j = 0; j < size; j++) m[j] = int(256);
      messages.push(m);
      flags.push(random() < 0.5);
    }
    const input = Buffer.concat(messages.map((m, i) => encodeEnvelope(m, flags[i])));
    const { decoder, out } = collector();
    let pos = 0;
    while (pos < input.length) {
      // Mostly small chunks, sometimes big ones that hold whole messages.
      const n = random() < 0.2 ? int(4096) : 1 + int(16);
      const err = decoder.push(input.subarray(pos, pos + n));
      if (err) t.fail(`iteration ${iteration}: ${err.message}`);
      pos += n;
    }
    if (decoder.end() !== undefined) t.fail(`iteration ${iteration}: did not end cleanly`);
    const same = out.length === count && out.every((m, i) => m.body.equals(messages[i]) && m.compressed === flags[i]);
    if (!same) t.fail(`iteration ${iteration}: messages differ`, { found: out.length, wanted: count });
  }
  t.pass('300 random inputs decoded');
});

t.test('compressed flag is reported per message', async (t) => {
  const { decoder, out } = collector();
  decoder.push(
    Buffer.concat([
      encodeEnvelope(bytes(2, 1), true),
      encodeEnvelope(bytes(2, 2), false),
      encodeEnvelope(Buffer.alloc(0), true),
    ]),
  );
  t.same(
    out.map((m) => m.compressed),
    [true, false, true],
  );
});

t.test('max receive size is enforced from the prefix', async (t) => {
  const max = 100;
  const prefix = Buffer.from([0, 0, 0, 0, max + 1]);

  t.test('prefix declaring max+1 and no body: error at once', async (t) => {
    const { decoder, out } = collector(max);
    const err = decoder.push(prefix);
    t.type(err, FramingError);
    t.equal(err?.kind, 'too-large');
    t.equal(err?.message, `Received message larger than max (${max + 1} vs. ${max})`);
    t.equal(out.length, 0);
  });

  t.test('prefix split across chunks: error at its fifth byte', async (t) => {
    const { decoder } = collector(max);
    t.equal(decoder.push(prefix.subarray(0, 4)), undefined);
    t.equal(decoder.push(prefix.subarray(4))?.kind, 'too-large');
  });

  t.test('a declared 4 GiB - 1 message against the default limit', async (t) => {
    const { decoder } = collector();
    t.equal(decoder.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE);
    t.equal(DEFAULT_MAX_MESSAGE_SIZE, 4 * 1024 * 1024);
    const err = decoder.push(Buffer.from([0, 0xff, 0xff, 0xff, 0xff]));
    t.equal(err?.message, `Received message larger than max (4294967295 vs. ${DEFAULT_MAX_MESSAGE_SIZE})`);
  });

  t.test('messages before the oversize one are delivered', async (t) => {
    const { decoder, out } = collector(max);
    const err = decoder.push(Buffer.concat([encodeEnvelope(bytes(5, 1)), encodeEnvelope(bytes(max + 1, 2))]));
    t.equal(err?.kind, 'too-large');
    t.same(hex(out), hex([bytes(5, 1)]));
  });

  t.test('exactly max is accepted, in one chunk and split', async (t) => {
    const body = bytes(max, 3);
    const framed = encodeEnvelope(body);
    for (const cut of [framed.length, 5, 50]) {
      const { decoder, out } = collector(max);
      t.equal(decoder.push(framed.subarray(0, cut)), undefined);
      t.equal(decoder.push(framed.subarray(cut)), undefined);
      t.same(hex(out), hex([body]), `cut at ${cut}`);
    }
  });

  t.test('max 0 accepts only empty messages', async (t) => {
    const { decoder, out } = collector(0);
    t.equal(decoder.push(encodeEnvelope(Buffer.alloc(0))), undefined);
    t.equal(out.length, 1);
    t.equal(decoder.push(encodeEnvelope(Buffer.alloc(1)))?.kind, 'too-large');
  });
});

t.test('bad Compressed-Flag', async (t) => {
  for (const flag of [2, 3, 0x80, 0xff]) {
    const { decoder, out } = collector();
    const err = decoder.push(Buffer.from([flag, 0, 0, 0, 1, 42]));
    t.equal(err?.kind, 'bad-flag', `flag ${flag}`);
    t.match(err?.message, String(flag));
    t.equal(out.length, 0);
  }
});

t.test('end() inside a message is truncated', async (t) => {
  const framed = encodeEnvelope(bytes(10, 1));
  const cases: Array<[cut: number, message: RegExp]> = [
    [1, /promised a 5-byte prefix, got 1 bytes/],
    [4, /promised a 5-byte prefix, got 4 bytes/],
    [5, /promised 10 bytes, got 0 bytes/],
    [12, /promised 10 bytes, got 7 bytes/],
  ];
  for (const [cut, message] of cases) {
    const { decoder, out } = collector();
    t.equal(decoder.push(framed.subarray(0, cut)), undefined);
    const err = decoder.end();
    t.equal(err?.kind, 'truncated', `cut at ${cut}`);
    t.match(err?.message, message);
    t.equal(out.length, 0);
  }
});

t.test('end() on a fresh decoder and after whole messages is clean', async (t) => {
  t.equal(collector().decoder.end(), undefined);
  const { decoder } = collector();
  decoder.push(encodeEnvelope(Buffer.alloc(0)));
  t.equal(decoder.idle, true);
  t.equal(decoder.end(), undefined);
});

t.test('after an error, further input returns the same error and emits nothing', async (t) => {
  const { decoder, out } = collector(10);
  const first = decoder.push(Buffer.from([2, 0, 0, 0, 0]));
  t.equal(first?.kind, 'bad-flag');
  t.equal(decoder.push(encodeEnvelope(bytes(3, 1))), first);
  t.equal(decoder.push(Buffer.alloc(0)), first);
  t.equal(decoder.end(), first);
  t.equal(out.length, 0);

  const truncated = collector();
  truncated.decoder.push(Buffer.from([0, 0]));
  const err = truncated.decoder.end();
  t.equal(truncated.decoder.push(encodeEnvelope(bytes(3, 1))), err);
  t.equal(truncated.out.length, 0);
});

t.test('zero copy when a whole message lies in one chunk', async (t) => {
  const chunk = Buffer.concat([encodeEnvelope(bytes(8, 1)), encodeEnvelope(bytes(20, 2))]);
  const { decoder, out } = collector();
  decoder.push(chunk);
  t.equal(out.length, 2);
  for (const m of out) t.equal(m.body.buffer, chunk.buffer, 'the body is a view of the chunk');
  t.equal(out[0].body.byteOffset, chunk.byteOffset + 5);
  t.equal(out[1].body.byteOffset, chunk.byteOffset + 5 + 8 + 5);

  // Prefix in one chunk, whole body in the next: still a view of that next chunk.
  const framed = encodeEnvelope(bytes(8, 3));
  const second = Buffer.from(framed.subarray(3));
  const split = collector();
  split.decoder.push(framed.subarray(0, 3));
  split.decoder.push(second);
  t.equal(split.out[0].body.buffer, second.buffer);
  t.same(hex(split.out), hex([bytes(8, 3)]));
});

t.test('a sink with messageIn: uncompressed bodies whole in one chunk come as their place in it', async (t) => {
  const random = prng(0x2545f491);
  const int = (n: number) => Math.floor(random() * n);
  for (let iteration = 0; iteration < 200; iteration++) {
    const messages = Array.from({ length: 1 + int(6) }, () => bytes(random() < 0.3 ? 0 : int(600), int(256)));
    const flags = messages.map(() => random() < 0.3);
    const input = Buffer.concat(messages.map((m, i) => encodeEnvelope(m, flags[i])));
    const out: Array<Received & { inPlace: boolean }> = [];
    const decoder = new EnvelopeDecoder({
      message: (body, compressed) => out.push({ body: Buffer.from(body), compressed, inPlace: false }),
      messageIn: (chunk, start, end) =>
        out.push({ body: Buffer.from(chunk.subarray(start, end)), compressed: false, inPlace: true }),
    });
    for (let pos = 0; pos < input.length;) {
      const n = random() < 0.5 ? int(2048) : 1 + int(16);
      if (decoder.push(input.subarray(pos, pos + n))) t.fail(`iteration ${iteration}: error`);
      pos += n;
    }
    const same =
      out.length === messages.length &&
      out.every((m, i) => m.body.equals(messages[i]) && m.compressed === flags[i] && (!m.inPlace || !flags[i]));
    if (!same) t.fail(`iteration ${iteration}: messages differ`);
  }
  // One chunk holding everything: a non-empty uncompressed body comes in place; a compressed one and
  // an empty one through message().
  const whole = Buffer.concat([
    encodeEnvelope(bytes(4, 1)),
    encodeEnvelope(bytes(4, 2), true),
    encodeEnvelope(Buffer.alloc(0)),
  ]);
  const seen: string[] = [];
  new EnvelopeDecoder({
    message: (body, compressed) => seen.push(`message ${body.toString('hex')} ${compressed}`),
    messageIn: (chunk, start, end) => seen.push(`in ${start}-${end} ${chunk === whole}`),
  }).push(whole);
  t.same(seen, ['in 5-9 true', `message ${bytes(4, 2).toString('hex')} true`, 'message  false']);
});

t.test('a body split across chunks is copied out of them', async (t) => {
  const framed = encodeEnvelope(bytes(8, 1));
  const { decoder, out } = collector();
  decoder.push(framed.subarray(0, 9));
  decoder.push(framed.subarray(9));
  // The caller may reuse its chunks afterwards without changing the message.
  framed.fill(0);
  t.same(hex(out), hex([bytes(8, 1)]));
});

t.test('a large message split into many small chunks', async (t) => {
  const body = bytes(1024 * 1024 + 3, 9);
  const framed = Buffer.concat([encodeEnvelope(body), encodeEnvelope(bytes(4, 4))]);
  const { decoder, out } = collector();
  let errors = 0;
  for (let pos = 0; pos < framed.length; pos += 1000) if (decoder.push(framed.subarray(pos, pos + 1000))) errors++;
  t.equal(errors, 0);
  t.equal(out.length, 2);
  t.ok(out[0].body.equals(body), 'the 1 MiB body is intact');
  t.ok(out[1].body.equals(bytes(4, 4)));
  t.equal(decoder.end(), undefined);
});

// ------------------------------------------------------------------------------------------------

t.test('gzip and deflate round-trip; identity passes bytes through', async (t) => {
  const body = Buffer.from('route note '.repeat(100));
  for (const encoding of ['gzip', 'deflate'] as const) {
    const packed = compress(encoding, body);
    t.ok(packed.length < body.length, `${encoding} compresses`);
    t.same(decompress(encoding, packed, 1 << 20), body, `${encoding} round-trips`);
  }
  t.equal(decompress('identity', body, 10), body, 'identity is not inflated (its size was checked from the prefix)');
  // deflate is the zlib format (RFC 1950), as grpc-go and grpc-js use: zlib's own inflate reads it.
  t.same(zlib.inflateSync(compress('deflate', body)), body);
  t.same(zlib.gunzipSync(compress('gzip', body)), body);
});

t.test('supported encodings', async (t) => {
  t.same([...SUPPORTED_ENCODINGS].sort(), ['deflate', 'gzip', 'identity']);
  for (const [name, ok] of [
    ['gzip', true],
    ['deflate', true],
    ['identity', true],
    ['snappy', false],
    ['GZIP', false],
    ['', false],
  ] as const) {
    t.equal(isSupportedEncoding(name), ok, JSON.stringify(name));
  }
});

t.test('the receive limit applies to the inflated size: a small bomb is refused', async (t) => {
  // 64 MiB of zeros gzip to about 64 KiB; the limit is 4 MiB.
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024));
  t.ok(bomb.length < 128 * 1024, `the bomb is small on the wire (${bomb.length} bytes)`);
  const result = decompress('gzip', bomb, 4 * 1024 * 1024);
  t.type(result, FramingError);
  t.equal((result as FramingError).kind, 'too-large');
  t.match(
    (result as FramingError).message,
    /^Received message larger than max \(more than 4194304 bytes once decompressed vs\. 4194304\)$/,
  );
  // Exactly at the limit is fine.
  const exact = zlib.deflateSync(Buffer.alloc(1000));
  t.equal((decompress('deflate', exact, 1000) as Buffer).length, 1000);
  t.equal((decompress('deflate', exact, 999) as FramingError).kind, 'too-large');
});

t.test('a body that does not inflate is a compression error', async (t) => {
  for (const encoding of ['gzip', 'deflate'] as const) {
    const result = decompress(encoding, Buffer.from('definitely not compressed'), 1 << 20);
    t.type(result, FramingError);
    t.equal((result as FramingError).kind, 'compression', encoding);
  }
});
