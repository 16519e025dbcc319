// Where `routeguide tap` finds the message types of a call, by its `:path` (/package.Service/Method),
// handed to the tap as its SchemaSource (src/wire/protobuf/schemas.ts):
//
//   1. the --proto files, when they declare the service;
//   2. the upstream's server reflection (v1, falling back to v1alpha) over a side connection of our
//      own client — asked once per service, the answer (or the failure) cached;
//   3. none: the message is shown as its wire format.
//
// A lookup answers at once when it can; the first call of a service waits for reflection.

import type protobuf from 'protobufjs';
import { Channel } from '../client/channel.js';
import { GrpcError } from '../protocol/grpc-error.js';
import { Status } from '../protocol/status.js';
import { ReflectionClient } from '../services/reflection/client.js';
import type { MethodSchema, NoSchema, SchemaLookup, SchemaSource } from '../wire/protobuf/schemas.js';
import type { Endpoint, RelayOptions } from '../wire/relay.js';

export interface TapSchemasOptions {
  /** Types loaded from --proto files. */
  protoRoot?: protobuf.Root;
  /** Reflection towards the upstream; none with --no-reflection. */
  reflection?: ReflectionClient;
}

type ServiceAnswer = { root: protobuf.Root } | (NoSchema & { transient?: boolean });

/** Bounds on what is remembered: a client may send any number of made-up paths. */
const MAX_PATHS = 1024;
const MAX_SERVICES = 256;
/** A reflection failure that may pass (the upstream restarting, a deadline) is asked again after this. */
const RETRY_MS = 10_000;

export class TapSchemas implements SchemaSource {
  private readonly protoRoot: protobuf.Root | undefined;
  private readonly reflection: ReflectionClient | undefined;
  /** Per service: the answer, or the question in flight. */
  private readonly services = new Map<string, ServiceAnswer | Promise<ServiceAnswer>>();
  /** Per path: the answer once known, so that every later message is looked up without waiting. */
  private readonly methods = new Map<string, SchemaLookup>();
  /** Set once the upstream turned out to have no reflection at all. */
  private noReflection: string | undefined;

  constructor(options: TapSchemasOptions = {}) {
    this.protoRoot = options.protoRoot;
    this.reflection = options.reflection;
  }

  lookup(path: string): SchemaLookup | Promise<SchemaLookup> {
    const known = this.methods.get(path);
    if (known) return known;
    const parsed = /^\/([^/]+)\/([^/]+)$/.exec(path);
    if (!parsed) return this.remember(path, { missing: `"${path}" is not a /package.Service/Method path` });
    const [, service, method] = parsed;
    const fromProto = this.protoRoot && methodIn(this.protoRoot, service, method, 'proto');
    if (fromProto && !('missing' in fromProto)) return this.remember(path, fromProto);
    const answer = this.service(service);
    const finish = (a: ServiceAnswer): SchemaLookup => {
      if (!('missing' in a)) return this.remember(path, methodIn(a.root, service, method, 'reflection'));
      return a.transient ? this.why(a, fromProto) : this.remember(path, this.why(a, fromProto));
    };
    return answer instanceof Promise ? answer.then(finish) : finish(answer);
  }

  private service(name: string): ServiceAnswer | Promise<ServiceAnswer> {
    const known = this.services.get(name);
    if (known) return known;
    if (!this.reflection)
      return { missing: this.protoRoot ? 'not in the --proto files' : 'no --proto files, and --no-reflection' };
    if (this.noReflection) return { missing: this.noReflection };
    if (this.services.size >= MAX_SERVICES)
      return { missing: `reflection was asked about ${MAX_SERVICES} services already` };
    const asked = this.reflection.resolveSymbol(name).then(
      ({ root }): ServiceAnswer => ({ root }),
      (error: unknown): ServiceAnswer => {
        const why = reflectionFailure(error, name);
        const code = error instanceof GrpcError ? error.code : undefined;
        if (code === Status.UNIMPLEMENTED) this.noReflection = why;
        return { missing: why, transient: code !== Status.UNIMPLEMENTED && code !== Status.NOT_FOUND };
      },
    );
    this.services.set(name, asked);
    void asked.then((answer) => {
      this.services.set(name, answer);
      if ('transient' in answer && answer.transient) setTimeout(() => this.services.delete(name), RETRY_MS).unref();
    });
    return asked;
  }

  private why(answer: NoSchema, fromProto: NoSchema | MethodSchema | undefined): NoSchema {
    if (!this.protoRoot) return answer;
    return {
      missing: `${fromProto && 'missing' in fromProto ? fromProto.missing : 'not in the --proto files'}; ${answer.missing}`,
    };
  }

  private remember(path: string, lookup: SchemaLookup): SchemaLookup {
    if (this.methods.size >= MAX_PATHS) this.methods.clear();
    this.methods.set(path, lookup);
    return lookup;
  }
}

function methodIn(root: protobuf.Root, service: string, method: string, source: MethodSchema['source']): SchemaLookup {
  let found: protobuf.Method | undefined;
  try {
    found = root.lookupService(service).methods[method];
  } catch {
    return { missing: `service ${service} not in the ${source === 'proto' ? '--proto files' : 'reflection answer'}` };
  }
  if (!found) return { missing: `${service} has no method ${method}` };
  found.resolve();
  return { requestType: found.resolvedRequestType!, responseType: found.resolvedResponseType!, source };
}

function reflectionFailure(error: unknown, service: string): string {
  if (!(error instanceof GrpcError)) return `reflection failed: ${(error as Error).message}`;
  switch (error.code) {
    case Status.UNIMPLEMENTED:
      return 'the server has no reflection (v1 and v1alpha: UNIMPLEMENTED)';
    case Status.NOT_FOUND:
      return `reflection does not know ${service}`;
    default:
      return `reflection failed: ${error.codeName}: ${error.details}`;
  }
}

/**
 * The schemas of `routeguide tap`: `protoRoot`, then (unless `reflection` is false) the reflection of
 * `upstream`, asked over a channel of our client that `close` closes.
 */
export function upstreamSchemas(options: {
  upstream: Endpoint;
  upstreamTls?: RelayOptions['upstreamTls'];
  protoRoot?: protobuf.Root;
  reflection: boolean;
}): { source: TapSchemas; close(): void } {
  const { host, port } = options.upstream;
  const channel = options.reflection
    ? new Channel(`${host.includes(':') ? `[${host}]` : host}:${port}`, {
        tls: options.upstreamTls && { ca: options.upstreamTls.ca, serverName: options.upstreamTls.serverName },
      })
    : undefined;
  const schemas = new TapSchemas({
    protoRoot: options.protoRoot,
    reflection: channel && new ReflectionClient(channel, { timeoutMs: 5000 }),
  });
  return { source: schemas, close: () => channel?.close() };
}
