// A gRPC server on node:http2: sessions and streams in, calls out.
//
// This file owns the HTTP/2 server and its sessions. Each new stream goes through the HEADERS-stage
// checks of PROTOCOL-HTTP2 (request-headers.ts) and then becomes a call (call-engine.ts).

import type http2 from 'node:http2';
import type { Http2SecureServer, Http2Server, Http2Session, ServerHttp2Stream } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { HEADER_ACCEPT_ENCODING } from '../protocol/headers.js';
import { widenConnectionWindow } from '../protocol/flow-control.js';
import type { ServiceDefinition } from '../protocol/schema.js';
import { ServerCallEngine } from './call-engine.js';
import type { ServiceHandlers } from './handlers.js';
import { keepSessionAlive } from './keepalive.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.js';
import { acceptRequest } from './request-headers.js';
import { Router } from './router.js';
import { destroyGracefulCloseOutsideRead } from '../protocol/graceful-destroy.js';
import { ConnectionTracker } from './shutdown.js';
import { createHttp2Server } from './tls.js';

export class Server {
  readonly options: ResolvedServerOptions;
  private readonly router = new Router();
  private readonly tracker = new ConnectionTracker();
  private readonly shutdownHooks: (() => void)[] = [];
  private closing: Promise<void> | undefined;
  private http2Server: Http2Server | Http2SecureServer | undefined;

  constructor(options: ServerOptions = {}) {
    this.options = resolveServerOptions(options);
  }

  /** Registers a service: its definition (from the .proto) and an object of handlers. */
  addService(service: ServiceDefinition, handlers: ServiceHandlers): this {
    this.router.add(service, handlers);
    return this;
  }

  /** Names of every registered service (for reflection and health). */
  serviceNames(): string[] {
    return this.router.serviceNames();
  }

  services(): ServiceDefinition[] {
    return this.router.serviceDefinitions();
  }

  /** Runs `hook` when close() begins, before the drain (the health service turns NOT_SERVING here). */
  onShutdown(hook: () => void): this {
    this.shutdownHooks.push(hook);
    return this;
  }

  /** Starts listening (h2c, or TLS with the `tls` option). Resolves with the bound address; port 0 picks a free port. */
  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.http2Server) throw new Error('server is already listening');
    const { initialWindowSize, maxConcurrentStreams } = this.options;
    const server = createHttp2Server(this.options.tls, {
      ...this.options.http2,
      settings: { initialWindowSize, maxConcurrentStreams, ...this.options.http2.settings },
    });
    this.http2Server = server;
    server.on('connection', (socket: Socket) => this.tracker.addSocket(socket));
    server.on('session', this.onSession);
    server.on('stream', this.onStream);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {}); // listening errors after start are per-connection; keep serving
    return server.address() as AddressInfo;
  }

  /** The bound address, once listening. */
  address(): AddressInfo | undefined {
    return (this.http2Server?.address() as AddressInfo | null) ?? undefined;
  }

  /**
   * Graceful shutdown (shutdown.ts): shutdown hooks, stop accepting connections, GOAWAY every
   * connection so no new streams start, let the calls in flight finish for up to `graceMs`, then end
   * the rest with UNAVAILABLE and close whatever is left.
   */
  close(graceMs = 0): Promise<void> {
    const server = this.http2Server;
    if (!server) return Promise.resolve();
    this.closing ??= (async () => {
      for (const hook of this.shutdownHooks) hook();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await this.tracker.drain(graceMs);
      await closed;
      this.http2Server = undefined;
      this.closing = undefined;
    })();
    return this.closing;
  }

  private readonly onSession = (session: Http2Session): void => {
    destroyGracefulCloseOutsideRead(session);
    this.tracker.addSession(session);
    keepSessionAlive(session, this.options.keepalive, () => this.tracker.hasCallsOn(session));
    widenConnectionWindow(session, this.options.connectionWindowSize);
    session.on('error', () => {}); // a broken connection ends its calls via stream 'close'
  };

  private readonly onStream = (
    stream: ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    _flags: number,
    rawHeaders: string[],
  ): void => {
    // Stream errors (a write after a reset, a protocol error) surface through 'close', which ends
    // the call; without a listener they would crash the process.
    stream.on('error', ignoreStreamError);
    const request = acceptRequest(stream, headers, rawHeaders, this.router);
    if (!request) return;
    const call = new ServerCallEngine({
      stream,
      method: request.route.method,
      handler: request.route.handler,
      onHandlerError: this.options.onHandlerError,
      headers,
      contentType: request.contentType,
      timeoutMs: request.timeoutMs,
      maxReceiveMessageSize: this.options.maxReceiveMessageSize,
      maxSendMessageSize: this.options.maxSendMessageSize,
      requestEncoding: request.requestEncoding,
      acceptEncoding: headers[HEADER_ACCEPT_ENCODING],
      compression: this.options.compression,
      onClose: this.forgetCall,
    });
    this.tracker.calls.add(call);
    call.start();
  };

  /** A call's stream closed: it is no longer in flight. */
  private readonly forgetCall = (call: ServerCallEngine): void => this.tracker.calls.delete(call);
}

function ignoreStreamError(): void {}
