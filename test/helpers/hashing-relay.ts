// A plain TCP relay that hashes what passes each way: to look at the tap from outside, and check
// that the bytes on one side of it are the bytes on the other.

import { createHash } from 'node:crypto';
import net from 'node:net';
import type { Test } from 'tap';

export async function hashingRelay(t: Test, upstream: number) {
  const hashes = { c2s: createHash('sha256'), s2c: createHash('sha256') };
  const bytes = { c2s: 0, s2c: 0 };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const up = net.connect({ host: '127.0.0.1', port: upstream, allowHalfOpen: true });
    const tee = (src: net.Socket, dst: net.Socket, dir: 'c2s' | 's2c') => {
      src.on('data', (chunk: Buffer) => {
        hashes[dir].update(chunk);
        bytes[dir] += chunk.length;
      });
      src.pipe(dst);
      src.on('error', () => dst.destroy());
    };
    tee(client, up, 'c2s');
    tee(up, client, 's2c');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return { port: (server.address() as net.AddressInfo).port, hashes, bytes };
}
