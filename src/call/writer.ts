// The send side of a call, shared by server and client: serialize, frame, write, and wait for
// the HTTP/2 stream to take more.
//
// `write()` resolves at once when `stream.write()` returned true, otherwise on 'drain'; it rejects
// if the call ends first. One pending drain promise is shared by all writers waiting on it. (The
// client's writer gathers the messages of a tick into one write: "one buffer per tick" below.)

import type { Duplex } from 'node:stream';
import { PREFIX_SIZE, compress, encodeEnvelope, type Encoding } from '../../framing/index.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';

import type { MessageCodec } from '../protocol/schema.js';

const RESOLVED = Promise.resolve();
const ignore = (): void => {};

/**
 * A rejected send that nobody awaits must not take the process down (unhandled rejection): the
 * failure is also reported through the call's status and signal.
 */
function handled<P extends Promise<unknown>>(promise: P): P {
  promise.catch(ignore);
  return promise;
}

/** A send that failed at once, with `error` (see `handled`). */
export function rejectedSend(error: Error): Promise<void> {
  return handled(Promise.reject(error));
}

/** How one message is sent. */
export interface SendOptions {
  /** Compress this message with the call's negotiated encoding (default: the call's setting). */
  compress?: boolean;
}

/**
 * Serializes, compresses (when asked and an encoding is negotiated) and frames one message; or
 * returns the GrpcError (INTERNAL / RESOURCE_EXHAUSTED) when it cannot.
 */
export function frameMessage<T>(
  encoder: MessageCodec<T>,
  message: T,
  compressMessage: boolean,
  encoding: Encoding,
  maxMessageSize: number,
): Buffer | GrpcError {
  // doc/compression.md: the Compressed-Flag is per message; identity means never compressed.
  const compressing = compressMessage && encoding !== 'identity';
  let bytes: Uint8Array;
  try {
    bytes = compressing ? encoder.serialize(message) : encoder.frame(message);
  } catch (e) {
    return new GrpcError(Status.INTERNAL, `failed to serialize message: ${(e as Error).message}`, { cause: e });
  }
  const size = compressing ? bytes.length : bytes.length - PREFIX_SIZE;
  if (size > maxMessageSize) {
    return new GrpcError(Status.RESOURCE_EXHAUSTED, `Sent message larger than max (${size} vs. ${maxMessageSize})`);
  }
  return compressing ? encodeEnvelope(compress(encoding, bytes), true) : (bytes as Buffer);
}

export class MessageWriter<T> {
  private readonly stream: Duplex;
  private readonly encoder: MessageCodec<T>;
  private readonly maxMessageSize: number;
  private drain: Promise<void> | undefined;
  private drainResolve: (() => void) | undefined;
  private drainReject: ((e: unknown) => void) | undefined;
  private closedWith: GrpcError | undefined;
  /** The encoding of compressed messages (grpc-encoding); identity means none is compressed. */
  private readonly encoding: Encoding;
  /** Speed only: whether messages are gathered into one write per tick (see "one buffer per tick"). */
  private readonly gathering: boolean;
  /** Speed only: the framed messages of this tick, not yet written, and their bytes. */
  private gathered: Buffer[] | undefined;
  private gatheredBytes = 0;
  /** Speed only: where messages are framed in place; this tick's bytes in it start at slabStart. */
  private slab: Buffer | undefined;
  private slabStart = 0;
  private slabUsed = 0;

  /**
   * `gatherPerTick` (speed only, the client's writer): the messages of one tick go to the stream as
   * one buffer (see "one buffer per tick" below). Without it, each is written as it comes.
   */
  constructor(
    stream: Duplex,
    encoder: MessageCodec<T>,
    encoding: Encoding,
    maxMessageSize: number,
    gatherPerTick = false,
  ) {
    this.stream = stream;
    this.encoder = encoder;
    this.encoding = encoding;
    this.maxMessageSize = maxMessageSize;
    this.gathering = gatherPerTick;
  }

  /** Serializes and frames `message`, compressed when `compressMessage` (see frameMessage). */
  frame(message: T, compressMessage: boolean): Buffer | GrpcError {
    return frameMessage(this.encoder, message, compressMessage, this.encoding, this.maxMessageSize);
  }

  /** Resolves once every write so far has reached the stream (for handlers that did not await). */
  flushed(): Promise<void> {
    this.writeGathered();
    return this.drain ? this.drain.then(() => this.flushed()) : RESOLVED;
  }

  /** Half-closes the stream (END_STREAM) after every message written so far. */
  end(): void {
    this.writeGathered();
    this.stream.end();
  }

  /** Writes one framed message; resolves when the stream will take more. */
  writeFramed(frame: Buffer): Promise<void> {
    if (this.closedWith) return rejectedSend(this.closedWith);
    if (this.drain) {
      // Writes queue behind the pending drain so they stay in order without growing the buffer.
      return handled(this.drain.then(() => this.writeFramed(frame)));
    }
    if (this.gathering) return this.gather(frame);
    corkForThisTick(this.stream);
    if (this.stream.write(frame)) return RESOLVED;
    this.stream.once('drain', () => this.onDrain());
    return this.newDrain();
  }

  /** The promise of the stream taking more, which later writes wait for. */
  private newDrain(): Promise<void> {
    this.drain = handled(
      new Promise<void>((resolve, reject) => {
        this.drainResolve = resolve;
        this.drainReject = reject;
      }),
    );
    return this.drain;
  }

  /** Frames and writes one message; rejects at once (handled) when it cannot be framed or the call ended. */
  write(message: T, compressMessage: boolean): Promise<void> {
    if (this.closedWith) return rejectedSend(this.closedWith);
    if (this.gathering && !this.drain && !(compressMessage && this.encoding !== 'identity')) {
      const sent = this.gatherInPlace(message);
      if (sent) return sent;
    }
    const frame = this.frame(message, compressMessage);
    if (frame instanceof GrpcError) return rejectedSend(frame);
    return this.writeFramed(frame);
  }

