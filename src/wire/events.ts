// The tap's event model: one plain-JSON object per thing seen on the wire. One module produces
// them (the connection decoder, fed by the relay); renderers consume them — the terminal, NDJSON
// (`JSON.stringify(event)` is its line, so every field here is JSON: no Buffers, no bigints) — and
// so can anything else that wants a live view of the wire. docs/tap.md lists the stable
// fields.
//
// Which events a call makes, in order of arrival (each direction in its own byte order):
//   connection open → preface → SETTINGS both ways → HEADERS (request) → DATA + message … →
//   HEADERS (response) → DATA + message … → HEADERS (trailers) → call (the summary) → … → close

/** A JSON value: what a decoded message is shown as (protobuf/proto-json.ts). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * A field of a message read without a schema (protobuf/wire-format.ts): its number, its wire type
 * and its value — a LEN field as a nested message, text or bytes (base64), whichever it reads as.
 */
export type WireField =
  | { field: number; wire: 'varint'; value: number | string }
  | { field: number; wire: 'i64'; hex: string; double: number | string }
  | { field: number; wire: 'i32'; hex: string; float: number | string }
  | { field: number; wire: 'len'; message: WireField[] }
  | { field: number; wire: 'len'; string: string }
  | { field: number; wire: 'len'; bytes: string }
  | { field: number; wire: 'group'; fields: WireField[] };

/** Who sent the bytes: the client (to the server) or the server (to the client). */
export type Direction = 'c2s' | 's2c';

export type TapEvent = ConnectionEvent | FrameEvent | MessageEvent | CallEvent | WarningEvent | ErrorEvent | FaultEvent;

interface EventBase {
  /** Milliseconds since the tap started. */
  t: number;
  /** The TCP connection, numbered from 1 in the order they were accepted. */
  conn: number;
  /** Direction of the bytes this event was read from. */
  dir?: Direction;
  /** The HTTP/2 stream (0: the connection itself). */
  stream?: number;
  /** One line naming the protocol rule this event shows (PROTOCOL-HTTP2, RFC 9113, RFC 7541…). */
  note?: string;
}

/** A client connected, the client's connection preface, or the connection ended. */
export interface ConnectionEvent extends EventBase {
  kind: 'connection';
  type: 'open' | 'preface' | 'close';
  /** `open`: the client's address and the upstream the tap connects it to. */
  client?: string;
  upstream?: string;
  /** `open`: TLS terminated here ("client") and/or made towards the server ("upstream"). */
  tls?: { client?: TlsInfo; upstream?: TlsInfo };
  /** `close`: bytes relayed each way, and why it closed when not cleanly. */
  bytes?: { c2s: number; s2c: number };
  reason?: string;
}

export interface TlsInfo {
  alpn: string | false;
  protocol: string | null;
  cipher: string;
}

/** A header field as [name, value, how it was encoded (HPACK representation)]. */
export type HeaderTriple = [name: string, value: string, representation: string];

