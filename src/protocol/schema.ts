// Service definitions from .proto files, via protobufjs runtime reflection.
//
// PROTOCOL-HTTP2 Appendix A: for protobuf, `:path` is `/{package}.{Service}/{Method}` — case-sensitive.
// Field names keep the .proto spelling (`point_count`), as the canonical Node example does
// (proto-loader `keepCase: true`) and as server reflection must report them.

import { statSync } from 'node:fs';
import protobuf from 'protobufjs';
import { PREFIX_SIZE, writePrefix } from '../../framing/index.js';
import { directDecoder } from './direct-decoder.js';
import { NOT_HANDLED, directEncoder, type DirectEncoder } from './direct-encoder.js';
import { encodeMessage } from './protobuf-encoding.js';
import { messageReader } from './protobuf-reader.js';

export interface MethodDefinition<Req = unknown, Res = unknown> {
  /** `/routeguide.RouteGuide/GetFeature` */
  readonly path: string;
  /** `GetFeature` */
  readonly name: string;
  /** `getFeature`: the client method name */
  readonly localName: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** The request message type's protobuf encoding, both ways. */
  readonly request: MessageCodec<Req>;
  /** The response message type's protobuf encoding, both ways. */
  readonly response: MessageCodec<Res>;
}

/** One message type's protobuf encoding. */
export interface MessageCodec<T> {
  readonly serialize: (message: T) => Uint8Array;
  /** Throws when the bytes are not a valid message of this type. */
  readonly deserialize: (bytes: Uint8Array) => T;
  /**
   * @internal Speed only: serialize straight into a Length-Prefixed-Message with Compressed-Flag 0
   * (see framer below); the plain way is encodeEnvelope(serialize(message)).
   */
  readonly frame: (message: T) => Buffer;
  /**
   * @internal Speed only: deserialize the message in bytes[start, end) without a view of it
   * (src/call/reader.ts, "decoding in place"); the plain way is deserialize(bytes.subarray(start, end)).
   */
  readonly deserializeIn: (bytes: Uint8Array, start: number, end: number) => T;
  /**
   * @internal Speed only: the size of `message` as a Length-Prefixed-Message with Compressed-Flag 0
   * when the direct encoder takes it, else -1; a size must be followed at once by frameAt() of the
   * same message (src/call/writer.ts, "one buffer per tick"). The plain way is frame().
   */
  readonly framedSize: (message: T) => number;
  /** @internal Speed only: frames the message framedSize() measured into `target` at `offset`. */
  readonly frameAt: (message: T, target: Buffer, offset: number) => void;
}

export interface ServiceDefinition {
  /** Fully qualified name: `routeguide.RouteGuide` */
  readonly name: string;
  readonly methods: readonly MethodDefinition[];
  /** @internal The protobufjs service, for reflection. */
  readonly service: protobuf.Service;
}

/** Loads .proto files (with their imports) into one protobufjs Root. */
export function loadProtoFiles(files: string | string[], includeDirs: string[] = []): protobuf.Root {
  const root = new protobuf.Root();
  if (includeDirs.length > 0) {
    const original = root.resolvePath.bind(root);
    root.resolvePath = (origin, target) => {
      for (const dir of includeDirs) {
        const candidate = `${dir}/${target}`;
        if (existsSync(candidate)) return candidate;
      }
      return original(origin, target);
    };
  }
  root.loadSync(files, { keepCase: true });
  root.resolveAll();
  return root;
}

function existsSync(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A service definition for `fullName` (e.g. `routeguide.RouteGuide`) out of a loaded Root. */
export function serviceDefinition(root: protobuf.Root, fullName: string): ServiceDefinition {
  const service = root.lookupService(fullName);
  const name = service.fullName.replace(/^\./, '');
  const methods = service.methodsArray.map((m) => {
    m.resolve();
    return {
      path: `/${name}/${m.name}`,
      name: m.name,
      localName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      request: messageCodec(m.resolvedRequestType!),
      response: messageCodec(m.resolvedResponseType!),
    } satisfies MethodDefinition;
  });
  return { name, methods, service };
}

/**
 * Encodes `message` after `offset` reserved bytes with the direct encoder, or returns undefined
 * when it does not take the message.
 */
function encodeDirect(direct: DirectEncoder | undefined, message: unknown, offset: number): Buffer | undefined {
  if (!direct || message == null) return undefined;
  const size = direct.measure(message);
  if (size === NOT_HANDLED) return undefined;
  const out = Buffer.allocUnsafe(offset + size);
  direct.write(message, out, offset);
  return out;
}

function messageCodec(type: protobuf.Type): MessageCodec<unknown> {
  const direct = directEncoder(type);
  return {
    serialize: (message) => encodeDirect(direct, message, 0) ?? encodeMessage(type, message).finish(),
    deserialize: (bytes) => type.decode(messageReader(bytes)),
    frame: framer(type, direct),
    deserializeIn: decoderIn(type),
    framedSize: (message) => {
      const size = direct && message != null ? direct.measure(message) : NOT_HANDLED;
      return size === NOT_HANDLED ? -1 : PREFIX_SIZE + size;
    },
    frameAt: (message, target, offset) => {
      const end = direct!.write(message!, target, offset + PREFIX_SIZE);
      writePrefix(target, offset, end - offset - PREFIX_SIZE);
    },
  };
}

/**
 * Speed only: decodes bytes[start, end) with the direct decoder (direct-decoder.ts), and with
 * protobufjs whatever that one gives up on — the same objects, the same errors.
 */
function decoderIn(type: protobuf.Type): (bytes: Uint8Array, start: number, end: number) => unknown {
  const direct = directDecoder(type);
  if (!direct) return (bytes, start, end) => type.decode(messageReader(bytes, start, end));
  return (bytes, start, end) => direct(bytes, start, end) ?? type.decode(messageReader(bytes, start, end));
}

/**
 * Speed only: a whole Length-Prefixed-Message in one buffer — the direct encoder writes after the 5
 * prefix bytes; protobuf-encoding.ts after 5 placeholder bytes (five varint zeros), which the prefix
 * then overwrites. One allocation either way, and no copy of the message.
 */
function framer(type: protobuf.Type, direct: DirectEncoder | undefined): (message: unknown) => Buffer {
  return (message) => {
    let framed = encodeDirect(direct, message, PREFIX_SIZE);
    if (!framed) {
      const writer = protobuf.Writer.create();
      for (let i = 0; i < PREFIX_SIZE; i++) writer.uint32(0);
      framed = encodeMessage(type, message, writer).finish() as Buffer;
    }
    writePrefix(framed, 0, framed.length - PREFIX_SIZE);
    return framed;
  };
}
