// The RouteGuide service on @grpc/grpc-js, with the same semantics and data structures as ours
// (src/services/routeguide/service.ts): feature lookup by a Map, notes shared by all streams.
//
//   node bench/servers/grpcjs-server.mjs --port P

import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { exitOnSignal, HOST, portArg } from './args.mjs';

const PROTO = new URL('../../proto/route_guide.proto', import.meta.url).pathname;
const DB = new URL('../../data/route_guide_db.json', import.meta.url).pathname;

const features = JSON.parse(readFileSync(DB, 'utf8'));
const key = (p) => `${p?.latitude ?? 0},${p?.longitude ?? 0}`;
const byKey = new Map();
for (const f of features) if (!byKey.has(key(f.location))) byKey.set(key(f.location), f);
const notesByKey = new Map();

function inRectangle(p, a, b) {
  const left = Math.min(a.longitude, b.longitude);
  const right = Math.max(a.longitude, b.longitude);
  const top = Math.max(a.latitude, b.latitude);
  const bottom = Math.min(a.latitude, b.latitude);
  return p.longitude >= left && p.longitude <= right && p.latitude >= bottom && p.latitude <= top;
}

function distanceMetres(p1, p2) {
  const rad = (e7) => ((e7 / 1e7) * Math.PI) / 180;
  const lat1 = rad(p1.latitude);
  const lat2 = rad(p2.latitude);
  const dlat = lat2 - lat1;
  const dlng = rad(p2.longitude) - rad(p1.longitude);
  const a = Math.sin(dlat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dlng / 2) ** 2;
  return Math.trunc(6371000 * 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)));
}

const ORIGIN = { latitude: 0, longitude: 0 };
const handlers = {
  GetFeature(call, callback) {
    callback(null, byKey.get(key(call.request)) ?? { name: '', location: call.request });
  },
  ListFeatures(call) {
    const lo = call.request.lo ?? ORIGIN;
    const hi = call.request.hi ?? ORIGIN;
    for (const f of features) if (inRectangle(f.location, lo, hi)) call.write(f);
    call.end();
  },
  RecordRoute(call, callback) {
    const start = Date.now();
    let point_count = 0;
    let feature_count = 0;
    let distance = 0;
    let previous;
    call.on('data', (p) => {
      point_count++;
      if (byKey.get(key(p))?.name) feature_count++;
      if (previous) distance += distanceMetres(previous, p);
      previous = p;
    });
    call.on('end', () => {
      callback(null, { point_count, feature_count, distance, elapsed_time: Math.trunc((Date.now() - start) / 1000) });
    });
  },
  RouteChat(call) {
    call.on('data', (note) => {
      const k = key(note.location);
      let notes = notesByKey.get(k);
      if (!notes) notesByKey.set(k, (notes = []));
      notes.push(note);
      for (const n of notes) call.write(n);
    });
    call.on('end', () => call.end());
  },
};

const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(PROTO, { keepCase: true })).routeguide;
const server = new grpc.Server();
server.addService(pkg.RouteGuide.service, handlers);
server.bindAsync(`${HOST}:${portArg()}`, grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(`listening on ${HOST}:${port}`);
});
exitOnSignal(() => server.forceShutdown());