  /** The call ended: pending and later writes reject with `error`. */
  close(error: GrpcError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.gathered = undefined;
    this.slabStart = this.slabUsed;
    const reject = this.drainReject;
    this.drain = this.drainResolve = this.drainReject = undefined;
    reject?.(error);
  }

  private onDrain(): void {
    if (this.closedWith) return;
    const resolve = this.drainResolve;
    this.drain = this.drainResolve = this.drainReject = undefined;
    resolve?.();
  }

  // ---- speed only: one buffer per tick (the client's writer) ----
  // A loop of `await call.send(note)` frames many messages in one tick; node:stream's write() costs
  // far more per call than the bytes of a small message do (a buffered entry, a callback, then a
  // writev of many chunks). The client's writer keeps the messages of a tick and writes them as one
  // buffer at the end of it; where the direct encoder takes a message, it is framed straight into
  // that buffer (a slab shared by many ticks), without a buffer of its own. A send resolves at once
  // while the stream with what was gathered stays below its high-water mark — what write() would
  // have answered — else when the gathered bytes are written and the stream drained. Measured on
  // bench row (h), RouteChat, in alternating rounds of 200,000 notes against the grpc-go server on
  // a loaded 2-core machine (docs/benchmarks.md, "(h) Our client against node:http2's own
  // ceiling"): our client's CPU per note 3.76 → 3.41 µs with the messages of a tick in one write
  // (medians of 8 rounds, lower in every round), then 3.93 → 3.68 and 4.96 → 4.13 µs with them
  // framed in the slab (two runs of 8 rounds; 5 and 8 rounds lower). The plain way is the write per
  // message above; the server's writer uses it (its rows were not measured with this).

  /**
   * Frames `message` straight into the slab, where the direct encoder takes it (schema.ts,
   * framedSize); undefined otherwise, and the plain way frames it (or reports why it cannot).
   */
  private gatherInPlace(message: T): Promise<void> | undefined {
    let size: number;
    try {
      size = this.encoder.framedSize(message);
    } catch {
      return undefined;
    }
    if (size < 0 || size - PREFIX_SIZE > this.maxMessageSize) return undefined;
    this.startGathering();
    if (!this.slab || this.slabUsed + size > this.slab.length) {
      this.closeRegion();
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, size));
      this.slabStart = this.slabUsed = 0;
    }
    this.encoder.frameAt(message, this.slab, this.slabUsed);
    this.slabUsed += size;
    return this.added(size);
  }

  /** A message framed elsewhere joins this tick's bytes. */
  private gather(frame: Buffer): Promise<void> {
    this.startGathering();
    this.closeRegion();
    this.gathered!.push(frame);
    return this.added(frame.length);
  }

  private startGathering(): void {
    if (this.gathered) return;
    this.gathered = [];
    this.gatheredBytes = 0;
    if (gatheringWriters.push(this) === 1) process.nextTick(writeAllGathered);
  }

  /** What this tick framed in the slab so far joins the gathered bytes as one piece. */
  private closeRegion(): void {
    if (this.slabUsed === this.slabStart) return;
    this.gathered!.push(this.slab!.subarray(this.slabStart, this.slabUsed));
    this.slabStart = this.slabUsed;
  }

  /** Resolves at once while the stream and what was gathered stay below its high-water mark. */
  private added(bytes: number): Promise<void> {
    this.gatheredBytes += bytes;
    if (this.stream.writableLength + this.gatheredBytes < this.stream.writableHighWaterMark) return RESOLVED;
    return this.newDrain();
  }

  /** Writes what this tick gathered as one buffer; a send waiting on it resolves once the stream takes more. */
  writeGathered(): void {
    if (!this.gathered) return;
    this.closeRegion();
    const pieces = this.gathered;
    this.gathered = undefined;
    const written = this.stream.write(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, this.gatheredBytes));
    if (!this.drain) return;
    if (written) this.onDrain();
    else this.stream.once('drain', () => this.onDrain());
  }
}

// A slab holds the messages of many ticks: bytes handed to the stream are never written over, a full
// slab is left to the stream and a new one taken.
const SLAB_SIZE = 16 * 1024;

const gatheringWriters: { writeGathered(): void }[] = [];

function writeAllGathered(): void {
  // A writer that gathers while these are written joins the list, and this loop.
  for (let i = 0; i < gatheringWriters.length; i++) gatheringWriters[i].writeGathered();
  gatheringWriters.length = 0;
}

// ---- speed only: one write per tick ----
// Messages written in the same tick (a handler's loop of `await call.send()` runs in one tick while
// the stream takes them) go out together: the stream is corked at the first write of a tick, and
// one process.nextTick uncorks every stream corked in that tick — one writev, packed DATA frames.
// The plain way writes each message as it comes. Measured with and without this block (same
// build, its body emptied; 3 alternating rounds, server CPU time per note, on a loaded 2-core
// machine): bench row (c) 8.75 µs per note either way, row (d) 6.5 µs with it against 7.0
// without — within the noise of that machine (docs/benchmarks.md, "The writer's uncork").

const corkedStreams: Duplex[] = [];

function corkForThisTick(stream: Duplex): void {
  if (stream.writableCorked > 0) return;
  stream.cork();
  if (corkedStreams.push(stream) === 1) process.nextTick(uncorkAll);
}

function uncorkAll(): void {
  // A stream corked while these are uncorked joins the list, and this loop.
  for (let i = 0; i < corkedStreams.length; i++) corkedStreams[i].uncork();
  corkedStreams.length = 0;
}
