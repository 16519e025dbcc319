// Service definitions from .proto files, via protobufjs runtime reflection.
//
// PROTOCOL-HTTP2 Appendix A: for protobuf, `:path` is `/{package}.{Service}/{Method}` — case-sensitive.
// Field names keep the .proto spelling (`point_count`), as the canonical Node example does
// (proto-loader `keepCase: true`) and as server reflection must report them.

import protobuf from 'protobufjs';
import { PREFIX_SIZE, writePrefix } from '../../framing/index.js';
import { NOT_HANDLED, directEncoder, type DirectEncoder } from './direct-encoder.js';

export interface MethodDefinition<Req = any, Res = any> {
  /** `/routeguide.RouteGuide/GetFeature` */
  readonly path: string;
  /** `GetFeature` */
  readonly name: string;
  /** `getFeature`: the client method name */
  readonly localName: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly serializeRequest: (message: Req) => Uint8Array;
  readonly deserializeRequest: (bytes: Uint8Array) => Req;
  readonly serializeResponse: (message: Res) => Uint8Array;
  readonly deserializeResponse: (bytes: Uint8Array) => Res;
  /** Per direction: serialize, or serialize straight into a frame (one allocation, no copy). */
  readonly requestEncoder: MessageEncoder<Req>;
  readonly responseEncoder: MessageEncoder<Res>;
}

/** How a call turns its messages into bytes: a bare body (to compress), or a whole frame. */
export interface MessageEncoder<T> {
  serialize(message: T): Uint8Array;
  /** Serialize into a Length-Prefixed-Message with Compressed-Flag 0. */
  frame(message: T): Buffer;
}

export interface ServiceDefinition {
  /** Fully qualified name: `routeguide.RouteGuide` */
  readonly name: string;
  readonly methods: readonly MethodDefinition[];
  /** The protobufjs service, for reflection. */
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
    return protobuf.util.fs.statSync(path).isFile();
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
    const requestType = m.resolvedRequestType!;
    const responseType = m.resolvedResponseType!;
    const encoders = {
      request: { serialize: serializer(requestType), frame: framer(requestType) },
      response: { serialize: serializer(responseType), frame: framer(responseType) },
    };
    return {
      path: `/${name}/${m.name}`,
      name: m.name,
      localName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestType,
      responseType,
      serializeRequest: encoders.request.serialize,
      deserializeRequest: deserializer(requestType),
      serializeResponse: encoders.response.serialize,
      deserializeResponse: deserializer(responseType),
      requestEncoder: encoders.request,
      responseEncoder: encoders.response,
    } satisfies MethodDefinition;
  });
  return { name, methods, service };
}

/**
 * Instances of the generated class, and plain objects whose fields already have the wire types
 * (`verify` finds nothing wrong), are encoded directly; other plain objects are converted by
 * `fromObject` first (enum names, strings for 64-bit integers, …).
 */
function writerFor(type: protobuf.Type, message: any): protobuf.Writer {
  if (message == null) message = {};
  const ready = message instanceof type.ctor || type.verify(message) === null;
  return type.encode(ready ? message : type.fromObject(message));
}

/**
 * Encodes `message` after `offset` reserved bytes with the direct encoder, or returns undefined
 * when it does not take the message.
 */
function encodeDirect(direct: DirectEncoder | undefined, message: any, offset: number): Buffer | undefined {
  if (!direct || message == null) return undefined;
  const size = direct.measure(message);
  if (size === NOT_HANDLED) return undefined;
  const out = Buffer.allocUnsafe(offset + size);
  direct.write(message, out, offset);
  return out;
}

function serializer(type: protobuf.Type): (message: any) => Uint8Array {
  const direct = directEncoder(type);
  return (message) => encodeDirect(direct, message, 0) ?? writerFor(type, message).finish();
}

// Otherwise protobufjs's Writer records operations and knows the encoded length before writing any
// byte; `finish()` then allocates a buffer and runs them. Running them ourselves into a buffer that
// also holds the 5-byte prefix spares the second allocation and the copy of every message sent.
interface WriterOp {
  fn: (val: unknown, buf: Uint8Array, pos: number) => void;
  val: unknown;
  len: number;
  next: WriterOp | null;
}

function framer(type: protobuf.Type): (message: any) => Buffer {
  const direct = directEncoder(type);
  return (message) => {
    const framed = encodeDirect(direct, message, PREFIX_SIZE);
    if (framed) {
      writePrefix(framed, 0, framed.length - PREFIX_SIZE);
      return framed;
    }
    const writer = writerFor(type, message);
    const out = Buffer.allocUnsafe(PREFIX_SIZE + writer.len);
    writePrefix(out, 0, writer.len);
    let op = (writer as unknown as { head: WriterOp }).head.next; // the first op is a no-op
    let pos = PREFIX_SIZE;
    while (op) {
      op.fn(op.val, out, pos);
      pos += op.len;
      op = op.next;
    }
    return out;
  };
}

function deserializer(type: protobuf.Type): (bytes: Uint8Array) => any {
  return (bytes) => type.decode(bytes);
}
