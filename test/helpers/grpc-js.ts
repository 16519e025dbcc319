// @grpc/grpc-js peers for tests (devDependency only): a RouteGuide client and server with the same semantics.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ROUTE_GUIDE_PROTO } from '../../src/services/routeguide/index.js';

export { grpc };

export function loadGrpcJsPackage(protoFile: string, includeDirs: string[] = []): grpc.GrpcObject {
  const def = protoLoader.loadSync(protoFile, { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs });
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
export function unary<Res>(client: any, method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, options, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
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
