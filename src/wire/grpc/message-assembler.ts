// One direction of one stream: DATA payloads → gRPC messages, with framing/'s decoder (any cut:
// a prefix split over frames, many messages in one frame), plus the layout the tap shows — which
// part of which message each DATA frame carries, and how many frames each message spanned.
//
// The layout is pure bookkeeping over what the decoder hands out: a frame's bytes are the end of
// the message in progress, then whole messages, then the start of the next one.

import { DEFAULT_MAX_MESSAGE_SIZE, EnvelopeDecoder, PREFIX_SIZE, type FramingError } from '../../../framing/index.js';
import type { DataSegment } from '../events.js';

export interface AssembledMessage {
  /** From 1, per stream and direction. */
  index: number;
  compressed: boolean;
  /** The body as on the wire (compressed if `compressed`). */
  body: Buffer;
  /** DATA frames it was spread over. */
  frames: number;
}

export interface PushResult {
  messages: AssembledMessage[];
  segments: DataSegment[];
  /** The decoder refused the input (bad Compressed-Flag, over the size limit): no more messages from here. */
  error?: FramingError;
  /** Bytes of the first segment's message (prefix included) that came in earlier frames: where its piece here starts. */
  seenBefore: number;
}

export class MessageAssembler {
  private readonly decoder: EnvelopeDecoder;
  private readonly done: { body: Buffer; compressed: boolean }[] = [];
  /** Bytes of the message in progress seen so far (prefix included). */
  private pending = 0;
  private pendingStartFrame = 0;
  private frameCount = 0;
  private index = 0;
  private failed = false;

  /** `maxMessageSize`: the receive limit of the peers (4 MiB, every stack's default). */
  constructor(maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE) {
    this.decoder = new EnvelopeDecoder(
      { message: (body, compressed) => this.done.push({ body, compressed }) },
      maxMessageSize,
    );
  }

  /** Messages completed so far. */
  get count(): number {
    return this.index;
  }

  /** True when a message is partly received. */
  get midMessage(): boolean {
    return this.pending > 0;
  }

  push(data: Buffer): PushResult {
    if (this.failed) return { messages: [], segments: [], seenBefore: 0 };
    this.frameCount++;
    const before = this.pending;
    const error = this.decoder.push(data);
    const messages: AssembledMessage[] = [];
    const segments: DataSegment[] = [];
    let at = 0;
    for (let i = 0; i < this.done.length; i++) {
      const m = this.done[i];
      const continued = i === 0 && before > 0;
      const bytes = PREFIX_SIZE + m.body.length - (continued ? before : 0);
      this.index++;
      segments.push({ message: this.index, at, bytes, part: continued ? 'end' : 'whole' });
      messages.push({
        index: this.index,
        compressed: m.compressed,
        body: m.body,
        frames: continued ? this.frameCount - this.pendingStartFrame + 1 : 1,
      });
      at += bytes;
    }
    this.done.length = 0;
    if (error) {
      this.failed = true;
      return { messages, segments, error, seenBefore: before };
    }
    const rest = data.length - at;
    if (rest > 0) {
      const continuing = messages.length === 0 && before > 0;
      segments.push({ message: this.index + 1, at, bytes: rest, part: continuing ? 'middle' : 'start' });
      if (!continuing) this.pendingStartFrame = this.frameCount;
      this.pending = (continuing ? before : 0) + rest;
    } else if (messages.length > 0) {
      this.pending = 0;
    }
    return { messages, segments, seenBefore: before };
  }

  /** The direction ended (END_STREAM): a message cut short is an error. */
  end(): FramingError | undefined {
    return this.failed ? undefined : this.decoder.end();
  }
}
