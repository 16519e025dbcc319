// A gRPC server on node:http2: sessions and streams in, calls out.
//
// This file owns the HTTP/2 server and its sessions. Each new stream goes through the HEADERS-stage
// checks of PROTOCOL-HTTP2 (method, content-type, path, timeout, metadata) and then becomes a
// ServerCall run by dispatch.ts.

import http2, { type Http2Server, type Http2SecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { grpcContentSubtype, responseContentType } from '../protocol/content-type.js';
import { GrpcError } from '../protocol/grpc-error.js';
import {
  HEADER_ACCEPT_ENCODING,
  HEADER_CONTENT_TYPE,
  HEADER_ENCODING,
  HEADER_METHOD,
  HEADER_PATH,
  HEADER_TIMEOUT,
} from '../protocol/headers.js';
import { incomingEncoding, parseAcceptEncoding } from '../protocol/compression.js';
import { Metadata } from '../protocol/metadata.js';
import type { ServiceDefinition } from '../protocol/schema.js';
import { Status } from '../protocol/status.js';
import { parseTimeout } from '../protocol/timeout.js';
import { ServerCall } from './call.js';
import { runHandler } from './dispatch.js';
import { refuseCall, respondHttpError } from './early-response.js';
import type { ServiceHandlers } from './handlers.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.js';
import { Router } from './router.js';

export class Server {
  readonly options: ResolvedServerOptions;
  private readonly router = new Router();
  private readonly sessions = new Set<Http2Session>();
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

  /** Starts listening (h2c). Resolves with the bound address; port 0 picks a free port. */
  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    if (this.http2Server) throw new Error('server is already listening');
    const { initialWindowSize, maxConcurrentStreams } = this.options;
    const server = http2.createServer({
      ...this.options.http2,
      settings: { initialWindowSize, maxConcurrentStreams, ...this.options.http2.settings },
    });
    this.http2Server = server;
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
   * Stops accepting connections; sends GOAWAY to every session so no new streams start, lets the
   * calls in flight finish for up to `graceMs`, then closes whatever is left.
   */
  async close(graceMs = 0): Promise<void> {
    const server = this.http2Server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) if (!session.closed) session.close();
    const timer = setTimeout(() => {
      for (const session of this.sessions) session.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
    this.http2Server = undefined;
  }

  private readonly onSession = (session: Http2Session): void => {
    this.sessions.add(session);
    // A larger connection window than Node's 64 KiB default (grpc-node#2429).
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(this.options.initialWindowSize);
      } catch {
        /* session already gone */
      }
    });
    session.on('error', () => {}); // a broken connection ends its calls via stream 'close'
    session.once('close', () => this.sessions.delete(session));
  };

  private readonly onStream = (stream: ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void => {
    stream.on('error', () => {});
    // PROTOCOL-HTTP2: gRPC requests are POSTs. Anything else is not a gRPC call: HTTP 405.
    if (headers[HEADER_METHOD] !== 'POST') {
      respondHttpError(stream, 405, Status.INTERNAL, `method ${headers[HEADER_METHOD]} not allowed: gRPC requires POST`);
      return;
    }
    // PROTOCOL-HTTP2: a content-type not beginning with application/grpc gets HTTP 415.
    const contentType = headers[HEADER_CONTENT_TYPE];
    const subtype = grpcContentSubtype(contentType);
    if (subtype === undefined) {
      respondHttpError(stream, 415, Status.INVALID_ARGUMENT, `invalid gRPC request content-type "${contentType ?? ''}"`);
      return;
    }
    const replyType = responseContentType(contentType!);
    const path = headers[HEADER_PATH] ?? '';
    const route = this.router.find(path);
    const early = (error: GrpcError) => refuseCall(stream, replyType, error);
    if ('unknown' in route) return early(new GrpcError(Status.UNIMPLEMENTED, route.unknown));
    if (subtype !== 'proto') return early(new GrpcError(Status.UNIMPLEMENTED, `unsupported codec "${subtype}": this server speaks proto`));

    let timeoutMs: number | undefined;
    const timeoutHeader = headers[HEADER_TIMEOUT];
    if (timeoutHeader !== undefined) {
      const parsed = parseTimeout(timeoutHeader as string);
      if (parsed.error !== undefined) return early(new GrpcError(Status.INTERNAL, parsed.error));
      timeoutMs = parsed.ms;
    }
    const metadata = Metadata.fromHeaders(headers);
    if (typeof metadata === 'string') return early(new GrpcError(Status.INTERNAL, metadata));
    const requestEncoding = incomingEncoding(headers[HEADER_ENCODING]);
    if (requestEncoding instanceof GrpcError) return early(requestEncoding);

    const call = new ServerCall({
      stream,
      method: route.method,
      metadata,
      contentType: replyType,
      timeoutMs,
      maxReceiveMessageSize: this.options.maxReceiveMessageSize,
      maxSendMessageSize: this.options.maxSendMessageSize,
      requestEncoding,
      peerAcceptEncodings: parseAcceptEncoding(headers[HEADER_ACCEPT_ENCODING]),
      compression: this.options.compression,
    });
    void runHandler(call, route.handler, this.options.onHandlerError);
  };
}
