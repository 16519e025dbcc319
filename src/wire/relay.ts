// The transparent relay under the tap: for each client connection, one connection to the upstream,
// and every byte passed on unchanged in both directions (node:net; node:tls where TLS is terminated
// or made). Half-closes pass through (a client's FIN becomes a FIN to the server, and the response
// keeps flowing), and so does backpressure: a peer that does not read slows the other down, with
// nothing buffered in between beyond the sockets' own buffers.
//
// Both sockets of a pair run with TCP_NODELAY, as HTTP/2 endpoints do: with Nagle's algorithm a
// small frame (a WINDOW_UPDATE, a PING ACK) could wait for the previous segment's ACK, and a relay
// must not add delays the peers did not ask for — on RouteChat it cut the rate through a bare relay
// to a third (bench (n)'s setting: 71,000 notes/s with Nagle, 180,000 without).
//
// The observer sees each chunk after it was handed to the other socket, so relaying never waits on
// decoding. (A chunk read from a socket is never written to again, so the observer can keep views
// of it without copying.) With faults configured, the observer gives carriers that take the bytes
// instead (src/wire/fault/): the copy above is then not made at all.

import net from 'node:net';
import tls from 'node:tls';
import type { Direction, TlsInfo } from './events.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface RelayOptions {
  listen: Endpoint;
  upstream: Endpoint;
  /** Terminate the client's TLS here (ALPN h2). */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Connect to the upstream with TLS (ALPN h2): trusted CAs (default: the system's) and the name checked. */
  upstreamTls?: { ca?: Buffer | string; serverName?: string };
}

export interface OpenInfo {
  id: number;
  client: string;
  upstream: string;
  tls: { client?: TlsInfo; upstream?: TlsInfo };
}

export interface ConnectionObserver {
  data(dir: Direction, chunk: Buffer): void;
  end(dir: Direction): void;
  close(bytes: Record<Direction, number>, reason: string | undefined): void;
  /**
   * With faults configured (src/wire/fault/): what carries each direction's bytes instead of the
   * plain copy, given both sockets. It writes to the other socket, tells the observer what it wrote
   * (`data`, `end`), and holds its sender back when the other socket is full.
   */
  carry?(sockets: { client: net.Socket; upstream: net.Socket }): Record<Direction, Carrier>;
}

/** One direction's bytes, from the sender's socket, on their way to the receiver's. */
export interface Carrier {
  push(chunk: Buffer): void;
  /** The sender sent FIN. */
  end(): void;
}

export interface RelayObserver {
  /** A client connected and its upstream connection is up: returns what watches its bytes. */
  open(info: OpenInfo): ConnectionObserver;
  /** A client connected but could not be relayed (the upstream refused, TLS failed). */
  failed(info: { id: number; client: string; reason: string }): void;
}

export class Relay {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private nextId = 1;

