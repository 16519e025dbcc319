import zlib from 'node:zlib';
import t from 'tap';
import { FramingError, compress, decompress, isSupportedEncoding, SUPPORTED_ENCODINGS } from '../framing/index.js';

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
