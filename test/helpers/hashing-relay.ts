// A plain TCP relay that hashes what passes each way: to look at the tap from outside, and check
// that the bytes on one side of it are the bytes on the other.

import { createHash } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Test } from 'tap';

export type HashingRelay = Awaited<ReturnType<typeof hashingRelay>>;

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

/** What one relay has seen so far: byte counts and SHA-256 (hex) each way. */
function seen(relay: HashingRelay) {
  return {
    c2s: relay.bytes.c2s,
    s2c: relay.bytes.s2c,
    c2sHash: relay.hashes.c2s.copy().digest('hex'),
    s2cHash: relay.hashes.s2c.copy().digest('hex'),
  };
}

/**
 * What the relays on either side of the tap have seen, taken once the connection is quiet: both
 * count as many bytes each way (or `waitMs` passed — a tap that drops or adds bytes never gets
 * there, and the counts differ). Take it while the connection is still open: bytes a peer sends
 * after the other peer closed cannot arrive, and no relay is to blame for them.
 */
export async function seenOnBothSides(inner: HashingRelay, outer: HashingRelay, waitMs = 5_000) {
  const until = Date.now() + waitMs;
  while ((inner.bytes.c2s !== outer.bytes.c2s || inner.bytes.s2c !== outer.bytes.s2c) && Date.now() < until) {
    await sleep(10);
  }
  return { inner: seen(inner), outer: seen(outer) };
}
