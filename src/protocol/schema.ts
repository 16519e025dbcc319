// Service definitions from .proto files, via protobufjs runtime reflection.
//
// PROTOCOL-HTTP2 Appendix A: for protobuf, `:path` is `/{package}.{Service}/{Method}` — case-sensitive.
// Field names keep the .proto spelling (`point_count`), as the canonical Node example does
// (proto-loader `keepCase: true`) and as server reflection must report them.

import protobuf from 'protobufjs';

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
    return {
      path: `/${name}/${m.name}`,
      name: m.name,
      localName: m.name.charAt(0).toLowerCase() + m.name.slice(1),
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestType,
      responseType,
      serializeRequest: serializer(requestType),
      deserializeRequest: deserializer(requestType),
      serializeResponse: serializer(responseType),
      deserializeResponse: deserializer(responseType),
    } satisfies MethodDefinition;
  });
  return { name, methods, service };
}

/**
 * Instances of the generated class, and plain objects whose fields already have the wire types
 * (`verify` finds nothing wrong), are encoded directly; other plain objects are converted by
 * `fromObject` first (enum names, strings for 64-bit integers, …).
 */
function serializer(type: protobuf.Type): (message: any) => Uint8Array {
  const ctor = type.ctor;
  return (message) => {
    if (message == null) message = {};
    const ready = message instanceof ctor || type.verify(message) === null;
    return type.encode(ready ? message : type.fromObject(message)).finish();
  };
}

function deserializer(type: protobuf.Type): (bytes: Uint8Array) => any {
  return (bytes) => type.decode(bytes);
}
