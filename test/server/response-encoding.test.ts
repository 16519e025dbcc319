// Which encoding a response announces (doc/compression.md): grpc-encoding goes out only when the
// message the response headers go out with is compressed (or the handler turned compression on
// before), so a response that compresses nothing says nothing of compression — even to a client
// that accepts gzip.

import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import type { MethodDefinition } from '../../src/protocol/schema.js';
import type { ServerCall } from '../../src/server/call.js';
import { closeRaw, connectRaw, frame, rawRequest, unframe, type RawResult } from '../helpers/raw-h2.js';
import { probeDefinition, startTestServer } from '../helpers/test-server.js';

interface Msg {
  text?: string;
}

const method = (name: string) => probeDefinition().methods.find((m) => m.name === name) as MethodDefinition<Msg, Msg>;
const TEXT = 'a message long enough to be worth compressing, '.repeat(8);

async function probe(t: Test, text: string, path = '/testsvc.Probe/ServerStream'): Promise<RawResult> {
  const server = await startTestServer({
    probe: {
      // 'plain': two uncompressed; 'first': compressed then plain; 'later': plain then compressed;
      // 'default': compressResponses on before the first send.
      async ServerStream(req: Msg, call: ServerCall<Msg, Msg>) {
        if (req.text === 'default') call.compressResponses = true;
        await call.send({ text: TEXT }, req.text === 'first' ? { compress: true } : undefined);
        await call.send({ text: TEXT }, req.text === 'later' ? { compress: true } : undefined);
      },
      Unary(req: Msg, call: ServerCall<Msg, Msg>) {
        call.compressResponses = req.text === 'compressed';
        return { text: TEXT };
      },
    },
  });
  const session = await connectRaw(server.port);
  t.teardown(async () => {
    await closeRaw(session);
    await server.close();
  });
  return rawRequest(session, {
    path,
    headers: { 'grpc-accept-encoding': 'gzip,deflate,identity' },
    body: frame(Buffer.from(method('Unary').request.serialize({ text }))),
  });
}

/** Each response message's Compressed-Flag and text. */
function messages(r: RawResult): [number, string][] {
  const flags: number[] = [];
  for (let at = 0; at < r.data.length; at += 5 + r.data.readUInt32BE(at + 1)) flags.push(r.data[at]);
  return unframe(r.data).map((body, i) => {
    const bytes = flags[i] === 1 ? zlib.gunzipSync(body) : body;
    return [flags[i], method('Unary').response.deserialize(bytes).text ?? ''];
  });
}

t.test('nothing compressed: no grpc-encoding, although the client accepts gzip', async (t) => {
  const r = await probe(t, 'plain');
  t.equal(r.headers['grpc-encoding'], undefined);
  t.same(messages(r), [
    [0, TEXT],
    [0, TEXT],
  ]);
  const unary = await probe(t, 'plain', '/testsvc.Probe/Unary');
  t.equal(unary.headers['grpc-encoding'], undefined, 'unary too');
});

t.test('the first message compressed: grpc-encoding gzip, then each message flagged as sent', async (t) => {
  const r = await probe(t, 'first');
  t.equal(r.headers['grpc-encoding'], 'gzip');
  t.same(messages(r), [
    [1, TEXT],
    [0, TEXT],
  ]);
});

t.test('compressResponses on before the first send, or for a unary response: gzip', async (t) => {
  const r = await probe(t, 'default');
  t.equal(r.headers['grpc-encoding'], 'gzip');
  t.same(messages(r), [
    [1, TEXT],
    [1, TEXT],
  ]);
  const unary = await probe(t, 'compressed', '/testsvc.Probe/Unary');
  t.equal(unary.headers['grpc-encoding'], 'gzip');
  t.same(messages(unary), [[1, TEXT]]);
});

t.test('compression asked for after headers that announced none: the message goes uncompressed', async (t) => {
  const r = await probe(t, 'later');
  t.equal(r.headers['grpc-encoding'], undefined);
  t.same(messages(r), [
    [0, TEXT],
    [0, TEXT],
  ]);
});