/** One HTTP/2 frame (RFC 9113 §4.1, §6). */
export interface FrameEvent extends EventBase {
  kind: 'frame';
  dir: Direction;
  /** DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION, or UNKNOWN. */
  type: string;
  /** For UNKNOWN frames: the type number. */
  typeCode?: number;
  stream: number;
  /** The defined flags that are set, by name (END_STREAM, END_HEADERS, PADDED, PRIORITY, ACK). */
  flags: readonly string[];
  /** Payload length from the frame header. */
  length: number;
  /** Offset of the frame header in this direction's byte stream. */
  offset: number;
  /** PADDED frames: padding bytes removed (the Pad Length field not counted). */
  padding?: number;
  /** On the frame that completes a header block (HEADERS, or its last CONTINUATION): the fields. */
  headers?: HeaderTriple[];
  /** The header block around those fields: what it is, its size, the frames it took, the dynamic table after it. */
  headerBlock?: {
    kind: HeaderBlockKind;
    /** On trailers and Trailers-Only: the grpc-status by name, when it is one of the 17 codes. */
    statusName?: string;
    bytes: number;
    frames: number;
    tableSizeUpdates: number[];
    tableSize: number;
    tableEntries: number;
  };
  /** HEADERS with PRIORITY, and PRIORITY frames. */
  priority?: { exclusive: boolean; dependency: number; weight: number };
  /** SETTINGS: each parameter by name, in order. */
  settings?: [name: string, value: number][];
  /** RST_STREAM and GOAWAY: the HTTP/2 error code by name. */
  errorCode?: string;
  /** WINDOW_UPDATE. */
  windowIncrement?: number;
  /** GOAWAY. */
  lastStreamId?: number;
  debugData?: string;
  /** PING: the 8 opaque bytes in hex. */
  opaque?: string;
  /** PUSH_PROMISE. */
  promisedStream?: number;
  /** DATA: what of the gRPC messages this frame carries (where each 5-byte prefix sits). */
  segments?: DataSegment[];
  /** With --hex (and for the web view): the frame's bytes, header included, and what each one is. */
  raw?: RawBytes;
}

/**
 * Bytes as on the wire and what each of them is, as Wireshark's byte pane shows them: `ranges`
 * cover the bytes exactly once, in order, each split further by its `parts` (which cover it
 * exactly once too) — a frame into its 9-byte header and its payload, the header into length,
 * type, flags and stream id, a header block into its HPACK representations, a message into its
 * 5-byte prefix and protobuf fields.
 */
export interface RawBytes {
  /** The bytes in hex, two digits each, no spaces: all of them, or the first ones when `--max-body` cut them. */
  hex: string;
  ranges: ByteRange[];
}

export interface ByteRange {
  /** Offset of the first byte (from the start of the frame, or of the message), and how many. */
  at: number;
  bytes: number;
  /** What they are: `length 22`, `tag: field 1, wire type 0 (VARINT)`, `Huffman-coded: "trailers"`. */
  what: string;
  parts?: ByteRange[];
}

/**
 * What a header block is, read from the state of its stream (PROTOCOL-HTTP2 "Requests" and
 * "Responses"):
 * - `request`: the client's first HEADERS on the stream (Request-Headers);
 * - `response`: the server's first HEADERS, without END_STREAM (Response-Headers);
 * - `trailers`: the server's HEADERS after its Response-Headers (Trailers);
 * - `trailers-only`: the server's first HEADERS, with END_STREAM (Trailers-Only: the status, no messages);
 * - `push-promise`: the request a PUSH_PROMISE promises (RFC 9113 §8.4; gRPC does not use push);
 * - `unexpected`: a block the stream has no place for — a second HEADERS from the client (gRPC
 *   requests have no trailers), HEADERS from the server on a stream that is not open, or after its
 *   trailers. A warning follows it.
 */
export type HeaderBlockKind = 'request' | 'response' | 'trailers' | 'trailers-only' | 'push-promise' | 'unexpected';

/** A piece of a Length-Prefixed-Message inside one DATA frame. */
export interface DataSegment {
  /** Which message of this stream and direction (from 1). */
  message: number;
  /** Where in the frame's data the piece starts, and its length (prefix included when it has it). */
  at: number;
  bytes: number;
  /** whole: prefix and body here; start: prefix (or part of it) here, body continues; middle; end. */
  part: 'whole' | 'start' | 'middle' | 'end';
}

