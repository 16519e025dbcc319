// A relay that keeps every gRPC message body as it crossed the wire: the tap's relay, frame parser,
// HPACK decoder (for each call's :path) and message assembler, without its events. Tests compare
// what two stacks sent, byte for byte.

import { MessageAssembler } from '../../src/wire/grpc/message-assembler.js';
import { FrameParser } from '../../src/wire/h2/frame-parser.js';
import { HpackDecoder } from '../../src/wire/hpack/index.js';
import type { Direction } from '../../src/wire/events.js';
import { Relay } from '../../src/wire/relay.js';

export interface CapturedMessage {
  conn: number;
  dir: Direction;
  stream: number;
  /** The call's :path. */
  method: string;
  /** The call's request header fields, by name (the last of a repeated name). */
  requestHeaders: Record<string, string>;
  /** From 1, per stream and direction. */
  index: number;
  compressed: boolean;
  body: Buffer;
}

export interface Capture {
  port: number;
  /** Every message so far, in the order each direction carried them. */
  readonly messages: CapturedMessage[];
  /** What could not be read (a frame or header block the parsers refused, a relay failure). */
  readonly errors: string[];
  close(): Promise<void>;
}

// RFC 9113 §6: frame types and flags read here.
const DATA = 0x0;
const HEADERS = 0x1;
const CONTINUATION = 0x9;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY = 0x20;

/** Starts a relay on 127.0.0.1 in front of 127.0.0.1:`upstream`. */
export async function startCapture(upstream: number): Promise<Capture> {
  const messages: CapturedMessage[] = [];
  const errors: string[] = [];
  const relay = await Relay.start(
    { listen: { host: '127.0.0.1', port: 0 }, upstream: { host: '127.0.0.1', port: upstream } },
    {
      open(info) {
        const parsers = { c2s: new FrameParser(true), s2c: new FrameParser(false) };
        const hpack = new HpackDecoder(); // the client's header blocks: only :path is needed
        const requests = new Map<number, Record<string, string>>();
        const assemblers = new Map<string, MessageAssembler>();
        let block: Buffer[] = [];
        let blockStream = 0;
        const headerBlockDone = () => {
          const decoded = hpack.decode(Buffer.concat(block));
          block = [];
          if (decoded instanceof Error) return errors.push(`HPACK: ${decoded.message}`);
          // The first block of a stream is the request's headers.
          if (!requests.has(blockStream))
            requests.set(blockStream, Object.fromEntries(decoded.fields.map((f) => [f.name, f.value])));
        };
        return {
          data(dir, chunk) {
            for (const event of parsers[dir].push(chunk)) {
              if (event.kind === 'error') errors.push(`${dir}: ${event.error.message}`);
              if (event.kind !== 'frame') continue;
              const { type, flags, streamId, payload } = event.frame;
              if (type === DATA) {
                const key = `${dir}:${streamId}`;
                let assembler = assemblers.get(key);
                if (!assembler) assemblers.set(key, (assembler = new MessageAssembler()));
                const padLength = flags & PADDED ? payload[0] : 0;
                const data = payload.subarray(flags & PADDED ? 1 : 0, payload.length - padLength);
                for (const m of assembler.push(data).messages) {
                  messages.push({
                    conn: info.id,
                    dir,
                    stream: streamId,
                    method: requests.get(streamId)?.[':path'] ?? '',
                    requestHeaders: requests.get(streamId) ?? {},
                    index: m.index,
                    compressed: m.compressed,
                    body: Buffer.from(m.body),
                  });
                }
              } else if (dir === 'c2s' && (type === HEADERS || type === CONTINUATION)) {
                let start = 0;
                let end = payload.length;
                if (type === HEADERS) {
                  if (flags & PADDED) end -= payload[start++];
                  if (flags & PRIORITY) start += 5;
                  blockStream = streamId;
                }
                block.push(payload.subarray(start, end));
                if (flags & END_HEADERS) headerBlockDone();
              }
            }
          },
          end() {},
          close() {},
        };
      },
      failed({ reason }) {
        errors.push(`relay: ${reason}`);
      },
    },
  );
  return { port: relay.address().port, messages, errors, close: () => relay.close() };
}
