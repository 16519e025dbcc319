// One HTTP/2 stream as a gRPC call, as the tap follows it from both sides: its method, the request
// and response header blocks, its messages each way, how it ended — and the summary at its end.
//
// The status is settled the way a client settles it (src/protocol/response-status.ts): from the
// trailers or the Trailers-Only headers; else from a non-200 HTTP status; else from the RST_STREAM
// code (PROTOCOL-HTTP2 "Errors").

import { GrpcError } from '../../protocol/grpc-error.js';
import { HEADER_STATUS } from '../../protocol/headers.js';
import { parseResponseHeaders, parseTrailers } from '../../protocol/response-status.js';
import { codeFromRstCode, http2CodeName } from '../../protocol/rst-code.js';
import { Status, statusName } from '../../protocol/status.js';
import type { CallEvent, Direction } from '../events.js';
import type { SchemaLookup } from '../protobuf/schemas.js';
import type { FieldList, RequestInfo } from './header-rules.js';
import { MessageAssembler } from './message-assembler.js';

export class CallTracker {
  readonly stream: number;
  readonly startedAt: number;
  /** `:path` of the request, once its HEADERS were read. */
  method: string | null = null;
  request: RequestInfo | undefined;
  responseHeaders: FieldList | undefined;
  /** The trailers, or the headers of a Trailers-Only response. */
  trailers: FieldList | undefined;
  trailersOnly = false;
  rst: { code: number; dir: Direction } | undefined;
  /** END_STREAM seen in each direction. */
  readonly ended: Record<Direction, boolean> = { c2s: false, s2c: false };
  readonly assemblers: Record<Direction, MessageAssembler> = {
    c2s: new MessageAssembler(),
    s2c: new MessageAssembler(),
  };
  readonly messages: Record<Direction, number> = { c2s: 0, s2c: 0 };
  readonly wireBytes: Record<Direction, number> = { c2s: 0, s2c: 0 };
  readonly messageBytes: Record<Direction, number> = { c2s: 0, s2c: 0 };
  /** The message types, once known (a promise while reflection is asked). */
  schema: SchemaLookup | Promise<SchemaLookup> | undefined;
  summarized = false;

  constructor(stream: number, startedAt: number) {
    this.stream = stream;
    this.startedAt = startedAt;
  }

  /** Both sides ended the stream, or it was reset. */
  get finished(): boolean {
    return this.rst !== undefined || (this.ended.c2s && this.ended.s2c);
  }

  /** grpc-encoding of the messages sent in `dir`. */
  encoding(dir: Direction): string | undefined {
    return dir === 'c2s' ? this.request?.encoding : this.responseHeaders?.get('grpc-encoding');
  }

  /** The end-of-call event. `cut`: the call did not end by itself (GOAWAY, the connection closed). */
  summary(t: number, conn: number, cut?: 'goaway' | 'connection closed'): CallEvent {
    const { status, message, end } = this.outcome(cut);
    return {
      t,
      conn,
      kind: 'call',
      stream: this.stream,
      method: this.method,
      status,
      ...(status === null ? {} : { statusName: statusName(status) }),
      ...(message ? { statusMessage: message } : {}),
      end,
      messages: { ...this.messages },
      wireBytes: { ...this.wireBytes },
      messageBytes: { ...this.messageBytes },
      durationMs: Math.round((t - this.startedAt) * 1000) / 1000,
    };
  }

  private outcome(cut: 'goaway' | 'connection closed' | undefined): {
    status: number | null;
    message?: string;
    end: CallEvent['end'];
  } {
    if (this.trailers) {
      const result = parseTrailers(this.trailers.toRecord());
      const end = this.trailersOnly ? 'trailers-only' : 'trailers';
      return result instanceof GrpcError
        ? { status: result.code, message: result.details, end }
        : { status: Status.OK, end };
    }
    const httpStatus = this.responseHeaders?.get(HEADER_STATUS);
    if (this.responseHeaders && httpStatus !== '200') {
      const result = parseResponseHeaders(this.responseHeaders.toRecord());
      if (result instanceof GrpcError) return { status: result.code, message: result.details, end: this.endedBy(cut) };
    }
    if (this.rst) {
      const code = codeFromRstCode(this.rst.code);
      return { status: code, message: `RST_STREAM ${http2CodeName(this.rst.code)}`, end: 'rst_stream' };
    }
    return { status: null, end: this.endedBy(cut) };
  }

  private endedBy(cut: 'goaway' | 'connection closed' | undefined): CallEvent['end'] {
    return this.rst ? 'rst_stream' : (cut ?? 'connection closed');
  }
}
