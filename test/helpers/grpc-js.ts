// @grpc/grpc-js peers for tests (devDependency only): a RouteGuide client and server with the same semantics.

import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  DEFAULT_FEATURE_DB,
  distanceMetres,
  inRectangle,
  ROUTE_GUIDE_PROTO,
} from '../../src/services/routeguide/index.js';

export { grpc };

export function loadGrpcJsPackage(protoFile: string, includeDirs: string[] = []): grpc.GrpcObject {
  const def = protoLoader.loadSync(protoFile, {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs,
  });
  return grpc.loadPackageDefinition(def);
}

export function routeGuidePackage(): any {
  return (loadGrpcJsPackage(ROUTE_GUIDE_PROTO) as any).routeguide;
}

/** A grpc-js RouteGuide client for `127.0.0.1:port`. */
export function grpcJsRouteGuideClient(port: number, options: grpc.ChannelOptions = {}): any {
  const pkg = routeGuidePackage();
  return new pkg.RouteGuide(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
}

/** Promisified unary call on a grpc-js client. */
export function unary<Res>(
  client: any,
  method: string,
  request: unknown,
  metadata = new grpc.Metadata(),
  options: grpc.CallOptions = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, options, (err: grpc.ServiceError | null, res: Res) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/** Collects a grpc-js readable call (server-streaming or bidi) into an array, rejecting on error status. */
export function collect<T>(call: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    call.on('data', (m: T) => out.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(out));
  });
}

interface JsPoint {
  latitude: number;
  longitude: number;
}
interface JsFeature {
  name: string;
  location: JsPoint | null;
}
interface JsNote {
  location: JsPoint | null;
  message: string;
}

/** Canonical RouteGuide handlers (grpc-go examples/route_guide/server) in grpc-js style, over `features`. */
export function grpcJsRouteGuideHandlers(features: JsFeature[]): grpc.UntypedServiceImplementation {
  const key = (p: JsPoint | null) => `${p?.latitude ?? 0},${p?.longitude ?? 0}`;
  const byKey = new Map(features.map((f) => [key(f.location), f]));
  const notes = new Map<string, JsNote[]>(); // shared by every RouteChat stream of the server
  return {
    GetFeature(call: grpc.ServerUnaryCall<JsPoint, JsFeature>, callback: grpc.sendUnaryData<JsFeature>) {
      callback(null, byKey.get(key(call.request)) ?? { name: '', location: call.request });
    },
    ListFeatures(call: grpc.ServerWritableStream<{ lo: JsPoint | null; hi: JsPoint | null }, JsFeature>) {
      const lo = call.request.lo ?? { latitude: 0, longitude: 0 };
      const hi = call.request.hi ?? { latitude: 0, longitude: 0 };
      for (const f of features) if (f.location && inRectangle(f.location, lo, hi)) call.write(f);
      call.end();
    },
    RecordRoute(call: grpc.ServerReadableStream<JsPoint, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const start = Date.now();
      let point_count = 0;
      let feature_count = 0;
      let distance = 0;
      let previous: JsPoint | undefined;
      call.on('data', (p: JsPoint) => {
        point_count++;
        if (byKey.get(key(p))?.name) feature_count++;
        if (previous) distance += distanceMetres(previous, p);
        previous = p;
      });
      call.on('end', () => {
        const elapsed_time = Math.trunc((Date.now() - start) / 1000);
        callback(null, { point_count, feature_count, distance, elapsed_time });
      });
    },
    RouteChat(call: grpc.ServerDuplexStream<JsNote, JsNote>) {
      call.on('data', (note: JsNote) => {
        const k = key(note.location);
        const list = notes.get(k) ?? [];
        notes.set(k, list);
        list.push(note);
        for (const n of list) call.write(n);
      });
      call.on('end', () => call.end());
    },
  };
}

/**
 * A grpc-js RouteGuide server on 127.0.0.1 (free port) over the canonical DB; `extraHandlers` replace
 * RouteGuide methods by name (e.g. a GetFeature that never answers).
 */
export async function startGrpcJsRouteGuideServer(
  extraHandlers: grpc.UntypedServiceImplementation = {},
): Promise<{ port: number; close: () => Promise<void> }> {
  const features: JsFeature[] = JSON.parse(readFileSync(DEFAULT_FEATURE_DB, 'utf8'));
  const server = new grpc.Server();
  server.addService(routeGuidePackage().RouteGuide.service, {
    ...grpcJsRouteGuideHandlers(features),
    ...extraHandlers,
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown(); // calls still running (never-answering handlers) are cut off
        resolve();
      }),
  };
}
