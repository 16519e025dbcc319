// The one-line notes that say which protocol rule an event shows. Each function is one rule, with
// its source; the connection decoder picks the one that applies.

import { codeFromRstCode, Http2Code, http2CodeName } from '../protocol/rst-code.js';
import { statusName } from '../protocol/status.js';
import type { DataSegment, Direction } from './events.js';

export const sender = (dir: Direction): string => (dir === 'c2s' ? 'client' : 'server');
export const receiver = (dir: Direction): string => (dir === 'c2s' ? 'server' : 'client');

export const PREFACE_NOTE =
  'connection preface (RFC 9113 §3.4): the 24 bytes every HTTP/2 client connection starts with; SETTINGS follows';

/**
 * RFC 9113 §3.4, §6.5.3: each side's first frame is SETTINGS; the receiver applies the values as it
 * reads them and says so with an ACK, from which the sender can count on them.
 */
export function settingsNote(dir: Direction, first: boolean): string {
  return first
    ? `SETTINGS (RFC 9113 §3.4): the ${sender(dir)}'s first frame, its parameters for this connection; the ${receiver(dir)} applies them and answers with ACK`
    : `SETTINGS (RFC 9113 §6.5): the ${sender(dir)} changes its parameters; the ${receiver(dir)} applies them and answers with ACK`;
}

export function settingsAckNote(dir: Direction, sentAt: number | undefined, effects: string[]): string {
  const which = sentAt === undefined ? 'SETTINGS' : `SETTINGS of t=${sentAt.toFixed(3)}ms`;
  const then = effects.length > 0 ? `: ${effects.join('; ')}` : '';
  return `ACK (RFC 9113 §6.5.3): the ${sender(dir)} applied the ${receiver(dir)}'s ${which}${then}`;
}

/** RFC 9113 §6.9: flow control credit. */
export function windowUpdateNote(dir: Direction, stream: number, increment: number): string {
  const scope = stream === 0 ? 'on the connection' : `on stream ${stream}`;
  return `flow control (RFC 9113 §6.9): the ${sender(dir)} lets the ${receiver(dir)} send ${increment} more bytes ${scope}`;
}

/** RFC 9113 §6.7; gRPC keepalive (keepalive.md) uses PING too. */
export function pingNote(dir: Direction, ack: boolean, rttMs: number | undefined): string {
  if (!ack)
    return `PING (RFC 9113 §6.7): the ${sender(dir)} asks for a PING ACK with the same 8 bytes, which shows the connection alive and times its round trip`;
  return rttMs === undefined
    ? 'PING ACK (RFC 9113 §6.7): the answer to a PING the tap did not see'
    : `PING ACK (RFC 9113 §6.7): answers the ${receiver(dir)}'s PING, ${rttMs.toFixed(3)} ms later`;
}

/** RFC 9113 §6.8; two-phase shutdown as grpc-go and ours do it; keepalive.md's too_many_pings. */
export function goawayNote(dir: Direction, lastStreamId: number, errorCode: number, debug: string): string {
  if (errorCode === Http2Code.NO_ERROR) {
    if (lastStreamId === 0x7fffffff)
      return 'GOAWAY (RFC 9113 §6.8): graceful shutdown announced (last stream id 2^31-1); a second GOAWAY may name the last stream processed';
    return `GOAWAY (RFC 9113 §6.8): graceful shutdown, last stream id ${lastStreamId}: streams above it were not processed and may be retried`;
  }
  if (errorCode === Http2Code.ENHANCE_YOUR_CALM && debug === 'too_many_pings')
    return `GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (keepalive.md): the client pinged more often than the server allows`;
  return `GOAWAY ${http2CodeName(errorCode)}: the ${sender(dir)} ends the connection with an error; streams up to ${lastStreamId} may have been processed`;
}

/** PROTOCOL-HTTP2 "Errors": the RST_STREAM code and the status it means. */
export function rstNote(dir: Direction, code: number, afterStatus: boolean): string {
  if (code === Http2Code.NO_ERROR && dir === 's2c' && afterStatus)
    return 'RST_STREAM NO_ERROR after the status: early server closure, the server needs no more of the request (PROTOCOL-HTTP2 Early Server Closure, RFC 9113 §8.1)';
  if (code === Http2Code.CANCEL && dir === 'c2s') return 'RST_STREAM CANCEL: the client cancelled → CANCELLED';
  const status = statusName(codeFromRstCode(code));
  if (code === Http2Code.REFUSED_STREAM)
    return `RST_STREAM REFUSED_STREAM: the ${sender(dir)} did not process the stream → ${status}, safe to retry`;
  return `RST_STREAM ${http2CodeName(code)} from the ${sender(dir)} → ${status} (PROTOCOL-HTTP2 Errors)`;
}

export const PRIORITY_NOTE = 'PRIORITY (RFC 9113 §5.3.2): deprecated signalling; gRPC does not use it';

export function continuationNote(endHeaders: boolean): string {
  return endHeaders
    ? 'CONTINUATION (RFC 9113 §6.10): the last piece of the header block (END_HEADERS)'
    : 'CONTINUATION (RFC 9113 §6.10): the header block goes on in the next frame';
}

export const OPEN_BLOCK_NOTE = 'the header block continues in CONTINUATION frames (no END_HEADERS)';

export function unknownFrameNote(typeCode: number): string {
  return `frame type 0x${typeCode.toString(16).padStart(2, '0')} is not defined by RFC 9113: receivers ignore it (§4.1, §5.5)`;
}

export const PUSH_PROMISE_NOTE = 'PUSH_PROMISE (RFC 9113 §8.4): server push, which gRPC does not use';

/** PROTOCOL-HTTP2 "Requests": what the request HEADERS say. */
export function requestNote(
  method: string | null,
  timeoutMs: number | undefined,
  encoding: string | undefined,
): string {
  const parts = [`Request-Headers: call ${method ?? '(no :path)'}`];
  if (timeoutMs !== undefined) parts.push(`deadline in ${timeoutMs} ms (grpc-timeout)`);
  if (encoding && encoding !== 'identity') parts.push(`messages may be ${encoding}-compressed (grpc-encoding)`);
  return parts.join(', ');
}

export const RESPONSE_HEADERS_NOTE = 'Response-Headers: the server accepts the call; its messages follow';

export function trailersOnlyNote(status: string): string {
  return `Trailers-Only: HEADERS with END_STREAM carries ${status}, no DATA`;
}

export function trailersNote(status: string): string {
  return `Trailers: HEADERS with END_STREAM after the messages, ${status}`;
}

/** What a DATA frame shows: a half-close, and how the messages sit in it. */
export function dataNote(
  dir: Direction,
  dataLength: number,
  endStream: boolean,
  segments: DataSegment[],
): string | undefined {
  const parts: string[] = [];
  if (endStream) {
    parts.push(
      dir === 'c2s'
        ? dataLength === 0
          ? 'half-close: END_STREAM on an empty DATA frame'
          : 'half-close: END_STREAM with the last request bytes'
        : 'END_STREAM on DATA: the response ends without trailers (a gRPC response must end with trailers)',
    );
  }
  const whole = segments.filter((s) => s.part === 'whole').length;
  if (whole > 1) parts.push(`${whole} messages in one DATA frame`);
  const last = segments.at(-1);
  if (last && (last.part === 'start' || last.part === 'middle'))
    parts.push(`message ${last.message} continues in the next DATA frame`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