/** One gRPC message, reassembled from DATA frames (PROTOCOL-HTTP2 "Length-Prefixed-Message"). */
export interface MessageEvent extends EventBase {
  kind: 'message';
  dir: Direction;
  stream: number;
  /** The call's `:path`, e.g. "/routeguide.RouteGuide/RouteChat"; null when the stream had none. */
  method: string | null;
  /** Which message of this stream and direction (from 1). */
  index: number;
  /** The 5-byte prefix: Compressed-Flag and Message-Length, in hex as on the wire. */
  prefix: { flag: string; length: string };
  /** DATA frames the message was spread over (1: it sat in one frame). */
  frames: number;
  /** Body bytes on the wire (after the prefix; compressed if the flag says so). */
  wireBytes: number;
  /** Body bytes once decompressed (= wireBytes when not compressed). */
  bytes: number;
  /** The grpc-encoding it was inflated with, when compressed. */
  encoding?: string;
  /** Where the schema came from: server reflection, --proto files, or none (wire-format dump). */
  schema: 'reflection' | 'proto' | 'none';
  /** Full protobuf name of the message type, e.g. "routeguide.RouteNote". */
  messageType?: string;
  /** The decoded message as proto3 JSON. */
  message?: Json;
  /** Without a schema: the fields as the wire format has them. */
  wireFields?: WireField[];
  /** The message was larger than --max-body: `message`/`wireFields` are left out, this is its JSON cut short. */
  truncated?: string;
  /** With --hex (and for the web view): the 5-byte prefix and the body as on the wire, and what each byte is. */
  raw?: RawBytes;
}

/** The end of a call: its summary. */
export interface CallEvent extends EventBase {
  kind: 'call';
  stream: number;
  method: string | null;
  /** grpc-status (or the status derived from the HTTP status or RST_STREAM code); null if unknown. */
  status: number | null;
  statusName?: string;
  /** grpc-message, decoded. */
  statusMessage?: string;
  /** How the call ended: trailers, Trailers-Only, RST_STREAM, GOAWAY or the connection closing. */
  end: 'trailers' | 'trailers-only' | 'rst_stream' | 'goaway' | 'connection closed';
  messages: { c2s: number; s2c: number };
  /** DATA payload bytes (prefixes included, padding not) each way. */
  wireBytes: { c2s: number; s2c: number };
  /** Message bytes once decompressed each way. */
  messageBytes: { c2s: number; s2c: number };
  durationMs: number;
}

/** A deviation from the spec that the peers may survive (or not): the rule and what was seen. */
export interface WarningEvent extends EventBase {
  kind: 'warning';
  rule: string;
  note: string;
}

/** Bytes that could not be decoded: the rule broken, where, and whether decoding stops here. */
export interface ErrorEvent extends EventBase {
  kind: 'error';
  rule: string;
  note: string;
  /** Byte offset in this direction's stream (for HPACK errors: in the header block). */
  offset?: number;
  /** The connection is "undecodable from here": its bytes keep flowing, unread. */
  fatal?: boolean;
}

/**
 * What the tap itself did to the traffic, with faults configured (src/wire/fault/): a frame of its
 * own, a peer's frame changed or not passed on, frames held, something measured, a fault that could
 * not apply. The frames the tap writes are decoded like any other, and shown here instead of as a
 * `frame` event.
 */
export interface FaultEvent extends EventBase {
  kind: 'fault';
  /** The fault, as it was given: its SPEC, an interop case's name, or the request header that asked for it. */
  fault: string;
  /**
   * - `inject`: a frame of the tap's own (`frame`, as it went on);
   * - `alter`: a peer's frame changed (`frame` as it went on, `was` what it was);
   * - `drop`: a peer's frame not passed on (`frame`, as it came);
   * - `hold` / `release`: frames held back for a time, and let go;
   * - `act`: something else the tap did (a socket reset or closed, a link slowed or stalled);
   * - `report`: what the tap measured (a PING's round trip, a PING never acknowledged);
   * - `skip`: a fault that could not apply; the traffic went on unchanged.
   */
  action: 'inject' | 'alter' | 'drop' | 'hold' | 'release' | 'act' | 'report' | 'skip';
  /** inject, alter: the frame as it went on, decoded as a frame event; drop: the frame as it came (its header). */
  frame?: FrameEvent | { type: string; flags: readonly string[]; length: number; stream: number };
  /** alter: what the frame was before. */
  was?: string;
  /** report: a PING's round trip. */
  rttMs?: number;
  note: string;
}
