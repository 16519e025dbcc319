// PROTOCOL-HTTP2 "Length-Prefixed-Message", both ways:
//
//   Compressed-Flag  1 byte   0 = body as is, 1 = body compressed with the call's grpc-encoding
//   Message-Length   4 bytes  unsigned, big-endian
//   Message          Message-Length bytes
//
// encodeEnvelope / writePrefix frame one message; EnvelopeDecoder takes DATA chunks of any size and
// hands out whole messages (PROTOCOL-HTTP2 "Data Frames": DATA frame boundaries have no relation to
// message boundaries — a prefix split across chunks, many messages in one chunk, zero-length
// messages). The receive limit is checked the moment the 4 length bytes are known, before a single
// body byte is buffered: never buffer past the limit (docs/spec-map.md, message size limits).
//
// This file knows bytes only: no HTTP/2, no protobuf.

import { FramingError } from './errors.js';

/** Size of the prefix in front of every message. */
export const PREFIX_SIZE = 5;

/** Compressed-Flag values. Anything else on the wire is a protocol error. */
export const FLAG_UNCOMPRESSED = 0;
export const FLAG_COMPRESSED = 1;

/** Frames one message: a single allocation holding prefix and body. */
export function encodeEnvelope(body: Uint8Array, compressed = false): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_SIZE + body.length);
  out[0] = compressed ? FLAG_COMPRESSED : FLAG_UNCOMPRESSED; // offset 0: Compressed-Flag
  out.writeUInt32BE(body.length, 1); //                          offsets 1..4: Message-Length
  out.set(body, PREFIX_SIZE); //                                 offsets 5.. : Message
  return out;
}

/** Writes the 5-byte prefix for a body of `length` bytes into `target` at `offset`. */
export function writePrefix(target: Uint8Array, offset: number, length: number, compressed = false): void {
  target[offset] = compressed ? FLAG_COMPRESSED : FLAG_UNCOMPRESSED;
  target[offset + 1] = length >>> 24;
  target[offset + 2] = (length >>> 16) & 0xff;
  target[offset + 3] = (length >>> 8) & 0xff;
  target[offset + 4] = length & 0xff;
}

// ---- decoding ----

/** Default max receive message size shared by every gRPC stack: 4 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/** Where whole messages go. An object rather than a callback, so that a reader can be its own sink. */
export interface MessageSink {
  message(body: Buffer, compressed: boolean): void;
  /**
   * Speed only: an uncompressed body that sits whole in `chunk`, at [start, end), handed over as
   * its place in the chunk rather than as a view of it (src/call/reader.ts, "decoding in place").
   * The plain way, and what a sink without this method gets, is message(chunk.subarray(start, end), false).
   */
  messageIn?(chunk: Buffer, start: number, end: number): void;
}

const enum State {
  Prefix, // collecting the 5 prefix bytes
  Body, //   collecting `bodyLength` body bytes
}

export class EnvelopeDecoder {
  readonly maxMessageSize: number;
  private readonly sink: MessageSink;
  private state = State.Prefix;
  // The prefix may arrive split across chunks; its bytes are gathered here (allocated when needed).
  private prefix: Buffer | undefined;
  private prefixFilled = 0;
  private compressed = false;
  // A body split across chunks is copied into one buffer allocated at its final size: no
  // reallocation per chunk, so a large message in many small frames costs O(n), not O(n²).
  private body: Buffer | undefined;
  private bodyLength = 0;
  private bodyFilled = 0;
  private failed: FramingError | undefined;

  constructor(sink: MessageSink, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE) {
    this.sink = sink;
    this.maxMessageSize = maxMessageSize;
  }

  /** True when no partial message is pending (a stream may end here cleanly). */
  get idle(): boolean {
    return this.state === State.Prefix && this.prefixFilled === 0;
  }

  /**
   * Feeds one chunk. Whole messages go to the sink, in order, as they complete. Returns an error
   * instead of throwing, so that the caller can still answer with a status; after an error the
   * decoder refuses further input.
   */
  push(chunk: Buffer): FramingError | undefined {
    if (this.failed) return this.failed;
    let pos = 0;
    const end = chunk.length;
    while (pos < end) {
      if (this.state === State.Prefix) {
        if (this.prefixFilled === 0 && end - pos >= PREFIX_SIZE) {
          // Fast path: the whole prefix sits in this chunk.
          const error = this.startBody(chunk[pos], chunk.readUInt32BE(pos + 1));
          if (error) return error;
          pos += PREFIX_SIZE;
        } else {
          const prefix = (this.prefix ??= Buffer.alloc(PREFIX_SIZE));
          const n = Math.min(PREFIX_SIZE - this.prefixFilled, end - pos);
          chunk.copy(prefix, this.prefixFilled, pos, pos + n);
          this.prefixFilled += n;
          pos += n;
          if (this.prefixFilled < PREFIX_SIZE) break;
          this.prefixFilled = 0;
          const error = this.startBody(prefix[0], prefix.readUInt32BE(1));
          if (error) return error;
        }
        if (this.bodyLength === 0) {
          this.emit(EMPTY);
          continue;
        }
        if (end - pos >= this.bodyLength) {
          // Fast path: the whole body sits in this chunk — hand out a view, no copy.
          const start = pos;
          pos += this.bodyLength;
          if (this.sink.messageIn && !this.compressed) this.sink.messageIn(chunk, start, pos);
          else this.emit(chunk.subarray(start, pos));
          continue;
        }
        this.body = Buffer.allocUnsafe(this.bodyLength);
        this.bodyFilled = 0;
        this.state = State.Body;
      }
      // State.Body: copy what this chunk holds of the pending body.
      const body = this.body!;
      const n = Math.min(this.bodyLength - this.bodyFilled, end - pos);
      chunk.copy(body, this.bodyFilled, pos, pos + n);
      this.bodyFilled += n;
      pos += n;
      if (this.bodyFilled === this.bodyLength) {
        this.body = undefined;
        this.state = State.Prefix;
        this.emit(body);
      }
    }
    return undefined;
  }

  /** Call at end of stream: a partial message left over is an error (the peer cut a message short). */
  end(): FramingError | undefined {
    if (this.failed) return this.failed;
    if (this.idle) return undefined;
    const got = this.state === State.Body ? this.bodyFilled : 0;
    const promised = this.state === State.Body ? `${this.bodyLength} bytes` : 'a 5-byte prefix';
    const have = this.state === State.Body ? `${got} bytes` : `${this.prefixFilled} bytes`;
    return this.fail(new FramingError('truncated', `stream ended inside a message: promised ${promised}, got ${have}`));
  }

  private startBody(flag: number, length: number): FramingError | undefined {
    // PROTOCOL-HTTP2: Compressed-Flag is 0 or 1; grpc-go answers anything else with INTERNAL.
    if (flag !== FLAG_UNCOMPRESSED && flag !== FLAG_COMPRESSED) {
      return this.fail(new FramingError('bad-flag', `invalid Compressed-Flag ${flag} in message prefix`));
    }
    // Checked from the prefix, before any body byte is buffered.
    if (length > this.maxMessageSize) {
      return this.fail(
        new FramingError('too-large', `Received message larger than max (${length} vs. ${this.maxMessageSize})`),
      );
    }
    this.compressed = flag === FLAG_COMPRESSED;
    this.bodyLength = length;
    return undefined;
  }

  private emit(body: Buffer): void {
    this.sink.message(body, this.compressed);
  }

  private fail(error: FramingError): FramingError {
    this.failed = error;
    this.body = undefined;
    return error;
  }
}

const EMPTY = Buffer.alloc(0);
