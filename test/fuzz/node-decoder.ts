// The other decoder of the differential HPACK target (hpack-target.ts): a node:http2 server, which
// reports the header list of every stream it accepts, and a raw socket to it that sends a connection
// a PING at a time — each header block is followed by a PING, and the next block goes only once its
// ACK is back, so node has read each block apart and its 'stream' events for the blocks before a
// connection error have run (in one read, they would be lost with the session).

import http2 from 'node:http2';
import net from 'node:net';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import { frame, GOAWAY, PING, RST_STREAM, view, type Piece } from './frames.js';
import type { Pairs } from './nghttp2-request.js';

/** How long node may take to answer a connection. */
const ANSWER_MS = 5_000;

/** A PING after each header block: node answers it once it has read the block (`pingAfter`). */
export const ping = (n: number) => {
  const opaque = Buffer.alloc(8);
  opaque.writeUInt32BE(0x66757a7a); // "fuzz"
  opaque.writeUInt32BE(n, 4);
  return frame(PING, 0, 0, opaque);
};

export interface NodeVerdict {
  lists: Map<number, Pairs>;
  resets: Map<number, number>;
  goaway?: { lastStreamId: number; code: number; debug: string };
  /** Every PING came back: node read everything. */
  pinged: boolean;
  /** How many PINGs came back: node read every piece before the next one. */
  acked: number;
}

/** A node:http2 server that reports the header list of every stream it accepts, and the raw socket to it. */
export async function nodeDecoder(): Promise<{
  decode(pieces: Piece[]): Promise<NodeVerdict>;
  close(): Promise<void>;
}> {
  const accepted = new Map<number, Map<number, Pairs>>(); // by the client's port, then stream
  const server = http2.createServer({
    maxHeaderListPairs: 1_000_000,
    maxSessionMemory: 1_000,
    settings: { maxHeaderListSize: 0xffff_ffff },
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => {});
    // The client's port, read now: by a later 'stream' event the socket may be gone.
    const port = session.socket.remotePort ?? 0;
    const lists = new Map<number, Pairs>();
    accepted.set(port, lists);
    session.on(
      'stream',
      (stream: http2.ServerHttp2Stream, _headers: unknown, _flags: unknown, rawHeaders: string[]) => {
        stream.on('error', () => {});
        const pairs: Pairs = [];
        for (let i = 0; i < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
        lists.set(stream.id ?? 0, pairs);
        if (!stream.destroyed) stream.respond({ ':status': 200 }, { endStream: true });
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  /** Sends the pieces a PING at a time (each write ends with one), waiting for its ACK before the next. */
  const decode = (pieces: Piece[]): Promise<NodeVerdict> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
      const verdict: NodeVerdict = { lists: new Map(), resets: new Map(), pinged: false, acked: 0 };
      const parser = new FrameParser(false);
      const writes: Buffer[] = [];
      for (let at = 0; at < pieces.length;) {
        let end = at;
        while (end < pieces.length && !isPing(pieces[end])) end++;
        writes.push(Buffer.concat(pieces.slice(at, end + 1).map((p) => p.bytes)));
        at = end + 1;
      }
      let local: number | undefined;
      let next = 0;
      const done = () => {
        clearTimeout(timer);
        socket.destroy();
        verdict.lists = (local !== undefined && accepted.get(local)) || new Map();
        if (local !== undefined) accepted.delete(local);
        resolve(verdict);
      };
      const timer = setTimeout(done, ANSWER_MS);
      const writeNext = () => {
        if (next < writes.length) socket.write(writes[next++]);
        else {
          verdict.pinged = true;
          setImmediate(done);
        }
      };
      socket.on('error', () => {});
      socket.on('close', done);
      socket.on('connect', () => {
        local = socket.localPort;
        writeNext();
      });
      socket.on('data', (chunk: Buffer) => {
        for (const event of parser.push(chunk)) {
          if (event.kind !== 'frame') continue;
          const f = event.frame;
          if (f.type === RST_STREAM && f.payload.length === 4)
            verdict.resets.set(f.streamId, f.payload.readUInt32BE(0));
          if (f.type === GOAWAY && f.payload.length >= 8) {
            verdict.goaway = {
              lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff,
              code: f.payload.readUInt32BE(4),
              debug: f.payload.subarray(8).toString('latin1'),
            };
            setImmediate(done); // node reads nothing more
          }
          // The 'stream' events of every request before this PING have run by now.
          if (f.type === PING && f.flags & 0x1) {
            verdict.acked++;
            writeNext();
          }
        }
      });
    });
  const close = () => {
    for (const session of sessions) session.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { decode, close };
}

function isPing(piece: Piece): boolean {
  return view(piece)?.type === PING;
}