  private constructor(
    private readonly options: RelayOptions,
    private readonly observer: RelayObserver,
  ) {
    const onClient = (socket: net.Socket) => this.accept(socket);
    if (options.tls) {
      const server = tls.createServer(
        { ...options.tls, ALPNProtocols: ['h2'], allowHalfOpen: true, noDelay: true },
        onClient,
      );
      // A client that fails the handshake never becomes a connection; say so.
      server.on('tlsClientError', (error, socket) =>
        observer.failed({ id: this.nextId++, client: peer(socket), reason: `TLS handshake failed: ${error.message}` }),
      );
      this.server = server;
    } else {
      this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, onClient);
    }
  }

  static async start(options: RelayOptions, observer: RelayObserver): Promise<Relay> {
    const relay = new Relay(options, observer);
    await new Promise<void>((resolve, reject) => {
      relay.server.once('error', reject);
      relay.server.listen(options.listen.port, options.listen.host, () => {
        relay.server.off('error', reject);
        resolve();
      });
    });
    return relay;
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  /** Stops accepting; connections in progress are cut, and resolves once they are closed (and observed so). */
  async close(): Promise<void> {
    const closed = [...this.sockets].map(
      (s) => new Promise((resolve) => (s.closed ? resolve(s) : s.once('close', resolve))),
    );
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([...closed, new Promise<void>((resolve) => this.server.close(() => resolve()))]);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: net.Socket): void {
    const id = this.nextId++;
    this.track(client);
    const clientName = peer(client);
    const info: OpenInfo = {
      id,
      client: clientName,
      upstream: `${this.options.upstream.host}:${this.options.upstream.port}`,
      tls: {},
    };
    if (client instanceof tls.TLSSocket) {
      info.tls.client = tlsInfo(client);
      // RFC 9113 §3.2: HTTP/2 over TLS is negotiated with ALPN "h2".
      if (client.alpnProtocol !== 'h2') {
        this.observer.failed({
          id,
          client: clientName,
          reason: `the client did not negotiate ALPN h2 (got ${String(client.alpnProtocol)})`,
        });
        client.destroy();
        return;
      }
    }
    client.on('error', () => {}); // reported through 'close'
    const upstream = this.connectUpstream();
    this.track(upstream);
    let failure: string | undefined;
    let relaying = false;
    upstream.on('error', (error) => (failure ??= `upstream ${info.upstream}: ${error.message}`));
    client.once('close', () => {
      if (!relaying) upstream.destroy();
    });
    upstream.once(upstream instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
      if (upstream instanceof tls.TLSSocket) {
        info.tls.upstream = tlsInfo(upstream);
        if (upstream.alpnProtocol !== 'h2') {
          failure = `the upstream did not negotiate ALPN h2 (got ${String(upstream.alpnProtocol)})`;
          upstream.destroy();
          return;
        }
      }
      if (client.destroyed) return upstream.destroy();
      relaying = true;
      this.pipe(client, upstream, this.observer.open(info));
    });
    upstream.once('close', () => {
      if (relaying) return;
      // Never relayed: the client learns it by its connection closing, as with the server itself.
      client.destroy();
      this.observer.failed({
        id,
        client: clientName,
        reason: failure ?? 'the connection closed before the upstream answered',
      });
    });
  }

  private connectUpstream(): net.Socket {
    const { host, port } = this.options.upstream;
    const secure = this.options.upstreamTls;
    if (!secure) return net.connect({ host, port, allowHalfOpen: true, noDelay: true });
    // The TLS socket takes allowHalfOpen from the TCP socket under it.
    return tls.connect({
      socket: net.connect({ host, port, allowHalfOpen: true, noDelay: true }),
      host,
      ALPNProtocols: ['h2'],
      ca: secure.ca,
      servername: secure.serverName ?? (net.isIP(host) ? undefined : host),
    });
  }

  private pipe(client: net.Socket, upstream: net.Socket, observer: ConnectionObserver): void {
    const bytes: Record<Direction, number> = { c2s: 0, s2c: 0 };
    let reason: string | undefined;
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) observer.close(bytes, reason);
    };
    const carriers = observer.carry?.({ client, upstream });
    const one = (src: net.Socket, dst: net.Socket, dir: Direction) => {
      const carrier = carriers?.[dir];
      if (carrier) {
        src.on('data', (chunk: Buffer) => {
          bytes[dir] += chunk.length;
          carrier.push(chunk);
        });
        src.on('end', () => carrier.end());
      } else {
        src.on('data', (chunk: Buffer) => {
          bytes[dir] += chunk.length;
          if (!dst.write(chunk)) src.pause();
          observer.data(dir, chunk);
        });
        dst.on('drain', () => src.resume());
        src.on('end', () => {
          observer.end(dir);
          dst.end();
        });
      }
      src.on('error', (error) => {
        reason ??= `${dir === 'c2s' ? 'client' : 'upstream'}: ${error.message}`;
        dst.destroy();
      });
      src.once('close', () => {
        // A side that closes without FIN (reset, destroyed) takes the other with it.
        if (!dst.destroyed && !dst.writableEnded) dst.destroy();
        onClose();
      });
    };
    one(client, upstream, 'c2s');
    one(upstream, client, 's2c');
  }
}

function peer(socket: net.Socket): string {
  const host = socket.remoteAddress ?? '?';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort ?? '?'}`;
}

function tlsInfo(socket: tls.TLSSocket): TlsInfo {
  return { alpn: socket.alpnProtocol ?? false, protocol: socket.getProtocol(), cipher: socket.getCipher()?.name ?? '' };
}
