// The faults of docs/faults.md: each the tap's SPEC, the call it lands on, and what a correct client
// does, with the rule that says so. Every client of clients.ts meets each of them.

/** The call a fault lands on: RouteGuide's four kinds (TestService's for the Ruby interop client). */
export type CallKind = 'unary' | 'server' | 'client' | 'bidi';

export interface FaultCase {
  /** Heading and anchor. */
  name: string;
  /** What `--fault` is given (the table adds the method of `kind` as a filter). */
  spec: string;
  kind: CallKind;
  /** Each call's deadline, where the client lets one be chosen. */
  deadlineMs: number;
  /** Calls made one after the other on one channel (the second shows where it goes after the fault). */
  calls: number;
  /** What the tap does on the wire. */
  does: string;
  /** What a correct client does, and the rule. */
  expect: string;
}

const NO_DEADLINE = 10_000;

export const CASES: readonly FaultCase[] = [
  {
    name: 'rst_after_header',
    spec: 'rst_after_header',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'RST_STREAM NO_ERROR to the client right after the response headers; CANCEL to the server.',
    expect:
      'The call fails (negative interop case). A reset with no status is INTERNAL (PROTOCOL-HTTP2 "Errors": NO_ERROR maps to INTERNAL).',
  },
  {
    name: 'rst_during_data',
    spec: 'rst_during_data',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'Half of the response message, then RST_STREAM NO_ERROR.',
    expect: 'The call fails (negative interop case): a message cut short, then a reset with no status.',
  },
  {
    name: 'rst_after_data',
    spec: 'rst_after_data',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'The whole response message, then RST_STREAM NO_ERROR in place of the trailers.',
    expect:
      'The call fails (negative interop case): without trailers there is no status, even with the message in hand.',
  },
  {
    name: 'refused stream',
    spec: 'rst-stream:code=REFUSED_STREAM,when=request,max=1',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'RST_STREAM REFUSED_STREAM to the client as its request goes by (once).',
    expect:
      'REFUSED_STREAM means the server did not process the stream (RFC 9113 §8.7): the client may retry it transparently; if it does not, UNAVAILABLE (PROTOCOL-HTTP2 "Errors").',
  },
  {
    name: 'cancel mid-stream',
    spec: 'rst-stream:code=CANCEL,when=message:s2c:2',
    kind: 'server',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'RST_STREAM CANCEL to the client after the second response message of a server-streaming call.',
    expect: 'CANCEL maps to CANCELLED (PROTOCOL-HTTP2 "Errors"); the two messages may have been delivered.',
  },
  {
    name: 'enhance your calm',
    spec: 'rst-stream:code=ENHANCE_YOUR_CALM',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'RST_STREAM ENHANCE_YOUR_CALM after the response headers.',
    expect: 'ENHANCE_YOUR_CALM maps to RESOURCE_EXHAUSTED (PROTOCOL-HTTP2 "Errors").',
  },
  {
    name: 'goaway',
    spec: 'goaway',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 2,
    does: 'GOAWAY NO_ERROR after the first call, its last stream id that call.',
    expect:
      'Both calls succeed, the second on a new connection, without the application doing anything (negative interop case; RFC 9113 §6.8).',
  },
  {
    name: 'goaway in the middle of a bidi call',
    spec: 'goaway:when=message:s2c:1',
    kind: 'bidi',
    deadlineMs: NO_DEADLINE,
    calls: 2,
    does: 'GOAWAY NO_ERROR after the first response message of a bidi call; the call in flight is at or below its last stream id.',
    expect: 'The call in flight finishes on the old connection; the next call goes on a new one (RFC 9113 §6.8).',
  },
  {
    name: 'abort before the response',
    spec: 'abort:status=UNAVAILABLE,message=fault from the tap',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'Trailers-Only with grpc-status 14 (UNAVAILABLE) and a message; CANCEL to the server.',
    expect: 'The status and message as sent (PROTOCOL-HTTP2 "Responses": Trailers-Only).',
  },
  {
    name: 'abort after two messages',
    spec: 'abort:status=RESOURCE_EXHAUSTED,message=enough,when=message:s2c:2',
    kind: 'server',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'Trailers with grpc-status 8 after two response messages of a server-streaming call.',
    expect: 'Two messages, then RESOURCE_EXHAUSTED with its message.',
  },
  {
    name: 'trailers dropped',
    spec: 'drop-trailers',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'The response ends with an empty DATA frame with END_STREAM instead of the trailers.',
    expect:
      'A response ends with Trailers (PROTOCOL-HTTP2 "Responses"); one without them carries no status, and the call fails with INTERNAL.',
  },
  {
    name: 'trailers replaced by a reset',
    spec: 'drop-trailers:as=rst',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'RST_STREAM NO_ERROR instead of the trailers, after the response message.',
    expect: 'As rst_after_data: no status, INTERNAL.',
  },
  {
    name: 'delay past the deadline',
    spec: 'delay:for=2s',
    kind: 'unary',
    deadlineMs: 1000,
    calls: 1,
    does: "The call's response frames held 2 s; the client's deadline is 1 s where it can be set.",
    expect:
      'DEADLINE_EXCEEDED when the deadline passes, decided by the client (PROTOCOL-HTTP2 "Requests": grpc-timeout).',
  },
  {
    name: 'ping',
    spec: 'ping',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'PINGs before and after the response headers and before and after the data.',
    expect: 'The call succeeds and every PING is acknowledged (negative interop case; RFC 9113 §6.7).',
  },
  {
    name: 'max_streams',
    spec: 'max_streams',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 2,
    does: "SETTINGS_MAX_CONCURRENT_STREAMS = 1 in the server's SETTINGS, enforced by the tap.",
    expect: 'The calls succeed; the client keeps to one stream at a time (negative interop case; RFC 9113 §5.1.2).',
  },
  {
    name: 'data_frame_padding',
    spec: 'data_frame_padding',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'The response DATA re-framed: 5 data bytes and 255 bytes of padding a frame.',
    expect: 'The call succeeds; padding counts against flow control (negative interop case; RFC 9113 §6.1, §6.9.1).',
  },
  {
    name: 'latency',
    spec: 'latency:time=50ms',
    kind: 'server',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'Every frame held 50 ms each way.',
    expect: 'The call succeeds, slower.',
  },
  {
    name: 'bandwidth',
    spec: 'bandwidth:rate=20KB,dir=s2c',
    kind: 'server',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'The server → client bytes at 20,000 bytes a second.',
    expect: 'The call succeeds, slower.',
  },
  {
    name: 'slices',
    spec: 'slice:max-bytes=3',
    kind: 'bidi',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'Every write cut into TCP segments of 1 to 3 bytes, both ways.',
    expect: 'The call succeeds: HTTP/2 frames may arrive in pieces of any size (RFC 9113 §4.1).',
  },
  {
    name: 'hang',
    spec: 'hang:for=3s',
    kind: 'unary',
    deadlineMs: 1000,
    calls: 1,
    does: 'Nothing relayed either way for 3 s from the request on; the sockets stay open.',
    expect: 'DEADLINE_EXCEEDED where a deadline is set; a client without one waits.',
  },
  {
    name: 'connection reset',
    spec: 'reset-peer',
    kind: 'unary',
    deadlineMs: NO_DEADLINE,
    calls: 1,
    does: 'The TCP connection reset (RST) as the request goes by.',
    expect: 'UNAVAILABLE: the transport failed (doc/statuscodes.md).',
  },
];
